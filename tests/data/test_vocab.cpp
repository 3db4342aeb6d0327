// SPDX-License-Identifier: MIT
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>

#include "tests/testing/files.h"
#include "data/tokenize.h"
#include "data/vocab.h"

using imram::data::build_vocab;
using imram::data::load_vocab;
using imram::data::NltkRules;
using imram::data::save_vocab;
using imram::data::Vocab;
using imram::data::word_tokenize;
using imram::testing::temp_file;
using imram::testing::write_bytes;

namespace {

// The shipped vocabularies live in shared/ beside the repository (CI: <clone>/../shared).
const std::string kVocabDir = IMRAM_TEST_DATA_DIR "/../../../shared/data/vocab";

bool have_shared_vocab() {
    return std::filesystem::is_directory(kVocabDir);
}

void check_consistent(const Vocab& v) {
    REQUIRE(static_cast<std::int64_t>(v.word2idx.size()) == v.size());
    for (std::int64_t i = 0; i < v.size(); ++i) REQUIRE(v.word2idx.at(v.idx2word[static_cast<std::size_t>(i)]) == i);
}

const char* kSmall = R"({"idx2word": {"0": "<pad>", "1": "<start>", "2": "<end>", "3": "<unk>", "4": "dog", "5": "a"},)"
                     R"( "word2idx": {"<pad>": 0, "<start>": 1, "<end>": 2, "<unk>": 3, "dog": 4, "a": 5}, "idx": 6})";

}  // namespace

TEST_CASE("vocab: the shipped f30k, coco and f8k vocabularies load with their documented sizes", "[data]") {
    if (!have_shared_vocab()) {
        WARN("shared vocabulary folder " << kVocabDir << " is absent; skipping");
        return;
    }
    const std::pair<const char*, std::int64_t> files[] = {
        {"f30k_precomp_vocab.json", 8481}, {"coco_precomp_vocab.json", 11353}, {"f8k_precomp_vocab.json", 3159}};
    for (const auto& [name, size] : files) {
        INFO(name);
        const Vocab v = load_vocab(kVocabDir + "/" + name);
        CHECK(v.size() == size);
        CHECK(v.idx2word[0] == "<pad>");
        CHECK(v.idx2word[1] == "<start>");
        CHECK(v.idx2word[2] == "<end>");
        CHECK(v.idx2word[3] == "<unk>");
        CHECK(v.id("<unk>") == Vocab::kUnk);
        CHECK(v.id("dog") > 3);
        CHECK(v.id("xqzwv-not-a-word") == Vocab::kUnk);
        check_consistent(v);
    }
}

TEST_CASE("vocab: the shipped coco vocabulary holds tokens only NLTK 3.2 makes", "[data]") {
    if (!have_shared_vocab()) {
        WARN("shared vocabulary folder " << kVocabDir << " is absent; skipping");
        return;
    }
    // Evidence for NltkRules::legacy_3_2: current NLTK splits these, so they could not be in the file.
    const Vocab coco = load_vocab(kVocabDir + "/coco_precomp_vocab.json");
    const auto legacy = word_tokenize("A dog runs back.. and a 'stop' sign.", NltkRules::legacy_3_2);
    const auto current = word_tokenize("A dog runs back.. and a 'stop' sign.", NltkRules::current);
    CHECK(coco.id("back..") != Vocab::kUnk);
    CHECK(coco.id("'stop") != Vocab::kUnk);
    CHECK(std::count(legacy.begin(), legacy.end(), "back..") == 1);
    CHECK(std::count(legacy.begin(), legacy.end(), "'stop") == 1);
    CHECK(std::count(current.begin(), current.end(), "back..") == 0);
    CHECK(std::count(current.begin(), current.end(), "'stop") == 0);
}

TEST_CASE("vocab: save_vocab writes the official layout and loads back identically", "[data]") {
    const std::string p = write_bytes(temp_file("small_vocab.json"), kSmall);
    const Vocab v = load_vocab(p);
    CHECK(v.size() == 6);
    CHECK(v.id("dog") == 4);
    CHECK(v.id("cat") == Vocab::kUnk);

    const std::string q = temp_file("small_vocab_saved.json");
    save_vocab(q, v);
    const std::string text = imram::testing::read_bytes(q);
    CHECK(text.find(R"({"idx2word":{"0":"<pad>","1":"<start>")") == 0);
    CHECK(text.find(R"("word2idx":{"<pad>":0,)") != std::string::npos);
    CHECK(text.find(R"("idx":6})") != std::string::npos);
    const Vocab w = load_vocab(q);
    CHECK(w.idx2word == v.idx2word);
    CHECK(w.word2idx == v.word2idx);

    if (have_shared_vocab()) {
        const Vocab f30k = load_vocab(kVocabDir + "/f30k_precomp_vocab.json");
        const std::string r = temp_file("f30k_resaved.json");
        save_vocab(r, f30k);
        const Vocab again = load_vocab(r);
        CHECK(again.idx2word == f30k.idx2word);
        CHECK(again.word2idx == f30k.word2idx);
    }
}

