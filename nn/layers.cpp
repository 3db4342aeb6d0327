// SPDX-License-Identifier: MIT
#include "nn/layers.h"

#include <cmath>

#include "core/ops.h"
#include "nn/init.h"

namespace imram::nn {

Linear::Linear(std::int64_t in, std::int64_t out, bool with_bias, Philox& rng, DType dtype, Device dev, Init init) {
    IMRAM_CHECK(in > 0 && out > 0, "Linear: sizes must be positive, got in ", in, " out ", out);
    weight = empty({out, in}, dtype, Device::ref());
    if (init == Init::XavierZeroBias) xavier_uniform_(weight, rng);
    else linear_default_(weight, rng);
    weight = weight.to(dev);
    register_parameter("weight", weight);
    if (with_bias) {
        bias = empty({out}, dtype, Device::ref());
        const double r = 1.0 / std::sqrt(static_cast<double>(in));
        if (init == Init::XavierZeroBias) zeros_(bias);
        else uniform_(bias, -r, r, rng);
        bias = bias.to(dev);
        register_parameter("bias", bias);
    }
}

Tensor Linear::forward(const Tensor& x) const {
    return linear(x, weight, bias);
}

Embedding::Embedding(std::int64_t num, std::int64_t dim, Philox& rng, DType dtype, Device dev) {
    IMRAM_CHECK(num > 0 && dim > 0, "Embedding: sizes must be positive, got ", num, " x ", dim);
    weight = empty({num, dim}, dtype, Device::ref());
    uniform_(weight, -0.1, 0.1, rng);
    weight = weight.to(dev);
    register_parameter("weight", weight);
}

Tensor Embedding::forward(const Tensor& ids) const {
    return embedding(weight, ids);
}

LayerNorm::LayerNorm(std::int64_t dim, double eps_, DType dtype, Device dev) : eps(eps_) {
    IMRAM_CHECK(dim > 0 && eps_ > 0, "LayerNorm: need dim > 0 and eps > 0, got ", dim, " and ", eps_);
    weight = full({dim}, 1.0, dtype, dev);
    bias = zeros({dim}, dtype, dev);
    register_parameter("weight", weight);
    register_parameter("bias", bias);
}

Tensor LayerNorm::forward(const Tensor& x) const {
    return layer_norm(x, weight, bias, eps);
}

}  // namespace imram::nn
