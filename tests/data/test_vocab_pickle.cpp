// SPDX-License-Identifier: MIT
// Pickled vocabularies (vocab.py's vocab.Vocabulary, as the VSE++ lineage ships them; fixtures from
// tools/make_vocab_pickles.py): the Python 2 layout of the official files and Python 3's protocols 1,
// 2 and 4 give the same vocabulary, ids as in the pickle; anything else is refused with a clear error.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "base/check.h"
#include "data/vocab.h"
#include "io/pth/pickle.h"

using namespace imram;

namespace {
const std::string kDir = std::string(IMRAM_TEST_DATA_DIR) + "/vocab_pkl/";
}

TEST_CASE("vocabulary pickles: every layout gives the expected vocabulary", "[data]") {
    const data::Vocab want = data::load_vocab(kDir + "expected.json");
    REQUIRE(want.size() == 10);
    for (const char* name : {"py2_proto2.pkl", "py3_proto2.pkl", "proto1.pkl", "proto4.pkl"}) {
        DYNAMIC_SECTION(name) {
            const data::Vocab v = data::load_vocab_pickle(kDir + name);
            CHECK(v.idx2word == want.idx2word);
            CHECK(v.word2idx == want.word2idx);
            // Ids follow the pickle, not first appearance; a Latin-1 byte string reads as UTF-8 text.
            CHECK(v.id("zebra") == 7);
            CHECK(v.id("caf\xc3\xa9") == 5);
            CHECK(v.id("na\xc3\xafve") == 9);
        }
    }
}

TEST_CASE("vocabulary pickles: hostile or broken files are refused", "[data][errors]") {
    CHECK_THROWS_WITH(data::load_vocab_pickle(kDir + "evil.pkl"),
                      Catch::Contains("evil.pkl") && Catch::Contains("'posix.system'") &&
                          Catch::Contains("only vocab.Vocabulary is read"));
    CHECK_THROWS_WITH(data::load_vocab_pickle(kDir + "bad_idx.pkl"),
                      Catch::Contains("bad_idx.pkl: field 'idx' is 11 but 'word2idx' has 10 entries"));
    CHECK_THROWS_WITH(data::load_vocab_pickle(kDir + "proto0.pkl"),
                      Catch::Contains("proto0.pkl") && Catch::Contains("only the binary protocols 1 to 5"));
    CHECK_THROWS_WITH(data::load_vocab_pickle(kDir + "expected.json"), Catch::Contains("expected.json"));
    CHECK_THROWS_WITH(data::load_vocab_pickle(kDir + "missing.pkl"), Catch::Contains("missing.pkl"));
}

TEST_CASE("vocabulary pickles: a checkpoint's allow-list does not take vocab.Vocabulary", "[data][errors]") {
    // The two readers keep separate allow-lists: the class is read only where a vocabulary is expected.
    const auto& ckpt = pth::Unpickler::allowed_globals();
    CHECK(std::find(ckpt.begin(), ckpt.end(), "vocab.Vocabulary") == ckpt.end());
    CHECK(std::find(ckpt.begin(), ckpt.end(), "copy_reg._reconstructor") == ckpt.end());
}
