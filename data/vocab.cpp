// SPDX-License-Identifier: MIT
#include "data/vocab.h"

#include <nlohmann/json.hpp>

#include "base/check.h"
#include "base/file_io.h"
#include "data/captions.h"

namespace imram::data {
namespace {

constexpr const char* kSpecials[] = {"<pad>", "<start>", "<end>", "<unk>"};

// Parses a JSON object key of idx2word ("0", "17", ...); -1 when it is not a canonical decimal.
std::int64_t parse_index(const std::string& key) {
    if (key.empty() || key.size() > 18 || (key.size() > 1 && key[0] == '0')) return -1;
    std::int64_t v = 0;
    for (const char c : key) {
        if (c < '0' || c > '9') return -1;
        v = v * 10 + (c - '0');
    }
    return v;
}

}  // namespace

std::int64_t Vocab::id(const std::string& w) const {
    const auto it = word2idx.find(w);
    return it == word2idx.end() ? kUnk : it->second;
}

std::int64_t Vocab::add(const std::string& w) {
    const auto [it, inserted] = word2idx.emplace(w, size());
    if (inserted) idx2word.push_back(w);
    return it->second;
}

Vocab load_vocab(const std::string& path) {
    // COCO's vocabulary is about 0.5 MB; parsing JSON takes many times the file's size in memory, so a
    // file past this limit is refused before it is read.
    constexpr std::uint64_t kMaxVocabBytes = 64u << 20;
    const std::string text = read_file(path, kMaxVocabBytes);
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
        IMRAM_FAIL(path, ": not valid JSON: ", e.what());
    }
    IMRAM_CHECK(j.is_object(), path, ": expected a JSON object with 'word2idx', 'idx2word' and 'idx'");
    for (const char* key : {"word2idx", "idx2word", "idx"})
        IMRAM_CHECK(j.contains(key), path, ": field '", key, "' is missing");
    const auto& w2i = j["word2idx"];
    const auto& i2w = j["idx2word"];
    const auto& idx = j["idx"];
    IMRAM_CHECK(w2i.is_object(), path, ": field 'word2idx' must be an object (word -> id)");
    IMRAM_CHECK(i2w.is_object(), path, ": field 'idx2word' must be an object (\"id\" -> word)");
    IMRAM_CHECK(idx.is_number_integer(), path, ": field 'idx' must be an integer (the vocabulary size)");
    const auto n = idx.get<std::int64_t>();
    std::vector<std::pair<std::int64_t, std::string>> id_word;
    for (const auto& [key, word] : i2w.items()) {
        const std::int64_t i = parse_index(key);
        IMRAM_CHECK(i >= 0 && i < n, path, ": field 'idx2word': key \"", key, "\" is not an id in [0, ", n, ")");
        IMRAM_CHECK(word.is_string(), path, ": field 'idx2word': entry \"", key, "\" is not a string");
        id_word.emplace_back(i, word.get<std::string>());
    }
    std::vector<std::pair<std::string, std::int64_t>> word_id;
    for (const auto& [word, id] : w2i.items()) {
        IMRAM_CHECK(id.is_number_integer(), path, ": field 'word2idx': the id of \"", word, "\" is not an integer");
        word_id.emplace_back(word, id.get<std::int64_t>());
    }
    return vocab_from_maps(path, n, id_word, word_id);
}

