// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>
#include <filesystem>

#include "base/file_io.h"
#include "core/ops.h"
#include "nn/layers.h"
#include "nn/safetensors.h"
#include "tests/testing/compare.h"
#include "tests/testing/temp.h"

using namespace imram;
using namespace imram::nn;
using Catch::Contains;
using imram::testing::tmp_path;

namespace {
TensorFile sample() {
    TensorFile f;
    f.tensors.emplace_back("b.weight", randn({3, 4}, 1));
    f.tensors.emplace_back("a.bias", randn({2}, 2, 0, DType::F64));
    f.tensors.emplace_back("ids", from_vector<std::int64_t>({1, -2, 3}, {3}));
    f.tensors.emplace_back("n", from_vector<std::int32_t>({7}, {1}));
    f.tensors.emplace_back("mask", from_vector<std::uint8_t>({1, 0}, {2}));
    f.tensors.emplace_back("scalar", full({}, 2.5));
    f.metadata["model_mode"] = "full_IMRAM";
    return f;
}
}  // namespace

TEST_CASE("safetensors: round trip keeps names, order, dtypes, shapes, values and metadata", "[nn]") {
    const std::string p = tmp_path("rt.safetensors");
    const TensorFile f = sample();
    save_safetensors(p, f);
    const TensorFile g = load_safetensors(p);
    REQUIRE(g.tensors.size() == f.tensors.size());
    for (std::size_t i = 0; i < f.tensors.size(); ++i) {
        CHECK(g.tensors[i].first == f.tensors[i].first);
        CHECK(g.tensors[i].second.dtype() == f.tensors[i].second.dtype());
        CHECK(g.tensors[i].second.shape() == f.tensors[i].second.shape());
        CHECK(testing::diff(g.tensors[i].second, f.tensors[i].second).max_abs == 0);
    }
    CHECK(g.metadata.at("model_mode") == "full_IMRAM");
    // The data section is 8-byte aligned and the header length is little-endian.
    const std::string bytes = read_file(p);
    std::uint64_t n = 0;
    for (int i = 0; i < 8; ++i) n |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes[i])) << (8 * i);
    CHECK((8 + n) % 8 == 0);
    CHECK(bytes[8] == '{');
}

TEST_CASE("safetensors: corrupt and truncated files give errors naming the file and the field", "[nn][errors]") {
    const std::string good = encode_safetensors(sample());
    auto with_header = [](const std::string& h, const std::string& data) {
        std::string s(8, '\0');
        for (int i = 0; i < 8; ++i) s[i] = static_cast<char>((h.size() >> (8 * i)) & 0xff);
        return s + h + data;
    };
    CHECK_THROWS_WITH(decode_safetensors("abc", "x.st"), Contains("x.st") && Contains("shorter"));
    CHECK_THROWS_WITH(decode_safetensors(good.substr(0, 40), "x.st"), Contains("x.st") && Contains("header length"));
    CHECK_THROWS_WITH(decode_safetensors(good.substr(0, good.size() - 3), "x.st"),
                      Contains("x.st") && Contains("truncated"));
    CHECK_THROWS_WITH(decode_safetensors(with_header("{nope", ""), "x.st"), Contains("x.st") && Contains("JSON"));
    CHECK_THROWS_WITH(
        decode_safetensors(with_header(R"({"w":{"dtype":"F16","shape":[1],"data_offsets":[0,2]}})", "xx"), "x.st"),
        Contains("'w'") && Contains("dtype"));
    CHECK_THROWS_WITH(
        decode_safetensors(with_header(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}})", "xxxx"), "x.st"),
        Contains("'w'") && Contains("needs 8 bytes"));
    CHECK_THROWS_WITH(
        decode_safetensors(with_header(R"({"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", "xxxx"), "x.st"),
        Contains("'w'") && Contains("shape"));
    CHECK_THROWS_WITH(decode_safetensors(with_header(R"({"w":{"dtype":"F32","shape":[1]}})", "xxxx"), "x.st"),
                      Contains("'w'") && Contains("data_offsets"));
    CHECK_THROWS_WITH(
        decode_safetensors(
            with_header(
                R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[2,6]}})",
                "xxxxxx"),
            "x.st"),
        Contains("overlap"));
    CHECK_THROWS_WITH(decode_safetensors(with_header(R"({"__metadata__":{"k":3}})", ""), "x.st"),
                      Contains("__metadata__.k"));
    CHECK_THROWS_WITH(load_safetensors(tmp_path("does_not_exist.safetensors")),
                      Contains("does_not_exist") && Contains("cannot open"));
    // Found by fuzz_safetensors: 2^32 x 2^32 elements wrapped to 0 in 64 bits and matched empty offsets.
    CHECK_THROWS_WITH(
        decode_safetensors(with_header(R"({"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}})", ""),
                           "x.st"),
        Contains("x.st") && Contains("'w'") && Contains("too many elements"));
    // A zero dimension makes the tensor empty, but the other dimensions must still fit the strides.
    CHECK_THROWS_WITH(
        decode_safetensors(
            with_header(R"({"w":{"dtype":"I64","shape":[0,4611686018427387904,4],"data_offsets":[0,0]}})", ""), "x.st"),
        Contains("too many elements"));
    const TensorFile empty_ok =
        decode_safetensors(with_header(R"({"w":{"dtype":"F32","shape":[0,1000000],"data_offsets":[0,0]}})", ""), "x.st");
    CHECK(empty_ok.tensors.at(0).second.shape() == Shape{0, 1000000});
}

TEST_CASE("safetensors: writes are atomic and leave no temporary file", "[nn]") {
    const std::string p = tmp_path("atomic.safetensors");
    save_safetensors(p, sample());
    TensorFile second;
    second.tensors.emplace_back("only", ones({2}));
    save_safetensors(p, second);
    CHECK(load_safetensors(p).tensors.size() == 1);
    for (const auto& e : std::filesystem::directory_iterator(std::filesystem::path(p).parent_path()))
        CHECK(e.path().filename().string().find(".tmp.") == std::string::npos);
    CHECK_THROWS_WITH(save_safetensors("/nonexistent-dir/x.safetensors", second),
                      Contains("/nonexistent-dir/x.safetensors"));
}

TEST_CASE("state dict: load by name, accept the module. prefix, reject mismatches", "[nn]") {
    Philox r1(1), r2(2);
    Linear a(3, 2, true, r1), b(3, 2, true, r2);
    TensorFile s = state_dict(a);
    for (auto& entry : s.tensors) entry.first.insert(0, "module.");
    load_state_dict(b, s);
    CHECK(testing::diff(a.weight, b.weight).max_abs == 0);
    CHECK(testing::diff(a.bias, b.bias).max_abs == 0);

    TensorFile missing;
    missing.tensors.emplace_back("weight", zeros({2, 3}));
    CHECK_THROWS_WITH(load_state_dict(b, missing, true, "ck.safetensors"),
                      Contains("ck.safetensors") && Contains("missing parameter 'bias'"));
    load_state_dict(b, missing, /*strict=*/false);
    CHECK(b.weight.at(0) == 0);
    TensorFile extra = state_dict(a);
    extra.tensors.emplace_back("other", zeros({1}));
    CHECK_THROWS_WITH(load_state_dict(b, extra), Contains("unexpected tensor 'other'"));
    TensorFile wrong;
    wrong.tensors.emplace_back("weight", zeros({3, 2}));
    wrong.tensors.emplace_back("bias", zeros({2}));
    CHECK_THROWS_WITH(load_state_dict(b, wrong), Contains("'weight'") && Contains("[3, 2]") && Contains("[2, 3]"));
}
