// SPDX-License-Identifier: MIT
// ImramModel::score_all: routes evaluation and hardest-negative mining to the fused
// scorer. Its output equals score_matrix's up to float summation order (tested).
#include "core/autograd.h"
#include "core/ops.h"
#include "kernels/dispatch.h"
#include "kernels/imram_score.h"
#include "models/imram/model.h"

namespace imram::models {

Tensor ImramModel::score_all(const Encoded& e) const {
    NoGradGuard no_grad;
    if (e.images.device() != Device::cpu() || cfg_.mode == Mode::VSE) return score_matrix(e);
    const Tensor img = e.images.contiguous(), cap = e.captions.contiguous();
    const std::int64_t Ni = img.size(0), Nc = cap.size(0);
    IMRAM_CHECK(static_cast<std::int64_t>(e.lengths.size()) == Nc, "score_all: ", e.lengths.size(),
                " lengths for ", Nc, " captions");
    Tensor out = empty({Ni, Nc}, img.dtype(), img.device());
    auto run = [&](auto zero) {
        using T = decltype(zero);
        ImramScoreArgs<T> a{};
        a.images = img.data<T>();
        a.Ni = Ni, a.R = img.size(1), a.D = img.size(2);
        a.captions = cap.data<T>();
        a.lengths = e.lengths.data();
        a.Nc = Nc, a.L = cap.size(1);
        a.lin_t2i_w = linear_t2i.weight.data<T>(), a.lin_t2i_b = linear_t2i.bias.data<T>();
        a.gate_t2i_w = gate_t2i.weight.data<T>(), a.gate_t2i_b = gate_t2i.bias.data<T>();
        a.lin_i2t_w = linear_i2t.weight.data<T>(), a.lin_i2t_b = linear_i2t.bias.data<T>();
        a.gate_i2t_w = gate_i2t.weight.data<T>(), a.gate_i2t_b = gate_i2t.bias.data<T>();
        a.t2i = cfg_.uses_t2i(), a.i2t = cfg_.uses_i2t(), a.memory = cfg_.uses_memory();
        a.no_norm = cfg_.no_imram_norm;
        a.pool = cfg_.uses_memory() ? 0 : static_cast<int>(cfg_.agg);  // Agg's order is the kernel's
        a.K = cfg_.steps(), a.lambda = cfg_.lambda_softmax, a.lambda_lse = cfg_.lambda_lse;
        a.scores = out.data<T>();
        cpu::imram_score(a);
    };
    IMRAM_FLOAT_SWITCH(img.dtype(), "score_all", T, run(T{}));
    return out;
}

}  // namespace imram::models
