// SPDX-License-Identifier: MIT
// Pre-trained word vectors in GloVe's text layout: the vocabulary's words are kept (in file order,
// the first line of a word wins, special tokens never), and every damaged line is refused with its
// file, line and what was expected.
#include <catch2/catch.hpp>

#include <fstream>

#include "base/check.h"
#include "data/word_vectors.h"
#include "tests/testing/temp.h"

using namespace imram;

namespace {
data::Vocab vocab_of(std::initializer_list<const char*> words) {
    data::Vocab v;
    for (const char* w : {"<pad>", "<start>", "<end>", "<unk>"}) v.add(w);
    for (const char* w : words) v.add(w);
    return v;
}

std::string write(const std::string& name, const std::string& text) {
    const std::string path = testing::tmp_path(name);
    std::ofstream(path, std::ios::binary) << text;
    return path;
}
}  // namespace

TEST_CASE("word vectors: the vocabulary's words, in file order", "[data]") {
    const data::Vocab v = vocab_of({"dog", "cat", "bird"});
    // A word2vec header, tabs, CRLF, a blank line, a duplicate (the first wins), a special token, an
    // unknown word, and the number formats strtod reads.
    const std::string path = write("wv_ok.txt",
                                   "5 3\n"
                                   "cat 1 2 3\r\n"
                                   "\n"
                                   "<unk> 9 9 9\n"
                                   "zebra 7 7 7\n"
                                   "dog\t-0.5\t1e-3 +4\n"
                                   "cat 0 0 0\n");
    const data::WordVectors wv = data::read_word_vectors(path, v);
    CHECK(wv.dim == 3);
    CHECK(wv.words_in_file == 5);
    REQUIRE(wv.ids == std::vector<std::int64_t>{v.id("cat"), v.id("dog")});
    CHECK(wv.values == std::vector<float>{1, 2, 3, -0.5f, 1e-3f, 4});
}

TEST_CASE("word vectors: the official fallback spelling for words the file lacks; an exact line wins", "[data]") {
    CHECK(data::fallback_word("t-shirt") == "tshirt");
    CHECK(data::fallback_word("st.") == "st");
    CHECK(data::fallback_word("man's") == "mans");
    CHECK(data::fallback_word("a/c") == "a");
    CHECK(data::fallback_word("w-i/f.i") == "wi");
    CHECK(data::fallback_word("dog") == "dog");
    // "t-shirt" finds "tshirt" (its first line); "jet-ski" has its own line after its fallback's (the
    // exact line wins); "bbq." is missing either way; two vocabulary words share the fallback "mr"
    // (both get it).
    const data::Vocab v = vocab_of({"t-shirt", "jet-ski", "bbq.", "mr.", "m-r", "dog"});
    const std::string path = write("wv_fallback.txt",
                                   "tshirt 1 1\n"
                                   "jetski 2 2\n"
                                   "mr 3 3\n"
                                   "dog 4 4\n"
                                   "tshirt 5 5\n"
                                   "jet-ski 6 6\n");
    const data::WordVectors wv = data::read_word_vectors(path, v);
    // Exact matches in file order (dog, jet-ski), then the fallbacks in id order (t-shirt, mr., m-r).
    CHECK(wv.ids == std::vector<std::int64_t>{9, 5, 4, 7, 8});
    CHECK(wv.values == std::vector<float>{4, 4, 6, 6, 1, 1, 3, 3, 3, 3});
    CHECK(wv.by_fallback == 3);
}

TEST_CASE("word vectors: a first line of two numbers is a vector when the vocabulary has the word", "[data]") {
    // "3 4" is a header only on line 1 and only when both fields are counts; "dog 3" is a 1-d vector.
    const data::WordVectors wv = data::read_word_vectors(write("wv_1d.txt", "dog 3\ncat 4\n"), vocab_of({"dog", "cat"}));
    CHECK(wv.dim == 1);
    CHECK(wv.values == std::vector<float>{3, 4});
}

TEST_CASE("word vectors: damaged files are refused with file, line and expectation", "[data][errors]") {
    const data::Vocab v = vocab_of({"dog"});
    CHECK_THROWS_WITH(data::read_word_vectors(testing::tmp_path("wv_missing.txt"), v),
                      Catch::Contains("--word_vectors: cannot open") && Catch::Contains("wv_missing.txt"));
    CHECK_THROWS_WITH(data::read_word_vectors(write("wv_ragged.txt", "cat 1 2 3\ndog 1 2\n"), v),
                      Catch::Contains("wv_ragged.txt:2: 'dog' has 2 values, but the first vector has 3"));
    CHECK_THROWS_WITH(data::read_word_vectors(write("wv_text.txt", "dog 1 x2 3\n"), v),
                      Catch::Contains("wv_text.txt:1: value 2 of 'dog' is 'x2', expected a finite number"));
    // Values of words the vocabulary does not hold are checked all the same.
    CHECK_THROWS_WITH(data::read_word_vectors(write("wv_nan.txt", "dog 1 2\ncat nan 2\n"), v),
                      Catch::Contains("wv_nan.txt:2: value 1 of 'cat' is 'nan'"));
    CHECK_THROWS_WITH(data::read_word_vectors(write("wv_huge.txt", "dog 1e999 2\n"), v),
                      Catch::Contains("value 1 of 'dog' is '1e999'"));
    CHECK_THROWS_WITH(data::read_word_vectors(write("wv_bare.txt", "dog 1 2\ncat\n"), v),
                      Catch::Contains("wv_bare.txt:2: 'cat' has no values"));
    CHECK_THROWS_WITH(data::read_word_vectors(write("wv_empty.txt", "\n\n"), v), Catch::Contains("no word vectors"));
}
