// SPDX-License-Identifier: MIT
// CPU reparameterised Gaussian draws (docs/ops.md#gaussian_sample; formulas as
// kernels/ref/gaussian_sample.cpp): per item, sigma = exp(logsig) once, then the K draws as Eigen
// arrays; items in parallel.
#include <cmath>

#include "kernels/cpu/eigen_maps.h"
#include "kernels/kernels.h"

namespace imram::cpu {

template <class T>
void gaussian_sample_fwd(const GaussianSampleArgs<T>& a) {
    const std::int64_t K = a.K, D = a.D;
#pragma omp parallel for schedule(static) if (a.N * K * D > kOmpMinWork)
    for (std::int64_t n = 0; n < a.N; ++n) {
        const auto mu = array_map(a.mu + n * D, D);
        const Eigen::Array<T, Eigen::Dynamic, 1> sigma = array_map(a.logsig + n * D, D).exp();
        for (std::int64_t k = 0; k < K; ++k)
            array_map(a.z + (n * K + k) * D, D) = mu + sigma * array_map(a.eps + (n * K + k) * D, D);
    }
}

template <class T>
void gaussian_sample_bwd(const GaussianSampleBwdArgs<T>& a) {
    const std::int64_t K = a.K, D = a.D;
#pragma omp parallel for schedule(static) if (a.N * K * D > kOmpMinWork)
    for (std::int64_t n = 0; n < a.N; ++n) {
        auto dmu = array_map(a.dmu + n * D, D);
        auto dls = array_map(a.dlogsig + n * D, D);
        dmu.setZero();
        dls.setZero();
        for (std::int64_t k = 0; k < K; ++k) {
            const auto dz = array_map(a.dz + (n * K + k) * D, D);
            dmu += dz;
            dls += dz * array_map(a.eps + (n * K + k) * D, D);
        }
        dls *= array_map(a.logsig + n * D, D).exp();
    }
}

template void gaussian_sample_fwd(const GaussianSampleArgs<float>&);
template void gaussian_sample_fwd(const GaussianSampleArgs<double>&);
template void gaussian_sample_bwd(const GaussianSampleBwdArgs<float>&);
template void gaussian_sample_bwd(const GaussianSampleBwdArgs<double>&);

}  // namespace imram::cpu
