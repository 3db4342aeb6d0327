// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>

#include "tests/testing/files.h"
#include "data/captions.h"

using imram::data::read_captions;
using imram::testing::temp_file;
using imram::testing::write_bytes;
using Strings = std::vector<std::string>;

TEST_CASE("captions: one per line, final newline optional, UTF-8 kept verbatim", "[data]") {
    const std::string a = write_bytes(temp_file("caps_a.txt"),
                                      "A dog runs.\nTwo cats sleep .\nUn caf\xc3\xa9 \xe2\x80\x9c"
                                      "bon\xe2\x80\x9d\n");
    CHECK(read_captions(a) == Strings{"A dog runs.", "Two cats sleep .",
                                      "Un caf\xc3\xa9 \xe2\x80\x9c"
                                      "bon\xe2\x80\x9d"});
    const std::string b = write_bytes(temp_file("caps_b.txt"), "first\nsecond");
    CHECK(read_captions(b) == Strings{"first", "second"});
    const std::string c = write_bytes(temp_file("caps_c.txt"), "first\n\nthird\n");
    CHECK(read_captions(c) == Strings{"first", "", "third"});
}

TEST_CASE("captions: CRLF line ends lose their \\r, other carriage returns stay", "[data]") {
    const std::string p = write_bytes(temp_file("caps_crlf.txt"), "a dog\r\na cat\r\nin\rside\r\nlast\r");
    CHECK(read_captions(p) == Strings{"a dog", "a cat", "in\rside", "last"});
}

TEST_CASE("captions: invalid UTF-8, empty and missing files are errors naming the file", "[data][errors]") {
    using Catch::Contains;
    SECTION("a stray continuation byte on line 3") {
        const std::string p = write_bytes(temp_file("caps_bad.txt"), "ok\nfine \xc3\xa9\nbad \x80 byte\nok\n");
        CHECK_THROWS_WITH(read_captions(p), Contains(p + ":3:") && Contains("invalid UTF-8 at byte 5 of line 3"));
    }
    SECTION("overlong encoding, surrogate, truncated sequence") {
        const std::string p1 = write_bytes(temp_file("caps_overlong.txt"), "\xc0\xaf\n");
        CHECK_THROWS_WITH(read_captions(p1), Contains(p1 + ":1:"));
        const std::string p2 = write_bytes(temp_file("caps_surrogate.txt"), "a\nb\xed\xa0\x80\n");
        CHECK_THROWS_WITH(read_captions(p2), Contains(p2 + ":2:") && Contains("byte 2"));
        const std::string p3 = write_bytes(temp_file("caps_cut.txt"), "a\nb\nc\xe2\x80");
        CHECK_THROWS_WITH(read_captions(p3), Contains(p3 + ":3:"));
    }
    SECTION("empty file") {
        const std::string p = write_bytes(temp_file("caps_empty.txt"), "");
        CHECK_THROWS_WITH(read_captions(p), Contains(p) && Contains("empty"));
    }
    SECTION("missing file") {
        const std::string p = temp_file("caps_missing.txt");
        CHECK_THROWS_WITH(read_captions(p), Contains(p) && Contains("cannot open"));
    }
}
