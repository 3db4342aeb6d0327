// SPDX-License-Identifier: MIT
#include "core/ops/common.h"

namespace imram::detail {

Strided layout_of(const Tensor& t, const char* op) {
    IMRAM_CHECK(t.dim() <= kMaxDims, op, ": at most ", kMaxDims, " dims are supported, got ", t.describe());
    Strided l;
    l.ndim = t.dim();
    for (int i = 0; i < t.dim(); ++i) {
        l.shape[i] = t.shape()[i];
        l.stride[i] = t.strides()[i];
    }
    return l;
}

Strided broadcast_layout(const Tensor& t, const Shape& out, const char* op) {
    IMRAM_CHECK(static_cast<int>(out.size()) <= kMaxDims, op, ": at most ", kMaxDims, " dims are supported, got ", out);
    IMRAM_CHECK(t.dim() <= static_cast<int>(out.size()), op, ": cannot broadcast ", t.shape(), " to ", out);
    Strided l;
    l.ndim = static_cast<int>(out.size());
    const int lead = l.ndim - t.dim();
    for (int i = 0; i < l.ndim; ++i) {
        l.shape[i] = out[i];
        if (i < lead) {
            l.stride[i] = 0;
        } else {
            const std::int64_t s = t.shape()[i - lead];
            IMRAM_CHECK(s == out[i] || s == 1, op, ": cannot broadcast ", t.shape(), " to ", out);
            l.stride[i] = (s == 1 && out[i] != 1) ? 0 : t.strides()[i - lead];
        }
    }
    return l;
}

void check_same(const char* op, const Tensor& ref, const std::vector<Tensor>& others) {
    for (const Tensor& t : others) {
        if (!t.defined()) continue;
        IMRAM_CHECK(t.device() == ref.device(), op, ": all inputs must be on one device, got ", ref.describe(), " and ",
                    t.describe());
        IMRAM_CHECK(t.dtype() == ref.dtype(), op, ": all inputs must have one dtype, got ", ref.describe(), " and ",
                    t.describe());
    }
}

void check_floating(const char* op, const Tensor& t) {
    IMRAM_CHECK(t.defined(), op, ": got an undefined tensor");
    IMRAM_CHECK(is_floating(t.dtype()), op, ": expected a floating tensor (f32 or f64), got ", t.describe());
}

Tensor sum_to(const Tensor& g, const Shape& shape) {
    if (g.shape() == shape) return g;
    const int lead = g.dim() - static_cast<int>(shape.size());
    std::vector<std::int64_t> dims;
    for (int i = 0; i < g.dim(); ++i)
        if (i < lead || (shape[i - lead] == 1 && g.shape()[i] != 1)) dims.push_back(i);
    Tensor s = dims.empty() ? g : sum(g, dims, /*keepdim=*/true);
    return reshape(s, shape);
}

Tensor checked_indices(const char* op, const Tensor& idx, std::int64_t bound, Device target) {
    IMRAM_CHECK(idx.defined() && is_integral(idx.dtype()), op, ": indices must be i32 or i64, got ", idx.describe());
    // Checked on the host: an out-of-range index must be an error here, not a wild read in a kernel.
    Tensor i64 = idx.detach().to(Device::cpu()).to(DType::I64).contiguous();
    const std::int64_t* p = i64.data<std::int64_t>();
    for (std::int64_t i = 0; i < i64.numel(); ++i)
        IMRAM_CHECK(p[i] >= 0 && p[i] < bound, op, ": index ", p[i], " at position ", i, " is out of range [0, ", bound,
                    ")");
    return target.is_host() ? i64 : i64.to(target);
}

OuterRInner split_at(const Shape& shape, int dim) {
    OuterRInner s;
    for (int i = 0; i < static_cast<int>(shape.size()); ++i) {
        if (i < dim)
            s.O *= shape[i];
        else if (i == dim)
            s.R = shape[i];
        else
            s.I *= shape[i];
    }
    return s;
}

void gemm_into(Tensor& out, const Tensor& a, bool ta, const Tensor& b, bool tb, std::int64_t batch, std::int64_t M,
               std::int64_t N, std::int64_t K, double beta, bool batched_a, bool batched_b, bool weight_product,
               bool taped) {
    IMRAM_FLOAT_SWITCH(
        out.dtype(), "gemm", T,
        IMRAM_DISPATCH(
            out.device(), gemm,
            (GemmArgs<T>{ta, tb, M, N, K, T(1), a.data<T>(), ta ? M : K, batched_a ? M * K : 0, b.data<T>(), tb ? K : N,
                         batched_b ? K * N : 0, static_cast<T>(beta), out.data<T>(), N, M * N, batch, weight_product,
                         taped})));
}

void copy_into(const Tensor& dst, const Tensor& src) {
    IMRAM_CHECK(dst.shape() == src.shape() && dst.dtype() == src.dtype(), "copy: ", src.describe(), " into ",
                dst.describe());
    const Strided ls = layout_of(src, "copy"), ld = layout_of(dst, "copy");
    switch (dst.dtype()) {
        case DType::F32:
            IMRAM_DISPATCH(dst.device(), copy_strided, (CopyArgs<float>{src.data<float>(), ls, dst.data<float>(), ld}));
            break;
        case DType::F64:
            IMRAM_DISPATCH(dst.device(), copy_strided,
                           (CopyArgs<double>{src.data<double>(), ls, dst.data<double>(), ld}));
            break;
        case DType::I32:
            IMRAM_DISPATCH(dst.device(), copy_strided,
                           (CopyArgs<std::int32_t>{src.data<std::int32_t>(), ls, dst.data<std::int32_t>(), ld}));
            break;
        case DType::I64:
            IMRAM_DISPATCH(dst.device(), copy_strided,
                           (CopyArgs<std::int64_t>{src.data<std::int64_t>(), ls, dst.data<std::int64_t>(), ld}));
            break;
        case DType::Bool:
            IMRAM_DISPATCH(dst.device(), copy_strided,
                           (CopyArgs<std::uint8_t>{src.data<std::uint8_t>(), ls, dst.data<std::uint8_t>(), ld}));
            break;
    }
}

}  // namespace imram::detail
