// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "data/tokenize.h"
#include "data/vocab.h"

using imram::data::encode_caption;
using imram::data::NltkRules;
using imram::data::sent_tokenize;
using imram::data::treebank_tokenize;
using imram::data::Vocab;
using imram::data::word_tokenize;
using Strings = std::vector<std::string>;

namespace {

struct Case {
    int line;
    std::string caption;
    Strings current, legacy;
};

std::string unescape(const std::string& s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '\\' || i + 1 == s.size()) {
            out += s[i];
            continue;
        }
        const char e = s[++i];
        out += e == 't' ? '\t' : e == 'n' ? '\n' : e == 'r' ? '\r' : e;
    }
    return out;
}

Strings split_spaces(const std::string& s) {
    Strings out;
    std::istringstream in(s);
    for (std::string t; in >> t;) out.push_back(t);
    return out;
}

// tests/fixtures/data_io/tokenizer_cases.tsv: caption <TAB> current NLTK tokens <TAB> NLTK 3.2.5 tokens
std::vector<Case> load_cases() {
    std::ifstream in(IMRAM_TEST_DATA_DIR "/data_io/tokenizer_cases.tsv");
    REQUIRE(in.good());
    std::vector<Case> cases;
    int line_no = 0;
    for (std::string line; std::getline(in, line);) {
        ++line_no;
        if (line.empty() || line[0] == '#') continue;
        const auto t1 = line.find('\t'), t2 = line.find('\t', t1 + 1);
        REQUIRE(t1 != std::string::npos);
        REQUIRE(t2 != std::string::npos);
        cases.push_back({line_no, unescape(line.substr(0, t1)), split_spaces(line.substr(t1 + 1, t2 - t1 - 1)),
                         split_spaces(line.substr(t2 + 1))});
    }
    return cases;
}

}  // namespace

TEST_CASE("tokenize: word_tokenize matches NLTK on the generated caption table", "[data]") {
    const auto cases = load_cases();
    REQUIRE(cases.size() >= 40);
    int differ = 0;  // cases where the two NLTK versions disagree: the table must exercise both rule sets
    for (const auto& c : cases) {
        INFO("tokenizer_cases.tsv line " << c.line << ": " << c.caption);
        CHECK(word_tokenize(c.caption, NltkRules::current) == c.current);
        CHECK(word_tokenize(c.caption, NltkRules::legacy_3_2) == c.legacy);
        differ += c.current != c.legacy;
    }
    CHECK(differ >= 5);
}

TEST_CASE("tokenize: the brief's examples", "[data]") {
    CHECK(word_tokenize("A man can't see the T-shirt.") ==
          Strings{"a", "man", "ca", "n't", "see", "the", "t-shirt", "."});
    CHECK(word_tokenize("Cannot, 3.5 and 1,000!") == Strings{"can", "not", ",", "3.5", "and", "1,000", "!"});
    CHECK(word_tokenize("(a) [b] \"c\"") == Strings{"(", "a", ")", "[", "b", "]", "``", "c", "''"});
    CHECK(word_tokenize("he's here; they're, we'll: I'm, you've, she'd?") ==
          Strings{"he", "'s", "here", ";", "they", "'re", ",", "we", "'ll", ":", "i", "'m", ",", "you", "'ve", ",",
                  "she", "'d", "?"});
    CHECK(word_tokenize("").empty());
    CHECK(word_tokenize("   ").empty());
    CHECK(word_tokenize(".") == Strings{"."});
}

TEST_CASE("tokenize: sentence splitting, and the word tokenizer alone", "[data]") {
    CHECK(sent_tokenize("a man rides a bike. he wears a helmet.") ==
          Strings{"a man rides a bike.", "he wears a helmet."});
    CHECK(sent_tokenize("mr. smith talks. (it is late.) he stops.") ==
          Strings{"mr. smith talks.", "(it is late.)", "he stops."});
    CHECK(sent_tokenize("a dog at 5 p.m. sits.") == Strings{"a dog at 5 p.m. sits."});
    // Without the split, only the last period of the string comes off.
    CHECK(treebank_tokenize("a bike. he rides.") == Strings{"a", "bike.", "he", "rides", "."});
    CHECK(word_tokenize("a bike. he rides.") == Strings{"a", "bike", ".", "he", "rides", "."});
    CHECK(treebank_tokenize("A B.") == Strings{"A", "B", "."});  // no lowercasing
}

TEST_CASE("tokenize: encode_caption wraps vocabulary ids in <start> ... <end>", "[data]") {
    Vocab v;
    for (const char* w : {"<pad>", "<start>", "<end>", "<unk>", "a", "dog", ".", "runs"}) v.add(w);
    CHECK(encode_caption(v, "A dog runs.") == std::vector<std::int64_t>{1, 4, 5, 7, 6, 2});
    CHECK(encode_caption(v, "A DOG jumps!") == std::vector<std::int64_t>{1, 4, 5, 3, 3, 2});
    CHECK(encode_caption(v, "") == std::vector<std::int64_t>{1, 2});
}

TEST_CASE("tokenize: invalid UTF-8 is an error", "[data][errors]") {
    CHECK_THROWS_WITH(word_tokenize("a \xff dog"), Catch::Contains("invalid UTF-8 at byte 2"));
    CHECK_THROWS_WITH(sent_tokenize("\xc3"), Catch::Contains("invalid UTF-8"));
}
