// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>
#include <filesystem>

#include "tests/testing/files.h"
#include "io/npy.h"
#include "data/precomp.h"

using namespace imram;
using imram::data::load_precomp;
using imram::io::save_npy;
using imram::testing::temp_dir;
using imram::testing::write_bytes;

namespace {

// {root}/{name}/ with n_img images of (regions, feats) and the given captions, features saved as `feat_file`.
std::string make_split(const std::string& name, const std::string& feat_file, std::int64_t n_img, std::int64_t n_caps,
                       std::int64_t regions = 3, std::int64_t feats = 4) {
    const auto dir = temp_dir() / "precomp" / name;
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    std::vector<float> v(static_cast<std::size_t>(n_img * regions * feats));
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i) * 0.5f;
    save_npy((dir / feat_file).string(), from_vector<float>(v, {n_img, regions, feats}));
    std::string caps;
    for (std::int64_t c = 0; c < n_caps; ++c) caps += "caption number " + std::to_string(c) + "\n";
    write_bytes((dir / "test_caps.txt").string(), caps);
    return (temp_dir() / "precomp").string();
}

}  // namespace

TEST_CASE("precomp: SCAN's {split}_ims.npy with five captions per image", "[data]") {
    const std::string root = make_split("scan_precomp", "test_ims.npy", 4, 20);
    const auto s = load_precomp(root, "scan_precomp", "test");
    CHECK(s.images.shape() == Shape{4, 3, 4});
    CHECK(s.images.dtype() == DType::F32);
    CHECK(s.images.at(13) == 6.5);
    CHECK(s.num_images() == 4);
    CHECK(s.num_captions() == 20);
    CHECK(s.im_div == 5);
    CHECK(s.captions[7] == "caption number 7");
    CHECK(s.image_of(0) == 0);
    CHECK(s.image_of(4) == 0);
    CHECK(s.image_of(5) == 1);
    CHECK(s.image_of(19) == 3);
    CHECK_THROWS_WITH(s.image_of(20), Catch::Contains("out of range"));
    CHECK_THROWS_WITH(s.image_of(-1), Catch::Contains("out of range"));
}

TEST_CASE("precomp: IMRAM's {split}_feat.npy with one caption per image", "[data]") {
    const std::string root = make_split("imram_precomp", "test_feat.npy", 3, 3, 2, 5);
    const auto s = load_precomp(root, "imram_precomp", "test");
    CHECK(s.images.shape() == Shape{3, 2, 5});
    CHECK(s.im_div == 1);
    CHECK(s.image_of(2) == 2);
}

TEST_CASE("precomp: {split}_ims.npy wins when both names exist", "[data]") {
    const std::string root = make_split("both_precomp", "test_ims.npy", 2, 10);
    const auto dir = std::filesystem::path(root) / "both_precomp";
    save_npy((dir / "test_feat.npy").string(), zeros({5, 3, 4}));
    CHECK(load_precomp(root, "both_precomp", "test").num_images() == 2);
}

TEST_CASE("precomp: missing features, wrong rank and mismatched counts are errors naming the files", "[data][errors]") {
    using Catch::Contains;
    SECTION("no features under either name") {
        const std::string root = make_split("nofeat_precomp", "test_ims.npy", 2, 10);
        CHECK_THROWS_WITH(load_precomp(root, "nofeat_precomp", "dev"),
                          Contains("dev_ims.npy") && Contains("dev_feat.npy") && Contains("neither"));
    }
    SECTION("caption count neither 5x nor 1x the image count") {
        const std::string root = make_split("mismatch_precomp", "test_ims.npy", 4, 19);
        CHECK_THROWS_WITH(load_precomp(root, "mismatch_precomp", "test"),
                          Contains("test_caps.txt has 19 captions") && Contains("test_ims.npy has 4 images"));
    }
    SECTION("features that are not 3-d") {
        const std::string root = make_split("rank_precomp", "test_ims.npy", 2, 10);
        save_npy((std::filesystem::path(root) / "rank_precomp" / "test_ims.npy").string(), zeros({2, 12}));
        CHECK_THROWS_WITH(load_precomp(root, "rank_precomp", "test"),
                          Contains("test_ims.npy") && Contains("must be 3-d") && Contains("[2, 12]"));
    }
    SECTION("missing captions") {
        const std::string root = make_split("nocaps_precomp", "test_ims.npy", 2, 10);
        std::filesystem::remove(std::filesystem::path(root) / "nocaps_precomp" / "test_caps.txt");
        CHECK_THROWS_WITH(load_precomp(root, "nocaps_precomp", "test"),
                          Contains("test_caps.txt") && Contains("cannot open"));
    }
}
