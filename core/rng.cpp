// SPDX-License-Identifier: MIT
#include "core/rng.h"

#include <cmath>

namespace imram {
namespace {
constexpr std::uint32_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u;  // round multipliers
constexpr std::uint32_t kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;  // Weyl key increments

inline void mulhilo(std::uint32_t a, std::uint32_t b, std::uint32_t& hi, std::uint32_t& lo) {
    const std::uint64_t p = static_cast<std::uint64_t>(a) * b;
    hi = static_cast<std::uint32_t>(p >> 32);
    lo = static_cast<std::uint32_t>(p);
}
}  // namespace

std::array<std::uint32_t, 4> philox4x32_10(std::array<std::uint32_t, 4> c, std::array<std::uint32_t, 2> key) {
    std::uint32_t k0 = key[0], k1 = key[1];
    for (int round = 0; round < 10; ++round) {
        std::uint32_t hi0, lo0, hi1, lo1;
        mulhilo(kM0, c[0], hi0, lo0);
        mulhilo(kM1, c[2], hi1, lo1);
        c = {hi1 ^ c[1] ^ k0, lo1, hi0 ^ c[3] ^ k1, lo0};
        k0 += kW0;
        k1 += kW1;
    }
    return c;
}

std::array<std::uint32_t, 4> philox4x32(std::uint64_t seed, std::uint64_t counter) {
    return philox4x32_10({static_cast<std::uint32_t>(counter), static_cast<std::uint32_t>(counter >> 32), 0u, 0u},
                         {static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)});
}

double philox_uniform(std::uint64_t seed, std::uint64_t counter) {
    const auto r = philox4x32(seed, counter);
    const std::uint64_t bits = (static_cast<std::uint64_t>(r[0]) << 21) ^ (r[1] >> 11);  // 53 bits
    return static_cast<double>(bits & ((1ull << 53) - 1)) * 0x1.0p-53;
}

double philox_normal(std::uint64_t seed, std::uint64_t counter) {
    const auto r = philox4x32(seed, counter);
    const double u1 = (static_cast<double>(r[2]) + 1.0) * 0x1.0p-32;  // (0, 1]: log is finite
    const double u2 = static_cast<double>(r[3]) * 0x1.0p-32;
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

std::uint64_t Philox::below(std::uint64_t n) {
    const auto r = philox4x32(seed_, offset_++);
    const std::uint64_t x = (static_cast<std::uint64_t>(r[0]) << 32) | r[1];
    return static_cast<std::uint64_t>((static_cast<unsigned __int128>(x) * n) >> 64);
}

}  // namespace imram
