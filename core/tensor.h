// SPDX-License-Identifier: MIT
// Tensor: a ref-counted handle to (storage, offset, shape, strides, dtype, device) plus autograd state.
// Copying a Tensor copies the handle, not the data (like torch.Tensor). Views share storage.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/check.h"
#include "base/device.h"
#include "base/dtype.h"
#include "core/shape.h"
#include "core/storage.h"

namespace imram {

namespace autograd {
struct Node;
}

struct TensorImpl {
    std::shared_ptr<Storage> storage;
    std::int64_t offset = 0;  // in elements
    Shape shape;
    Shape strides;  // in elements
    DType dtype = DType::F32;
    Device device{};
    // autograd
    bool requires_grad = false;
    std::shared_ptr<TensorImpl> grad;         // leaves only
    std::shared_ptr<autograd::Node> grad_fn;  // non-leaves: the node that produced this tensor
    std::uint64_t id = 0;                     // unique per impl; keys gradients during backward
};

class Tensor {
public:
    Tensor() = default;  // undefined tensor
    explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

    bool defined() const { return impl_ != nullptr; }
    const Shape& shape() const { return impl().shape; }
    const Shape& strides() const { return impl().strides; }
    int dim() const { return static_cast<int>(impl().shape.size()); }
    /// Size along `d`; negative counts from the end.
    std::int64_t size(std::int64_t d) const;
    std::int64_t numel() const { return shape_numel(impl().shape); }
    std::size_t nbytes() const { return static_cast<std::size_t>(numel()) * dtype_size(dtype()); }
    DType dtype() const { return impl().dtype; }
    Device device() const { return impl().device; }
    std::int64_t offset() const { return impl().offset; }
    bool is_contiguous() const;
    /// "f32[2, 3] cpu" style description for error messages.
    std::string describe() const;

    /// Typed pointer to the first element (host or device); checks the dtype.
    template <class T>
    T* data() const {
        IMRAM_CHECK(dtype_v<T> == dtype(), "data<", dtype_name(dtype_v<T>), ">(): tensor is ", describe());
        return static_cast<T*>(raw_data());
    }
    void* raw_data() const;
    /// The single value of a one-element host tensor, converted to T.
    template <class T>
    T item() const;
    /// Element at a flat row-major index (host tensors; any strides), converted to double. For tests and printing.
    double at(std::int64_t flat) const;
    /// Copies the elements out in row-major order, converted to T (host tensors).
    template <class T>
    std::vector<T> to_vector() const;

    // ---- autograd
    bool requires_grad() const { return impl().requires_grad; }
    /// Marks a leaf as a parameter to differentiate; throws on a non-leaf or a non-float tensor.
    Tensor& set_requires_grad(bool on = true);
    bool is_leaf() const { return impl().grad_fn == nullptr; }
    /// Accumulated gradient of a leaf (undefined until a backward pass reaches it).
    Tensor grad() const;
    void zero_grad();
    /// Replaces a leaf's accumulated gradient with `g` (the leaf's shape, dtype and device): for
    /// gradients summed outside autograd, as processes that share a training step do.
    void set_grad(const Tensor& g);
    /// Reverse-mode pass from this tensor. Without `seed` the tensor must hold one element (seed = 1).
    void backward(const Tensor& seed = Tensor(), bool retain_graph = false) const;
    /// Same data, no autograd history.
    Tensor detach() const;

    // ---- conversions (copies unless already matching)
    Tensor to(Device d) const;
    Tensor to(DType t) const;
    Tensor contiguous() const;
    Tensor clone() const;
    /// Overwrites this contiguous tensor's elements with `src`'s (same shape; converted to this dtype;
    /// from any device to any device). In place and outside autograd: for initialisation and loading
    /// state, so no layer above core/ needs to know where memory lives. Returns *this.
    const Tensor& copy_(const Tensor& src) const;
    /// Sets every element of this contiguous tensor to zero, on its own device. Returns *this.
    const Tensor& zero_() const;

    TensorImpl& impl() const {
        IMRAM_CHECK(impl_ != nullptr, "use of an undefined Tensor");
        return *impl_;
    }
    const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }

private:
    std::shared_ptr<TensorImpl> impl_;
};

std::ostream& operator<<(std::ostream& os, const Tensor& t);

// ---- factories (all return leaves without requires_grad)
Tensor empty(const Shape& shape, DType dtype = DType::F32, Device dev = Device::cpu());
Tensor zeros(const Shape& shape, DType dtype = DType::F32, Device dev = Device::cpu());
Tensor ones(const Shape& shape, DType dtype = DType::F32, Device dev = Device::cpu());
Tensor full(const Shape& shape, double value, DType dtype = DType::F32, Device dev = Device::cpu());
Tensor empty_like(const Tensor& t);
Tensor zeros_like(const Tensor& t);
/// 0, 1, ..., n-1.
Tensor arange(std::int64_t n, DType dtype = DType::I64, Device dev = Device::cpu());
/// Copies `values` (row-major) into a new tensor of `shape`; sizes must agree.
template <class T>
Tensor from_vector(const std::vector<T>& values, const Shape& shape, Device dev = Device::cpu());
/// Uniform in [lo, hi) and standard normal draws, reproducible from (seed, offset): element i uses
/// Philox counter offset + i, so a slice of a larger draw equals a smaller draw at a shifted offset.
Tensor rand(const Shape& shape, std::uint64_t seed, std::uint64_t offset = 0, double lo = 0.0, double hi = 1.0,
            DType dtype = DType::F32, Device dev = Device::cpu());
Tensor randn(const Shape& shape, std::uint64_t seed, std::uint64_t offset = 0, DType dtype = DType::F32,
             Device dev = Device::cpu());

/// Low-level: a tensor viewing `base`'s storage with its own geometry. Used by view ops.
Tensor make_view(const Tensor& base, const Shape& shape, const Shape& strides, std::int64_t offset);
/// Low-level: a fresh impl (new id) with the given storage.
Tensor make_tensor(std::shared_ptr<Storage> storage, const Shape& shape, DType dtype, Device dev);

}  // namespace imram
