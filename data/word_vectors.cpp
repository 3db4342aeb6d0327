// SPDX-License-Identifier: MIT
#include "data/word_vectors.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "base/check.h"

namespace imram::data {
namespace {

// Splits on spaces and tabs (GloVe uses one space; hand-made files use either).
std::vector<std::string> fields_of(const std::string& line) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
        const std::size_t start = i;
        while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') ++i;
        if (i > start) out.push_back(line.substr(start, i - start));
    }
    return out;
}

bool is_count(const std::string& s) {
    if (s.empty() || s.size() > 18) return false;
    for (const char c : s)
        if (c < '0' || c > '9') return false;
    return true;
}

}  // namespace

std::string fallback_word(const std::string& word) {
    std::string out;
    for (const char c : word)
        if (c != '-' && c != '.' && c != '\'') out += c;
    const std::size_t slash = out.find('/');
    return slash == std::string::npos ? out : out.substr(0, slash);
}

WordVectors read_word_vectors(const std::string& path, const Vocab& vocab) {
    std::ifstream in(path, std::ios::binary);
    IMRAM_CHECK_KIND(in.good(), Missing, "--word_vectors: cannot open ", path);
    WordVectors wv;
    std::unordered_set<std::int64_t> seen;
    // The vocabulary's words whose fallback differs from the word: fallback -> their ids; the first
    // line of a fallback word gives each of them a row, used if no exact line comes.
    std::unordered_map<std::string, std::vector<std::int64_t>> second_try;
    for (const auto& [word, id] : vocab.word2idx)
        if (id > Vocab::kUnk)
            if (std::string f = fallback_word(word); f != word && !f.empty()) second_try[f].push_back(id);
    std::map<std::int64_t, std::vector<float>> fallback_rows;  // id order: a reproducible result
    std::string line;
    std::int64_t line_no = 0;
    while (std::getline(in, line)) {
        ++line_no;
        const std::vector<std::string> f = fields_of(line);
        if (f.empty()) continue;  // blank lines (a trailing newline) carry nothing
        if (line_no == 1 && f.size() == 2 && is_count(f[0]) && is_count(f[1])) continue;  // word2vec header
        const auto n = static_cast<std::int64_t>(f.size()) - 1;
        IMRAM_CHECK(n > 0, path, ":", line_no, ": '", f[0], "' has no values (expected a word, then its vector)");
        if (wv.dim == 0) wv.dim = n;
        IMRAM_CHECK(n == wv.dim, path, ":", line_no, ": '", f[0], "' has ", n, " values, but the first vector has ",
                    wv.dim);
        ++wv.words_in_file;
        const auto it = vocab.word2idx.find(f[0]);
        const bool keep = it != vocab.word2idx.end() && it->second > Vocab::kUnk && seen.insert(it->second).second;
        const auto alt = second_try.find(f[0]);
        const bool keep_alt = alt != second_try.end();
        std::vector<float> row;
        if (keep || keep_alt) row.reserve(static_cast<std::size_t>(n));
        for (std::int64_t k = 1; k <= n; ++k) {
            // Every value is checked, kept or not: a damaged file is refused whatever the vocabulary.
            const std::string& s = f[static_cast<std::size_t>(k)];
            char* end = nullptr;
            errno = 0;
            const double v = std::strtod(s.c_str(), &end);
            IMRAM_CHECK(end == s.c_str() + s.size() && errno != ERANGE && std::isfinite(v), path, ":", line_no,
                        ": value ", k, " of '", f[0], "' is '", s, "', expected a finite number");
            if (keep || keep_alt) row.push_back(static_cast<float>(v));
        }
        if (keep) {
            wv.ids.push_back(it->second);
            wv.values.insert(wv.values.end(), row.begin(), row.end());
        }
        if (keep_alt) {
            for (const std::int64_t id : alt->second) fallback_rows.emplace(id, row);
            second_try.erase(alt);  // the first line of the fallback word wins
        }
    }
    for (const auto& [id, row] : fallback_rows)
        if (!seen.count(id)) {
            wv.ids.push_back(id);
            wv.values.insert(wv.values.end(), row.begin(), row.end());
            ++wv.by_fallback;
        }
    IMRAM_CHECK(wv.words_in_file > 0, path, ": no word vectors (expected lines 'word v1 v2 ...')");
    return wv;
}

}  // namespace imram::data
