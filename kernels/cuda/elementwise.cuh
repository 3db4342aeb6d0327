// SPDX-License-Identifier: MIT
// Elementwise kernels: strided copy, broadcast binary ops, where, unary ops and their derivatives.
//
// Maths: as kernels/unary_math.h (the host backends' single source), restated for device code.
// Shapes: out is contiguous with n elements; inputs are strided views broadcast to out's shape
//         (kernels/args.h Strided, stride 0 on broadcast axes).
// Threads: a grid-stride loop, one element per thread per step, 256 threads per block; a strided
//          input costs ndim divisions per element, which is noise next to the memory traffic.
// Cost: n * (sizeof inputs read + sizeof(T) written) bytes, ~1 FLOP per element: purely
//       bandwidth-bound (H100: ~3 TB/s, so ~0.1 ms per 100 M floats moved).
#pragma once

#include "kernels/cuda/common.cuh"

namespace imram::IMRAM_CUDA_NS {

template <class T>
__global__ void copy_strided_kernel(CopyArgs<T> a, std::int64_t n) {
    for (std::int64_t i = blockIdx.x * (std::int64_t)blockDim.x + threadIdx.x; i < n;
         i += (std::int64_t)gridDim.x * blockDim.x)
        a.dst[d_strided_offset(a.dst_layout, i)] = a.src[d_strided_offset(a.src_layout, i)];
}

template <class T>
__device__ __forceinline__ T d_binary(BinaryOp op, T a, T b) {
    switch (op) {
        case BinaryOp::Add: return a + b;
        case BinaryOp::Sub: return a - b;
        case BinaryOp::Mul: return a * b;
        case BinaryOp::Div: return a / b;
    }
    return a;
}

template <class T>
__global__ void binary_kernel(BinaryArgs<T> a, std::int64_t n) {
    for (std::int64_t i = blockIdx.x * (std::int64_t)blockDim.x + threadIdx.x; i < n;
         i += (std::int64_t)gridDim.x * blockDim.x)
        a.out[i] = d_binary(a.op, a.a[d_strided_offset(a.la, i)], a.b[d_strided_offset(a.lb, i)]);
}

template <class T>
__global__ void where_kernel(WhereArgs<T> a, std::int64_t n) {
    for (std::int64_t i = blockIdx.x * (std::int64_t)blockDim.x + threadIdx.x; i < n;
         i += (std::int64_t)gridDim.x * blockDim.x)
        a.out[i] = a.cond[d_strided_offset(a.lc, i)] ? a.a[d_strided_offset(a.la, i)] : a.b[d_strided_offset(a.lb, i)];
}

template <class T>
__device__ __forceinline__ T d_unary(UnaryOp op, T x, T p0, T p1) {
    switch (op) {
        case UnaryOp::Neg: return -x;
        case UnaryOp::Exp: return d_exp(x);
        case UnaryOp::Log: return d_log(x);
        case UnaryOp::Sqrt: return d_sqrt(x);
        case UnaryOp::Tanh: return d_tanh(x);
        case UnaryOp::Sigmoid: return T(1) / (T(1) + d_exp(-x));
        case UnaryOp::Relu: return x > T(0) ? x : T(0);
        case UnaryOp::LeakyRelu: return x > T(0) ? x : p0 * x;
        case UnaryOp::Pow: return d_pow(x, p0);
        case UnaryOp::Clamp: return x < p0 ? p0 : (x > p1 ? p1 : x);
    }
    return x;
}

template <class T>
__device__ __forceinline__ T d_unary_derivative(UnaryOp op, T x, T y, T p0, T p1) {
    switch (op) {
        case UnaryOp::Neg: return T(-1);
        case UnaryOp::Exp: return y;
        case UnaryOp::Log: return T(1) / x;
        case UnaryOp::Sqrt: return T(0.5) / y;
        case UnaryOp::Tanh: return T(1) - y * y;
        case UnaryOp::Sigmoid: return y * (T(1) - y);
        case UnaryOp::Relu: return x > T(0) ? T(1) : T(0);
        case UnaryOp::LeakyRelu: return x > T(0) ? T(1) : p0;
        case UnaryOp::Pow: return p0 * d_pow(x, p0 - T(1));
        case UnaryOp::Clamp: return (x >= p0 && x <= p1) ? T(1) : T(0);
    }
    return T(0);
}

template <class T>
__global__ void unary_fwd_kernel(UnaryArgs<T> a) {
    for (std::int64_t i = blockIdx.x * (std::int64_t)blockDim.x + threadIdx.x; i < a.n;
         i += (std::int64_t)gridDim.x * blockDim.x)
        a.y[i] = d_unary(a.op, a.x[i], a.p0, a.p1);
}

template <class T>
__global__ void unary_bwd_kernel(UnaryBwdArgs<T> a) {
    for (std::int64_t i = blockIdx.x * (std::int64_t)blockDim.x + threadIdx.x; i < a.n;
         i += (std::int64_t)gridDim.x * blockDim.x)
        a.dx[i] = a.dy[i] * d_unary_derivative(a.op, a.x[i], a.y[i], a.p0, a.p1);
}

// ---- host entry points (kernels/kernels.h)

template <class T>
void copy_strided(const CopyArgs<T>& a) {
    const std::int64_t n = h_numel(a.src_layout);
    if (n == 0) return;
    IMRAM_LAUNCH(copy_strided_kernel<T>, grid_for(n), kThreads, 0, a, n);
}

template <class T>
void binary(const BinaryArgs<T>& a) {
    const std::int64_t n = h_numel(a.la);
    if (n == 0) return;
    IMRAM_LAUNCH(binary_kernel<T>, grid_for(n), kThreads, 0, a, n);
}

template <class T>
void where(const WhereArgs<T>& a) {
    const std::int64_t n = h_numel(a.lc);
    if (n == 0) return;
    IMRAM_LAUNCH(where_kernel<T>, grid_for(n), kThreads, 0, a, n);
}

template <class T>
void unary_fwd(const UnaryArgs<T>& a) {
    if (a.n == 0) return;
    IMRAM_LAUNCH(unary_fwd_kernel<T>, grid_for(a.n), kThreads, 0, a);
}

template <class T>
void unary_bwd(const UnaryBwdArgs<T>& a) {
    if (a.n == 0) return;
    IMRAM_LAUNCH(unary_bwd_kernel<T>, grid_for(a.n), kThreads, 0, a);
}

template void copy_strided(const CopyArgs<float>&);
template void copy_strided(const CopyArgs<double>&);
template void copy_strided(const CopyArgs<std::int32_t>&);
template void copy_strided(const CopyArgs<std::int64_t>&);
template void copy_strided(const CopyArgs<std::uint8_t>&);
template void binary(const BinaryArgs<float>&);
template void binary(const BinaryArgs<double>&);
template void where(const WhereArgs<float>&);
template void where(const WhereArgs<double>&);
template void unary_fwd(const UnaryArgs<float>&);
template void unary_fwd(const UnaryArgs<double>&);
template void unary_bwd(const UnaryBwdArgs<float>&);
template void unary_bwd(const UnaryBwdArgs<double>&);

}  // namespace imram::IMRAM_CUDA_NS
