// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "base/check.h"
#include "data/labels.h"
#include "tests/testing/files.h"

using imram::data::ImageLabels;
using imram::data::read_image_labels;
using imram::testing::temp_file;
using imram::testing::write_bytes;
using Sets = std::vector<std::vector<std::int32_t>>;

TEST_CASE("labels: one line per image, ids sorted and made unique, empty line = unlabeled", "[data][labels]") {
    const std::string p = write_bytes(temp_file("labels_good.txt"), "3 1 2\n\n5\t5  1 \n0\n   \n");
    const ImageLabels l = read_image_labels(p, 5);
    CHECK(l.sets == Sets{{1, 2, 3}, {}, {1, 5}, {0}, {}});
    CHECK(l.num_images() == 5);
    CHECK(l.num_labeled() == 3);
    CHECK(l.labeled(0));
    CHECK_FALSE(l.labeled(1));
    CHECK(l.first(3).sets == Sets{{1, 2, 3}, {}, {1, 5}});
    // Leading zeros are plain decimal; the largest id allowed is read.
    const std::string q = write_bytes(temp_file("labels_zeros.txt"), "007 1000000\n");
    CHECK(read_image_labels(q, 1).sets == Sets{{7, 1000000}});
}

TEST_CASE("labels: class names are classes too, the same name on every line, apart from every numeric id",
          "[data][labels]") {
    // Tux Paint's labels are the stamps' folders ("animals"); names and numbers may mix.
    const std::string p = write_bytes(temp_file("labels_names.txt"), "animals\nvehicles 3\nanimals animals\n-1 1.5 3\n\n");
    const ImageLabels l = read_image_labels(p, 5);
    const std::int32_t animals = l.sets[0].at(0);
    CHECK(animals > imram::data::kMaxLabelId);
    CHECK(l.sets[2] == std::vector<std::int32_t>{animals});
    REQUIRE(l.sets[1].size() == 2);
    CHECK(l.sets[1][0] == 3);
    CHECK(l.sets[1][1] != animals);
    CHECK(l.sets[3].size() == 3);  // "-1" and "1.5" are names, not numbers
    CHECK(l.sets[3][0] == 3);
    CHECK_FALSE(l.labeled(4));
    CHECK(imram::data::label_distance(l.sets[0], l.sets[2]) == 0);
    CHECK(imram::data::label_distance(l.sets[0], l.sets[1]) == 3);
}

TEST_CASE("labels: CRLF line ends, a missing final newline, a final empty line", "[data][labels]") {
    const std::string crlf = write_bytes(temp_file("labels_crlf.txt"), "1 2\r\n\r\n3\r\n");
    CHECK(read_image_labels(crlf, 3).sets == Sets{{1, 2}, {}, {3}});
    const std::string no_nl = write_bytes(temp_file("labels_no_nl.txt"), "1\n2 4");
    CHECK(read_image_labels(no_nl, 2).sets == Sets{{1}, {2, 4}});
    const std::string last_empty = write_bytes(temp_file("labels_last_empty.txt"), "1\n\n");
    CHECK(read_image_labels(last_empty, 2).sets == Sets{{1}, {}});
    const std::string empty = write_bytes(temp_file("labels_empty.txt"), "");
    CHECK(read_image_labels(empty, 0).sets.empty());
    // Repeats cost nothing beyond the limit: one id 30,000 times is one label.
    std::string many;
    for (int i = 0; i < 30000; ++i) many += "7 ";
    const std::string rep = write_bytes(temp_file("labels_repeats.txt"), many + "\n");
    CHECK(read_image_labels(rep, 1).sets == Sets{{7}});
}

