// SPDX-License-Identifier: MIT
#include "kernels/cpu/gate_row.h"

#include "kernels/cpu/cpu_isa.h"
#include "kernels/cpu/eigen_core.h"

namespace imram::cpu {
namespace {

constexpr double kEps = 1e-8;

template <class T>
void gate_row_eigen(T* out, const T* q_in, const T* pre, const T* add, std::int64_t D, bool normalize) {
    using Row = Eigen::Array<T, 1, Eigen::Dynamic>;
    using CMap = Eigen::Map<const Row>;
    thread_local Row o;
    o.resize(D);
    const CMap qi(q_in, D), po(pre, D), pg(pre + D, D), bo(add, D), bg(add + D, D);
    Eigen::Map<Row> y(out, D);
    o = (po + bo).tanh();
    y = o + (T(1) + (-(pg + bg)).exp()).inverse() * (qi - o);  // g q + (1 - g) o
    if (normalize) y /= (y.matrix().norm() + T(kEps));
}

}  // namespace

bool gate_row_has_avx512() { return cpu_may_use_avx512(); }

void gate_row_portable(float* out, const float* q_in, const float* pre, const float* add, std::int64_t D,
                       bool normalize) {
    gate_row_eigen(out, q_in, pre, add, D, normalize);
}

void gate_row(float* out, const float* q_in, const float* pre, const float* add, std::int64_t D, bool normalize) {
    if (gate_row_has_avx512()) gate_row_avx512(out, q_in, pre, add, D, normalize);
    else gate_row_eigen(out, q_in, pre, add, D, normalize);
}

void gate_row(double* out, const double* q_in, const double* pre, const double* add, std::int64_t D, bool normalize) {
    gate_row_eigen(out, q_in, pre, add, D, normalize);
}

}  // namespace imram::cpu
