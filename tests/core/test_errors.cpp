// SPDX-License-Identifier: MIT
// Wrong shapes, dtypes and devices produce imram::Error naming the op and the shapes.
#include <catch2/catch.hpp>

#include "core/ops.h"

using namespace imram;
using Catch::Contains;

TEST_CASE("errors: shape mismatches name the op and the shapes", "[errors]") {
    Tensor a = zeros({2, 3}), b = zeros({4, 5});
    CHECK_THROWS_AS(add(a, b), Error);
    CHECK_THROWS_WITH(add(a, b), Contains("add") && Contains("[2, 3]") && Contains("[4, 5]"));
    CHECK_THROWS_WITH(matmul(a, b), Contains("matmul") && Contains("[2, 3]") && Contains("[4, 5]"));
    CHECK_THROWS_WITH(bmm(zeros({2, 3, 4}), zeros({3, 4, 5})), Contains("bmm") && Contains("[2, 3, 4]"));
    CHECK_THROWS_WITH(linear(zeros({2, 3}), zeros({4, 5})), Contains("linear") && Contains("[4, 5]"));
    CHECK_THROWS_WITH(linear(zeros({2, 3}), zeros({4, 3}), zeros({5})), Contains("bias") && Contains("[5]"));
    CHECK_THROWS_WITH(reshape(a, {4, 2}), Contains("reshape") && Contains("[4, 2]"));
    CHECK_THROWS_WITH(cat({a, zeros({2, 3, 1})}, 0), Contains("cat"));
    CHECK_THROWS_WITH(cat({a, b}, 0), Contains("cat") && Contains("[4, 5]"));
    CHECK_THROWS_WITH(stack({a, b}, 0), Contains("stack"));
    CHECK_THROWS_WITH(cosine_similarity(a, b), Contains("cosine_similarity") && Contains("[2, 3]"));
    CHECK_THROWS_WITH(gather(a, 1, zeros({3, 3}, DType::I64)), Contains("gather"));
    CHECK_THROWS_WITH(expand(a, {3, 3}), Contains("expand") && Contains("[2, 3]"));
    CHECK_THROWS_WITH(softmax(a, 1, zeros({3, 3}, DType::Bool)), Contains("softmax") && Contains("[3, 3]"));
}

TEST_CASE("errors: dims, ranges and indices", "[errors]") {
    Tensor a = zeros({2, 3});
    CHECK_THROWS_WITH(sum(a, {2}), Contains("sum") && Contains("dim 2"));
    CHECK_THROWS_WITH(transpose(a, 0, 5), Contains("transpose"));
    CHECK_THROWS_WITH(slice(a, 1, 2, 1), Contains("slice"));
    CHECK_THROWS_WITH(index_select(a, 0, from_vector<std::int64_t>({0, 2}, {2})),
                      Contains("index_select") && Contains("index 2"));
    CHECK_THROWS_WITH(embedding(zeros({4, 2}), from_vector<std::int64_t>({-1}, {1})),
                      Contains("embedding") && Contains("-1"));
    CHECK_THROWS_WITH(clamp(a, 1, 0), Contains("clamp"));
    CHECK_THROWS_WITH(max(zeros({0}), 0), Contains("max") && Contains("empty"));
}

TEST_CASE("errors: dtypes and devices", "[errors]") {
    Tensor f = zeros({2}), d = zeros({2}, DType::F64), i = zeros({2}, DType::I64);
    CHECK_THROWS_WITH(add(f, d), Contains("add") && Contains("f32[2]") && Contains("f64[2]"));
    CHECK_THROWS_WITH(exp(i), Contains("exp") && Contains("i64"));
    CHECK_THROWS_WITH(where(f, f, f), Contains("where") && Contains("bool"));
    CHECK_THROWS_WITH(index_select(f, 0, f), Contains("index_select") && Contains("i32 or i64"));
    CHECK_THROWS_WITH(add(f, zeros({2}, DType::F32, Device::ref())), Contains("one device") && Contains("ref"));
    CHECK_THROWS_WITH(zeros({2}, DType::F32, Device::cuda(0)), Contains("cuda"));
}

TEST_CASE("errors: messages carry file and line", "[errors]") {
    try {
        add(zeros({2}), zeros({3}));
        FAIL("no throw");
    } catch (const Error& e) {
        const std::string w = e.what();
        CHECK_THAT(w, Contains("core/") && Contains(".cpp:"));
    }
}