TEST_CASE("labels: bad files are refused naming the file, the line and what was expected", "[data][labels][errors]") {
    using Catch::Contains;
    SECTION("wrong line count") {
        const std::string p = write_bytes(temp_file("labels_count.txt"), "1\n2\n3\n");
        CHECK_THROWS_WITH(read_image_labels(p, 4), Contains(p) && Contains("3 lines") && Contains("4"));
        CHECK_THROWS_WITH(read_image_labels(p, 2), Contains(p) && Contains("3 lines") && Contains("2"));
        const std::string e = write_bytes(temp_file("labels_count_empty.txt"), "");
        CHECK_THROWS_WITH(read_image_labels(e, 1), Contains(e) && Contains("0 lines"));
    }
    SECTION("a token with control bytes is neither an id nor a name") {
        const std::string p = write_bytes(temp_file("labels_token.txt"), std::string("1 2\n3 x\x01 4\n5\n"));
        CHECK_THROWS_WITH(read_image_labels(p, 3), Contains(p + ":2:") && Contains("'x\\x01' is not a class id or a class name"));
    }
    SECTION("comments are not part of the format") {
        const std::string p = write_bytes(temp_file("labels_comment.txt"), "# coco labels\n1\n");
        CHECK_THROWS_WITH(read_image_labels(p, 1), Contains(p + ":1:") && Contains("comments are not allowed"));
    }
    SECTION("an id above the limit, however many digits") {
        const std::string p = write_bytes(temp_file("labels_big.txt"), "1\n1000001\n");
        CHECK_THROWS_WITH(read_image_labels(p, 2), Contains(p + ":2:") && Contains("above the limit of 1000000"));
        const std::string q = write_bytes(temp_file("labels_huge.txt"), "99999999999999999999999999999999\n");
        CHECK_THROWS_WITH(read_image_labels(q, 1), Contains(q + ":1:") && Contains("above the limit"));
    }
    SECTION("too many distinct ids on one line") {
        std::string line;
        for (std::int64_t i = 0; i <= static_cast<std::int64_t>(imram::data::kMaxLabelsPerImage); ++i)
            line += std::to_string(i) + " ";
        const std::string p = write_bytes(temp_file("labels_wide.txt"), "1\n" + line + "\n");
        CHECK_THROWS_WITH(read_image_labels(p, 2), Contains(p + ":2:") && Contains("distinct class ids"));
    }
    SECTION("binary junk is shown escaped") {
        const std::string junk("\x93NUMPY\x01\x00\xff\xfe\x00\x07", 12);
        const std::string p = write_bytes(temp_file("labels_junk.txt"), junk);
        CHECK_THROWS_WITH(read_image_labels(p, 1), Contains(p + ":1:") && Contains("\\x93NUMPY\\x01\\x00\\xFF"));
        // A NUL byte alone, a lone carriage return inside a line, a UTF-8 BOM.
        const std::string bom = "\xEF\xBB\xBF";
        for (const std::string& bad : {std::string("1\0002\n", 4), std::string("1\r2\n")}) {
            const std::string q = write_bytes(temp_file("labels_junk2.txt"), bad);
            CHECK_THROWS_WITH(read_image_labels(q, 1), Contains(q + ":1:") && Contains("is not a class id"));
        }
        const std::string q = write_bytes(temp_file("labels_bom.txt"), bom + "1\n");
        CHECK_THROWS_WITH(read_image_labels(q, 1), Contains(q + ":1:") && Contains("byte order mark"));
    }
    SECTION("a missing file or a directory") {
        const std::string p = temp_file("labels_missing.txt");
        CHECK_THROWS_WITH(read_image_labels(p, 1), Contains(p) && Contains("cannot open"));
        try {
            read_image_labels(p, 1);
        } catch (const imram::Error& e) {
            CHECK(e.kind == imram::ErrorKind::Missing);
        }
        const std::string d = temp_file("labels_dir.txt");
        std::filesystem::create_directories(d);
        CHECK_THROWS_WITH(read_image_labels(d, 1), Contains(d) && Contains("directory"));
    }
    SECTION("a negative expected count") {
        const std::string p = write_bytes(temp_file("labels_neg.txt"), "1\n");
        CHECK_THROWS_WITH(read_image_labels(p, -1), Contains("negative"));
    }
}

TEST_CASE("labels: make_image_labels, label_distance, find_image_labels", "[data][labels]") {
    using imram::data::label_distance;
    const ImageLabels l = imram::data::make_image_labels({{3, 1, 3}, {}, {2, 1}});
    CHECK(l.sets == Sets{{1, 3}, {}, {1, 2}});
    CHECK(label_distance(l.sets[0], l.sets[2]) == 2);  // {3} xor {2}
    CHECK(label_distance(l.sets[0], l.sets[0]) == 0);
    CHECK(label_distance(l.sets[0], l.sets[1]) == 2);
    CHECK(label_distance({1, 2, 3, 4}, {5, 6}) == 6);
    CHECK_THROWS_WITH(imram::data::make_image_labels({{1}, {-1}}), Catch::Contains("image 1") && Catch::Contains("-1"));
    CHECK_THROWS_WITH(imram::data::make_image_labels({{1000001}}), Catch::Contains("outside"));

    namespace fs = std::filesystem;
    const fs::path root = fs::path(temp_file("labels_root"));
    fs::create_directories(root / "coco_precomp");
    write_bytes((root / "coco_precomp" / "testall_labels.txt").string(), "1\n");
    const auto found = imram::data::find_image_labels(root.string(), "coco_precomp", "testall");
    REQUIRE(found.has_value());
    CHECK(*found == (root / "coco_precomp" / "testall_labels.txt").string());
    CHECK_FALSE(imram::data::find_image_labels(root.string(), "coco_precomp", "dev").has_value());
    CHECK_FALSE(imram::data::find_image_labels(root.string(), "f30k_precomp", "testall").has_value());
}
