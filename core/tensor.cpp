// SPDX-License-Identifier: MIT
#include "core/tensor.h"

#include <atomic>
#include <cstring>
#include <iomanip>

#include "core/autograd.h"
#include "core/ops.h"
#include "core/rng.h"
#include "kernels/cuda/memory.h"

namespace imram {
namespace {
std::atomic<std::uint64_t> g_next_id{1};

template <class F>
void visit_dtype(DType t, F&& f) {
    switch (t) {
        case DType::F32:
            f(float{});
            break;
        case DType::F64:
            f(double{});
            break;
        case DType::I32:
            f(std::int32_t{});
            break;
        case DType::I64:
            f(std::int64_t{});
            break;
        case DType::Bool:
            f(std::uint8_t{});
            break;
    }
}

std::int64_t flat_to_offset(const Tensor& t, std::int64_t flat) {
    std::int64_t off = t.offset();
    for (int d = t.dim() - 1; d >= 0; --d) {
        const std::int64_t s = t.shape()[d];
        off += (flat % s) * t.strides()[d];
        flat /= s;
    }
    return off;
}
}  // namespace

Tensor make_tensor(std::shared_ptr<Storage> storage, const Shape& shape, DType dtype, Device dev) {
    for (auto d : shape) IMRAM_CHECK(d >= 0, "tensor: negative size in shape ", shape);
    auto impl = std::make_shared<TensorImpl>();
    impl->storage = std::move(storage);
    impl->shape = shape;
    impl->strides = contiguous_strides(shape);
    impl->dtype = dtype;
    impl->device = dev;
    impl->id = g_next_id.fetch_add(1);
    return Tensor(std::move(impl));
}

Tensor make_view(const Tensor& base, const Shape& shape, const Shape& strides, std::int64_t offset) {
    auto impl = std::make_shared<TensorImpl>();
    impl->storage = base.impl().storage;
    impl->shape = shape;
    impl->strides = strides;
    impl->offset = offset;
    impl->dtype = base.dtype();
    impl->device = base.device();
    impl->id = g_next_id.fetch_add(1);
    return Tensor(std::move(impl));
}

std::int64_t Tensor::size(std::int64_t d) const {
    return shape()[wrap_dim(d, dim(), "size")];
}

bool Tensor::is_contiguous() const {
    return strides() == contiguous_strides(shape()) || numel() <= 1;
}

std::string Tensor::describe() const {
    if (!defined()) return "undefined";
    std::ostringstream s;
    s << dtype() << shape() << ' ' << device();
    if (!is_contiguous()) s << " (strided " << strides() << ")";
    return s.str();
}

void* Tensor::raw_data() const {
    return static_cast<char*>(impl().storage->data()) + offset() * static_cast<std::int64_t>(dtype_size(dtype()));
}

double Tensor::at(std::int64_t flat) const {
    IMRAM_CHECK(device().is_host(), "at(): tensor on ", device(), " must be copied to the host first");
    IMRAM_CHECK(flat >= 0 && flat < numel(), "at(): index ", flat, " out of range for ", describe());
    const std::int64_t off = flat_to_offset(*this, flat);
    double v = 0;
    visit_dtype(dtype(), [&](auto z) {
        using T = decltype(z);
        v = static_cast<double>(static_cast<const T*>(impl().storage->data())[off]);
    });
    return v;
}

template <class T>
T Tensor::item() const {
    IMRAM_CHECK(numel() == 1, "item(): expected a one-element tensor, got ", describe());
    if (!device().is_host()) return detach().to(Device::cpu()).item<T>();
    return static_cast<T>(at(0));
}

template <class T>
std::vector<T> Tensor::to_vector() const {
    if (!device().is_host()) return detach().to(Device::cpu()).to_vector<T>();
    std::vector<T> out(static_cast<std::size_t>(numel()));
    for (std::int64_t i = 0; i < numel(); ++i) out[i] = static_cast<T>(at(i));
    return out;
}

Tensor& Tensor::set_requires_grad(bool on) {
    IMRAM_CHECK(is_leaf(), "set_requires_grad: only leaf tensors can be marked; ", describe(),
                " is the result of an op (use detach() first)");
    IMRAM_CHECK(!on || is_floating(dtype()), "set_requires_grad: only floating tensors can require grad, got ",
                describe());
    impl().requires_grad = on;
    return *this;
}

Tensor Tensor::grad() const {
    return impl().grad ? Tensor(impl().grad) : Tensor();
}
void Tensor::zero_grad() {
    impl().grad.reset();
}

void Tensor::set_grad(const Tensor& g) {
    IMRAM_CHECK(is_leaf() && g.defined() && g.shape() == shape() && g.dtype() == dtype() && g.device() == device(),
                "set_grad: expected a gradient ", describe(), " for a leaf, got ", g.defined() ? g.describe() : "none");
    impl().grad = g.detach().contiguous().impl_;
}

void Tensor::backward(const Tensor& seed, bool retain_graph) const {
    autograd::backward(*this, seed, retain_graph);
}

Tensor Tensor::detach() const {
    return make_view(*this, shape(), strides(), offset());
}

Tensor Tensor::to(Device d) const {
    if (d == device()) return *this;
    Tensor src = imram::contiguous(*this);
    Tensor out = empty(shape(), dtype(), d);
    if (d.is_host() && device().is_host())
        std::memcpy(out.raw_data(), src.raw_data(), nbytes());
    else
        gpu::copy(out.raw_data(), d, src.raw_data(), device(), nbytes());
    if (autograd::any_requires_grad({*this})) {
        const Device from = device();
        autograd::record("to_device", {*this}, {out},
                         [from](const std::vector<Tensor>& g) { return std::vector<Tensor>{g[0].to(from)}; });
    }
    return out;
}

const Tensor& Tensor::copy_(const Tensor& src) const {
    IMRAM_CHECK(is_contiguous(), "copy_: the destination must be contiguous, got ", describe());
    IMRAM_CHECK(src.shape() == shape(), "copy_: shape ", src.shape(), " into ", shape());
    const Tensor v = imram::contiguous(src.detach().to(dtype()));
    if (device().is_host() && v.device().is_host())
        std::memcpy(raw_data(), v.raw_data(), nbytes());
    else
        gpu::copy(raw_data(), device(), v.raw_data(), v.device(), nbytes());
    return *this;
}

const Tensor& Tensor::zero_() const {
    IMRAM_CHECK(is_contiguous(), "zero_: expected a contiguous tensor, got ", describe());
    if (device().is_host())
        std::memset(raw_data(), 0, nbytes());
    else
        gpu::zero(raw_data(), device(), nbytes());
    return *this;
}

Tensor Tensor::to(DType t) const {
    if (t == dtype()) return *this;
    if (!device().is_host()) {
        // Conversions are rare (loading, evaluation): done on the host rather than with a kernel per pair.
        NoGradGuard no_grad;
        Tensor out = detach().to(Device::cpu()).to(t).to(device());
        if (is_floating(t) && is_floating(dtype()) && autograd::any_requires_grad({*this})) {
            const DType from = dtype();
            autograd::record("to_dtype", {*this}, {out},
                             [from](const std::vector<Tensor>& g) { return std::vector<Tensor>{g[0].to(from)}; });
        }
        return out;
    }
    Tensor out = empty(shape(), t, device());
    visit_dtype(t, [&](auto zt) {
        using D = decltype(zt);
        D* dst = out.data<D>();
        visit_dtype(dtype(), [&](auto zs) {
            using S = decltype(zs);
            const S* base = static_cast<const S*>(impl().storage->data());
            for (std::int64_t i = 0; i < numel(); ++i) dst[i] = static_cast<D>(base[flat_to_offset(*this, i)]);
        });
    });
    if (is_floating(t) && is_floating(dtype()) && autograd::any_requires_grad({*this})) {
        const DType from = dtype();
        autograd::record("to_dtype", {*this}, {out},
                         [from](const std::vector<Tensor>& g) { return std::vector<Tensor>{g[0].to(from)}; });
    }
    return out;
}

Tensor Tensor::contiguous() const {
    return imram::contiguous(*this);
}
Tensor Tensor::clone() const {
    return imram::clone(*this);
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) {
    os << "Tensor(" << t.describe();
    if (t.defined() && t.device().is_host()) {
        os << ", [";
        const std::int64_t n = std::min<std::int64_t>(t.numel(), 16);
        for (std::int64_t i = 0; i < n; ++i) os << (i ? ", " : "") << std::setprecision(6) << t.at(i);
        if (t.numel() > n) os << ", ...";
        os << ']';
    }
    return os << ')';
}

Tensor empty(const Shape& shape, DType dtype, Device dev) {
    for (auto d : shape) IMRAM_CHECK(d >= 0, "empty: negative size in shape ", shape);
    const std::size_t bytes = static_cast<std::size_t>(shape_numel(shape)) * dtype_size(dtype);
    return make_tensor(std::make_shared<Storage>(bytes, dev), shape, dtype, dev);
}

Tensor full(const Shape& shape, double value, DType dtype, Device dev) {
    if (!dev.is_host()) return full(shape, value, dtype, Device::cpu()).to(dev);
    Tensor t = empty(shape, dtype, dev);
    visit_dtype(dtype, [&](auto z) {
        using T = decltype(z);
        T* p = static_cast<T*>(t.raw_data());
        std::fill(p, p + t.numel(), static_cast<T>(value));
    });
    return t;
}

Tensor zeros(const Shape& shape, DType dtype, Device dev) {
    Tensor t = empty(shape, dtype, dev);
    if (!dev.is_host()) {
        gpu::zero(t.raw_data(), dev, t.nbytes());
        return t;
    }
    std::memset(t.raw_data(), 0, t.nbytes());
    return t;
}
Tensor ones(const Shape& shape, DType dtype, Device dev) {
    return full(shape, 1.0, dtype, dev);
}
Tensor empty_like(const Tensor& t) {
    return empty(t.shape(), t.dtype(), t.device());
}
Tensor zeros_like(const Tensor& t) {
    return zeros(t.shape(), t.dtype(), t.device());
}

Tensor arange(std::int64_t n, DType dtype, Device dev) {
    if (!dev.is_host()) return arange(n, dtype, Device::cpu()).to(dev);
    Tensor t = empty({n}, dtype, dev);
    visit_dtype(dtype, [&](auto z) {
        using T = decltype(z);
        T* p = static_cast<T*>(t.raw_data());
        for (std::int64_t i = 0; i < n; ++i) p[i] = static_cast<T>(i);
    });
    return t;
}

template <class T>
Tensor from_vector(const std::vector<T>& values, const Shape& shape, Device dev) {
    IMRAM_CHECK(static_cast<std::int64_t>(values.size()) == shape_numel(shape), "from_vector: ", values.size(),
                " values do not fill shape ", shape);
    if (!dev.is_host()) return from_vector(values, shape, Device::cpu()).to(dev);
    Tensor t = empty(shape, dtype_v<T>, dev);
    if (!values.empty()) std::memcpy(t.raw_data(), values.data(), values.size() * sizeof(T));
    return t;
}

Tensor rand(const Shape& shape, std::uint64_t seed, std::uint64_t offset, double lo, double hi, DType dtype,
            Device dev) {
    IMRAM_CHECK(is_floating(dtype), "rand: expected a floating dtype, got ", dtype);
    if (!dev.is_host()) return rand(shape, seed, offset, lo, hi, dtype, Device::cpu()).to(dev);
    Tensor t = empty(shape, DType::F64, dev);
    double* p = t.data<double>();
    for (std::int64_t i = 0; i < t.numel(); ++i) p[i] = lo + (hi - lo) * philox_uniform(seed, offset + i);
    return t.to(dtype);
}

Tensor randn(const Shape& shape, std::uint64_t seed, std::uint64_t offset, DType dtype, Device dev) {
    IMRAM_CHECK(is_floating(dtype), "randn: expected a floating dtype, got ", dtype);
    if (!dev.is_host()) return randn(shape, seed, offset, dtype, Device::cpu()).to(dev);
    Tensor t = empty(shape, DType::F64, dev);
    double* p = t.data<double>();
    for (std::int64_t i = 0; i < t.numel(); ++i) p[i] = philox_normal(seed, offset + i);
    return t.to(dtype);
}

#define IMRAM_INSTANTIATE(T)                              \
    template T Tensor::item<T>() const;                   \
    template std::vector<T> Tensor::to_vector<T>() const; \
    template Tensor from_vector<T>(const std::vector<T>&, const Shape&, Device);
IMRAM_INSTANTIATE(float)
IMRAM_INSTANTIATE(double)
IMRAM_INSTANTIATE(std::int32_t)
IMRAM_INSTANTIATE(std::int64_t)
IMRAM_INSTANTIATE(std::uint8_t)
#undef IMRAM_INSTANTIATE

}  // namespace imram
