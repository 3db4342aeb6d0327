// SPDX-License-Identifier: MIT
// The emulated CUB primitives: stable descending segmented sort (top-k) and segmented sums.
#include <catch2/catch.hpp>

#include "core/ops.h"
#include "kernels/cuda/primitives.h"

using namespace imram;

TEST_CASE("emulated cub: segmented descending sort is stable and leaves gaps alone", "[gpu]") {
    const Device emu = Device::cuda_emulated();
    // Segments [0,4) and [5,8); item 4 belongs to none.
    const std::vector<float> keys = {0.5f, 2.0f, 0.5f, -1.0f, 9.0f, 3.0f, 3.0f, 7.0f};
    const std::vector<std::int32_t> vals = {0, 1, 2, 3, 4, 5, 6, 7};
    Tensor k = from_vector(keys, {8}, emu), v = from_vector(vals, {8}, emu);
    Tensor ko = full({8}, -5.0, DType::F32, emu), vo = full({8}, -5.0, DType::I32, emu);
    Tensor b = from_vector(std::vector<std::int32_t>{0, 5}, {2}, emu), e = from_vector(std::vector<std::int32_t>{4, 8}, {2}, emu);
    cuda_emu::prim::segmented_sort_desc(k.data<float>(), ko.data<float>(), v.data<std::int32_t>(),
                                        vo.data<std::int32_t>(), 8, 2, b.data<std::int32_t>(), e.data<std::int32_t>());
    CHECK(ko.to_vector<float>() == std::vector<float>{2.0f, 0.5f, 0.5f, -1.0f, -5.0f, 7.0f, 3.0f, 3.0f});
    CHECK(vo.to_vector<std::int32_t>() == std::vector<std::int32_t>{1, 0, 2, 3, -5, 7, 5, 6});
}

TEST_CASE("emulated cub: segmented sums, empty segments give 0; host pointers are refused", "[gpu]") {
    const Device emu = Device::cuda_emulated();
    Tensor x = from_vector(std::vector<float>{1, 2, 3, 4, 5}, {5}, emu);
    Tensor out = full({3}, 7.0, DType::F32, emu);
    Tensor b = from_vector(std::vector<std::int32_t>{0, 2, 2}, {3}, emu), e = from_vector(std::vector<std::int32_t>{2, 2, 5}, {3}, emu);
    cuda_emu::prim::segmented_sum(x.data<float>(), out.data<float>(), 3, b.data<std::int32_t>(), e.data<std::int32_t>());
    CHECK(out.to_vector<float>() == std::vector<float>{3, 0, 12});
    std::vector<float> host_out(3);
    CHECK_THROWS_WITH(cuda_emu::prim::segmented_sum(x.data<float>(), host_out.data(), 3, b.data<std::int32_t>(),
                                                    e.data<std::int32_t>()),
                      Catch::Contains("out is not device memory"));
}

TEST_CASE("top_k_indices on cuda_emulated: descending, ties to the lower position, k clamped", "[gpu]") {
    const std::vector<float> keys = {1, 5, 3, 5, -2, 3, 9};
    const Tensor k = from_vector(keys, {7}, Device::cuda_emulated());
    CHECK(gpu::top_k_indices(k.device(), k.data<float>(), 7, 4) == std::vector<std::int32_t>{6, 1, 3, 2});
    CHECK(gpu::top_k_indices(k.device(), k.data<float>(), 7, 20).size() == 7);
    CHECK(gpu::top_k_indices(k.device(), k.data<float>(), 7, 0).empty());
    CHECK_THROWS_WITH(gpu::top_k_indices(Device::cpu(), keys.data(), 7, 2), Catch::Contains("expected a CUDA device"));
}
