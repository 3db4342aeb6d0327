// SPDX-License-Identifier: MIT
#include "models/pcme/noise.h"

#include <cstring>

#include "core/rng.h"

namespace imram::models {
namespace {

/// FNV-1a over bytes, then a splitmix64 finaliser so that nearby contents give unrelated keys.
std::uint64_t hash_bytes(const void* data, std::size_t n, std::uint64_t h) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 0x100000001b3ULL;
    return h;
}
std::uint64_t mix(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

Tensor draws(const std::vector<std::uint64_t>& keys, std::int64_t K, std::int64_t D, std::uint64_t seed,
             std::uint64_t step, DType dt, Device dev) {
    const auto N = static_cast<std::int64_t>(keys.size());
    std::vector<double> eps(static_cast<std::size_t>(N * K * D));
    for (std::int64_t i = 0; i < N; ++i) {
        const std::uint64_t key = mix(mix(seed ^ keys[static_cast<std::size_t>(i)]) ^ mix(step + 0x5bd1e995ULL));
        for (std::int64_t t = 0; t < K * D; ++t)
            eps[static_cast<std::size_t>(i * K * D + t)] = philox_normal(key, static_cast<std::uint64_t>(t));
    }
    return from_vector(eps, {N, K, D}).to(dt).to(dev);
}

}  // namespace

Tensor image_noise(const Tensor& features, std::int64_t K, std::int64_t D, std::uint64_t seed, std::uint64_t step,
                   DType dt, Device dev) {
    // Hash the float32 values, so a model in f64 or on another device draws what the f32 one draws.
    const Tensor f = features.detach().to(Device::cpu()).to(DType::F32).contiguous();
    const std::int64_t N = f.size(0), per = f.numel() / (N > 0 ? N : 1);
    const float* p = f.data<float>();
    std::vector<std::uint64_t> keys(static_cast<std::size_t>(N));
    for (std::int64_t i = 0; i < N; ++i)
        keys[static_cast<std::size_t>(i)] = hash_bytes(p + i * per, sizeof(float) * static_cast<std::size_t>(per),
                                                       0xcbf29ce484222325ULL);
    return draws(keys, K, D, seed, step, dt, dev);
}

Tensor caption_noise(const Tensor& ids, const std::vector<std::int64_t>& lengths, std::int64_t K, std::int64_t D,
                     std::uint64_t seed, std::uint64_t step, DType dt, Device dev) {
    const std::vector<std::int64_t> v = ids.detach().to(Device::cpu()).to_vector<std::int64_t>();
    const std::int64_t N = ids.size(0), L = ids.size(1);
    std::vector<std::uint64_t> keys(static_cast<std::size_t>(N));
    for (std::int64_t i = 0; i < N; ++i)
        // A different start than the images': a caption never shares its key with an image.
        keys[static_cast<std::size_t>(i)] =
            hash_bytes(v.data() + i * L, sizeof(std::int64_t) * static_cast<std::size_t>(lengths[static_cast<std::size_t>(i)]),
                       0x84222325cbf29ce4ULL);
    return draws(keys, K, D, seed, step, dt, dev);
}

}  // namespace imram::models
