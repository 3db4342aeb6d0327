// SPDX-License-Identifier: MIT
// The engine's SGEMM rate in this process, as the yardstick the scoring benchmarks report against.
#pragma once

#include <chrono>

#include "core/autograd.h"
#include "core/ops.h"

namespace imram::bench {

/// GFLOP/s of matmul at the IMRAM memory unit's shape (1536 x 2048 @ 2048 x 1024), measured once per
/// process (at least 1 s and 3 calls).
inline double sgemm_rate() {
    static const double rate = [] {
        const std::int64_t M = 1536, K = 2048, N = 1024;
        Tensor a = randn({M, K}, 1), b = randn({K, N}, 2);
        NoGradGuard ng;
        matmul(a, b);
        const auto t0 = std::chrono::steady_clock::now();
        int n = 0;
        double secs = 0;
        while (secs < 1.0 || n < 3) {
            matmul(a, b);
            ++n;
            secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        }
        return 2.0 * static_cast<double>(M * N * K) * n / secs * 1e-9;
    }();
    return rate;
}

}  // namespace imram::bench
