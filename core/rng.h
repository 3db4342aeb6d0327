// SPDX-License-Identifier: MIT
// Counter-based random numbers (Philox4x32-10, Salmon et al. 2011). A draw is a pure function of
// (seed, counter), so CPU and CUDA produce the same numbers, and any element can be drawn independently.
#pragma once

#include <array>
#include <cstdint>

namespace imram {

/// Philox4x32 with 10 rounds on a full 128-bit counter and 64-bit key.
std::array<std::uint32_t, 4> philox4x32_10(std::array<std::uint32_t, 4> ctr, std::array<std::uint32_t, 2> key);
/// The engine's use of it: counter (`counter`, 0), key `seed`.
std::array<std::uint32_t, 4> philox4x32(std::uint64_t seed, std::uint64_t counter);

/// Uniform in [0, 1) with 53 random bits, from lanes 0 and 1 of counter `counter`.
double philox_uniform(std::uint64_t seed, std::uint64_t counter);
/// Standard normal by Box-Muller on lanes (2, 3) of counter `counter`.
double philox_normal(std::uint64_t seed, std::uint64_t counter);

/// A stream of draws: each call consumes one counter. Its whole state is (seed, offset).
class Philox {
public:
    explicit Philox(std::uint64_t seed, std::uint64_t offset = 0) : seed_(seed), offset_(offset) {}
    double uniform() { return philox_uniform(seed_, offset_++); }
    double normal() { return philox_normal(seed_, offset_++); }
    /// Uniform integer in [0, n), n > 0 (rejection-free multiply-shift; bias below 2^-32 for n < 2^21).
    std::uint64_t below(std::uint64_t n);
    std::uint64_t seed() const { return seed_; }
    std::uint64_t offset() const { return offset_; }

private:
    std::uint64_t seed_, offset_;
};

}  // namespace imram
