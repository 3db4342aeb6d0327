// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>
#include <cstdint>

#include "core/ops.h"
#include "core/rng.h"

using namespace imram;

TEST_CASE("tensor: shape, strides, dtype, alignment", "[core]") {
    Tensor t = zeros({2, 3, 4});
    CHECK(t.dim() == 3);
    CHECK(t.numel() == 24);
    CHECK(t.strides() == Shape{12, 4, 1});
    CHECK(t.dtype() == DType::F32);
    CHECK(t.device() == Device::cpu());
    CHECK(t.is_contiguous());
    CHECK(t.size(-1) == 4);
    CHECK(reinterpret_cast<std::uintptr_t>(t.raw_data()) % 64 == 0);
    for (DType d : {DType::F32, DType::F64, DType::I32, DType::I64, DType::Bool}) {
        Tensor u = full({3}, 1, d);
        CHECK(u.dtype() == d);
        CHECK(u.nbytes() == 3 * dtype_size(d));
        CHECK(u.at(2) == 1.0);
    }
}

TEST_CASE("tensor: dtype and device conversion round trips", "[core]") {
    Tensor a = from_vector<double>({1.5, -2.25, 3}, {3}, Device::ref());
    Tensor b = a.to(DType::F32).to(Device::cpu());
    CHECK(b.dtype() == DType::F32);
    CHECK(b.device() == Device::cpu());
    CHECK(b.to_vector<double>() == std::vector<double>{1.5, -2.25, 3});
    CHECK(a.to(DType::I64).to_vector<std::int64_t>() == std::vector<std::int64_t>{1, -2, 3});
    CHECK(arange(4).to_vector<std::int64_t>() == std::vector<std::int64_t>{0, 1, 2, 3});
}

TEST_CASE("tensor: data<T>() checks the dtype", "[core][errors]") {
    Tensor t = zeros({2}, DType::F64);
    CHECK_THROWS_AS(t.data<float>(), Error);
    CHECK_THROWS_WITH(t.data<float>(), Catch::Contains("f64[2]"));
    CHECK_THROWS_AS(Tensor().shape(), Error);
}

TEST_CASE("rng: Philox4x32-10 known-answer vectors", "[core][rng]") {
    // Known-answer tests published with the Random123 library (Salmon et al., SC'11).
    CHECK(philox4x32_10({0, 0, 0, 0}, {0, 0}) ==
          std::array<std::uint32_t, 4>{0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u});
    CHECK(philox4x32_10({0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu}, {0xffffffffu, 0xffffffffu}) ==
          std::array<std::uint32_t, 4>{0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu});
    CHECK(philox4x32_10({0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u}, {0xa4093822u, 0x299f31d0u}) ==
          std::array<std::uint32_t, 4>{0xd16cfe09u, 0x94fdcceb, 0x5001e420u, 0x24126ea1u});
}

TEST_CASE("rng: draws are reproducible from (seed, offset) and well distributed", "[core][rng]") {
    Tensor a = randn({1000}, 42, 0, DType::F64);
    Tensor b = randn({1000}, 42, 0, DType::F64);
    Tensor c = randn({10}, 42, 990, DType::F64);  // offset addresses the tail of the same stream
    CHECK(a.to_vector<double>() == b.to_vector<double>());
    for (int i = 0; i < 10; ++i) CHECK(c.at(i) == a.at(990 + i));
    CHECK(randn({4}, 43).to_vector<float>() != randn({4}, 42).to_vector<float>());
    const double m = mean(a).item<double>();
    const double var = mean(mul(a, a)).item<double>() - m * m;
    CHECK(std::abs(m) < 0.1);
    CHECK(var == Approx(1.0).margin(0.12));
    Tensor u = rand({1000}, 7, 0, -2, 3, DType::F64);
    CHECK(max(u, 0).values.item<double>() < 3);
    CHECK(neg(max(neg(u), 0).values).item<double>() >= -2);
    CHECK(mean(u).item<double>() == Approx(0.5).margin(0.15));
    Philox p(5);
    for (int i = 0; i < 100; ++i) CHECK(p.below(7) < 7);
    CHECK(p.offset() == 100);
}

TEST_CASE("Tensor::copy_ and zero_: in place, any device to any device, with dtype conversion", "[core]") {
    const Tensor src = from_vector(std::vector<double>{1.5, -2.0, 3.25, 4.0, 5.5, -6.0}, {2, 3});
    for (Device dev : {Device::cpu(), Device::cuda_emulated()}) {
        INFO(dev);
        const Tensor dst = zeros({2, 3}, DType::F32, dev);
        const void* where = dst.raw_data();
        CHECK(&dst.copy_(src) == &dst);
        CHECK(dst.raw_data() == where);  // the same memory, overwritten
        CHECK(dst.device() == dev);
        CHECK(dst.to(Device::cpu()).to_vector<float>() == std::vector<float>{1.5f, -2.0f, 3.25f, 4.0f, 5.5f, -6.0f});
        // Back from the device into a host tensor of another dtype.
        const Tensor back = zeros({2, 3}, DType::F64, Device::cpu());
        back.copy_(dst);
        CHECK(back.to_vector<double>() == src.to_vector<double>());
        dst.zero_();
        CHECK(dst.to(Device::cpu()).to_vector<float>() == std::vector<float>(6, 0.0f));
        CHECK_THROWS_WITH(dst.copy_(zeros({3, 2}, DType::F32, dev)), Catch::Contains("copy_: shape"));
        CHECK_THROWS_WITH(transpose(zeros({3, 2}), 0, 1).copy_(src), Catch::Contains("must be contiguous"));
    }
}