Vocab vocab_from_maps(const std::string& path, std::int64_t n,
                      const std::vector<std::pair<std::int64_t, std::string>>& idx2word,
                      const std::vector<std::pair<std::string, std::int64_t>>& word2idx) {
    IMRAM_CHECK(n >= 4, path, ": field 'idx' is ", n, ", but the four special tokens alone need 4");
    IMRAM_CHECK(static_cast<std::int64_t>(word2idx.size()) == n, path, ": field 'idx' is ", n, " but 'word2idx' has ",
                word2idx.size(), " entries");
    IMRAM_CHECK(static_cast<std::int64_t>(idx2word.size()) == n, path, ": field 'idx' is ", n, " but 'idx2word' has ",
                idx2word.size(), " entries");

    Vocab v;
    v.idx2word.assign(static_cast<std::size_t>(n), std::string());
    std::vector<bool> seen(static_cast<std::size_t>(n), false);
    for (const auto& [i, word] : idx2word) {
        IMRAM_CHECK(i >= 0 && i < n, path, ": field 'idx2word': key ", i, " is not an id in [0, ", n, ")");
        IMRAM_CHECK(!seen[static_cast<std::size_t>(i)], path, ": field 'idx2word': id ", i, " appears twice");
        seen[static_cast<std::size_t>(i)] = true;
        v.idx2word[static_cast<std::size_t>(i)] = word;
    }
    v.word2idx.reserve(static_cast<std::size_t>(n));
    for (const auto& [word, i] : word2idx) {
        IMRAM_CHECK(i >= 0 && i < n, path, ": field 'word2idx': \"", word, "\" has id ", i, ", outside [0, ", n, ")");
        IMRAM_CHECK(v.idx2word[static_cast<std::size_t>(i)] == word, path, ": fields disagree: 'word2idx' maps \"",
                    word, "\" to ", i, " but 'idx2word' has \"", v.idx2word[static_cast<std::size_t>(i)], "\" at ", i);
        IMRAM_CHECK(v.word2idx.emplace(word, i).second, path, ": field 'word2idx' holds \"", word, "\" twice");
    }
    // Same sizes and every word2idx entry matches idx2word, so the two maps are inverse bijections
    // unless idx2word repeats a word (then word2idx, having unique keys, misses an id).
    IMRAM_CHECK(static_cast<std::int64_t>(v.word2idx.size()) == n, path,
                ": field 'idx2word' repeats a word (word2idx covers only ", v.word2idx.size(), " of ", n, " ids)");
    for (std::int64_t i = 0; i < 4; ++i) {
        const auto it = v.word2idx.find(kSpecials[i]);
        IMRAM_CHECK(it != v.word2idx.end(), path, ": field 'word2idx': special token ", kSpecials[i],
                    " is missing (expected id ", i, ")");
        IMRAM_CHECK(it->second == i, path, ": field 'word2idx': special token ", kSpecials[i], " has id ", it->second,
                    ", expected ", i);
    }
    return v;
}

void save_vocab(const std::string& path, const Vocab& v) {
    IMRAM_CHECK(static_cast<std::size_t>(v.size()) == v.word2idx.size(), "save_vocab ", path, ": idx2word has ",
                v.size(), " words but word2idx ", v.word2idx.size());
    nlohmann::ordered_json i2w = nlohmann::ordered_json::object();
    nlohmann::ordered_json w2i = nlohmann::ordered_json::object();
    for (std::int64_t i = 0; i < v.size(); ++i) {
        const std::string& w = v.idx2word[static_cast<std::size_t>(i)];
        IMRAM_CHECK(v.id(w) == i && v.word2idx.count(w) == 1, "save_vocab ", path,
                    ": word2idx disagrees with idx2word at id ", i);
        i2w[std::to_string(i)] = w;
        w2i[w] = i;
    }
    nlohmann::ordered_json j = nlohmann::ordered_json::object();
    j["idx2word"] = std::move(i2w);
    j["word2idx"] = std::move(w2i);
    j["idx"] = v.size();
    write_file_atomic(path, j.dump());
}

Vocab build_vocab(const std::vector<std::string>& caption_files, int threshold, NltkRules rules) {
    IMRAM_CHECK(!caption_files.empty(), "build_vocab: no caption files");
    std::unordered_map<std::string, std::int64_t> count;
    std::vector<std::string> order;  // first appearance
    for (const auto& file : caption_files) {
        for (const auto& caption : read_captions(file)) {
            for (auto& w : word_tokenize(caption, rules)) {
                auto [it, inserted] = count.emplace(w, 0);
                if (inserted) order.push_back(std::move(w));
                ++it->second;
            }
        }
    }
    Vocab v;
    for (const char* s : kSpecials) v.add(s);
    for (const auto& w : order)
        if (count[w] >= threshold) v.add(w);
    return v;
}

}  // namespace imram::data