TEST_CASE("vocab: build_vocab keeps words seen threshold times, specials first, then first appearance", "[data]") {
    const std::string a =
        write_bytes(temp_file("bv_train.txt"), "A dog runs.\nThe dog sleeps.\nA cat runs!\nA dog and a cat.\n");
    const std::string b = write_bytes(temp_file("bv_dev.txt"), "The cat can't run.\n");
    // counts over both files: a 4, dog 3, runs 2, . 4, the 2, sleeps 1, cat 3, ! 1, and 1, ca 1, n't 1, run 1
    const Vocab v3 = build_vocab({a, b}, 3);
    CHECK(v3.idx2word == std::vector<std::string>{"<pad>", "<start>", "<end>", "<unk>", "a", "dog", ".", "cat"});
    check_consistent(v3);
    const Vocab v2 = build_vocab({a, b}, 2);
    CHECK(v2.idx2word ==
          std::vector<std::string>{"<pad>", "<start>", "<end>", "<unk>", "a", "dog", "runs", ".", "the", "cat"});
    const Vocab v1 = build_vocab({a, b}, 1);
    CHECK(v1.size() == 4 + 12);
    CHECK(v1.id("n't") != Vocab::kUnk);
    CHECK(v1.id("ca") != Vocab::kUnk);
    const Vocab v5 = build_vocab({a, b}, 5);
    CHECK(v5.size() == 4);
}

TEST_CASE("vocab: malformed vocabulary files are rejected naming the file and field", "[data][errors]") {
    using Catch::Contains;
    auto load = [](const std::string& name, const std::string& json) {
        return load_vocab(write_bytes(temp_file(name), json));
    };
    const std::string p = temp_file("v_missing_unk.json");
    write_bytes(p, R"({"idx2word": {"0": "<pad>", "1": "<start>", "2": "<end>", "3": "dog"},)"
                   R"( "word2idx": {"<pad>": 0, "<start>": 1, "<end>": 2, "dog": 3}, "idx": 4})");
    CHECK_THROWS_WITH(load_vocab(p), Contains(p) && Contains("special token <unk> is missing"));

    CHECK_THROWS_WITH(
        load("v_swapped.json", R"({"idx2word": {"0": "<pad>", "1": "<end>", "2": "<start>", "3": "<unk>"},)"
                               R"( "word2idx": {"<pad>": 0, "<end>": 1, "<start>": 2, "<unk>": 3}, "idx": 4})"),
        Contains("special token <start> has id 2, expected 1"));
    CHECK_THROWS_WITH(
        load("v_idx.json", std::string(kSmall).replace(std::string(kSmall).find("\"idx\": 6"), 8, "\"idx\": 7")),
        Contains("field 'idx' is 7 but 'word2idx' has 6 entries"));
    CHECK_THROWS_WITH(
        load("v_disagree.json",
             R"({"idx2word": {"0": "<pad>", "1": "<start>", "2": "<end>", "3": "<unk>", "4": "dog", "5": "a"},)"
             R"( "word2idx": {"<pad>": 0, "<start>": 1, "<end>": 2, "<unk>": 3, "dog": 5, "a": 4}, "idx": 6})"),
        Contains("fields disagree") && Contains("maps \"a\" to 4"));
    CHECK_THROWS_WITH(
        load("v_dupword.json",
             R"({"idx2word": {"0": "<pad>", "1": "<start>", "2": "<end>", "3": "<unk>", "4": "dog", "5": "dog"},)"
             R"( "word2idx": {"<pad>": 0, "<start>": 1, "<end>": 2, "<unk>": 3, "dog": 4, "cat": 5}, "idx": 6})"),
        Contains("fields disagree"));
    CHECK_THROWS_WITH(
        load("v_key.json", std::string(kSmall).replace(std::string(kSmall).find("\"5\": \"a\""), 3, "\"05\"")),
        Contains("field 'idx2word': key \"05\""));
    CHECK_THROWS_WITH(load("v_nofield.json", R"({"idx2word": {}, "idx": 0})"), Contains("field 'word2idx' is missing"));
    CHECK_THROWS_WITH(load("v_notjson.json", "{\"idx2word\": "),
                      Contains("v_notjson.json") && Contains("not valid JSON"));
    CHECK_THROWS_WITH(load("v_array.json", "[1, 2]"), Contains("expected a JSON object"));
    CHECK_THROWS_WITH(load("v_idx_type.json",
                           std::string(kSmall).replace(std::string(kSmall).find("\"idx\": 6"), 8, "\"idx\": \"6\"")),
                      Contains("field 'idx' must be an integer"));
    CHECK_THROWS_WITH(load_vocab(temp_file("v_absent.json")), Contains("v_absent.json") && Contains("cannot open"));
}
