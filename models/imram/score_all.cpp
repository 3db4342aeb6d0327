// SPDX-License-Identifier: MIT
// ImramModel::score_all: evaluation and hardest-negative mining score every pair with the op
// imram_score_all (core/ops.h) on any device; its output equals score_matrix's up to float summation
// order (tested). VSE++ has no cross attention: its scores are one GEMM.
#include "core/autograd.h"
#include "core/ops.h"
#include "models/imram/model.h"

namespace imram::models {

static_assert(static_cast<int>(Agg::Mean) == static_cast<int>(ImramScoreSettings::Pool::Mean) &&
                  static_cast<int>(Agg::LogSumExp) == static_cast<int>(ImramScoreSettings::Pool::LogSumExp) &&
                  static_cast<int>(Agg::Max) == static_cast<int>(ImramScoreSettings::Pool::Max) &&
                  static_cast<int>(Agg::Sum) == static_cast<int>(ImramScoreSettings::Pool::Sum),
              "Agg and ImramScoreSettings::Pool list the poolings in one order");

Tensor ImramModel::score_all(const Encoded& e) const {
    NoGradGuard no_grad;
    if (cfg_.mode == Mode::VSE) return score_matrix(e);
    ImramScoreSettings s;
    s.t2i = cfg_.uses_t2i(), s.i2t = cfg_.uses_i2t(), s.memory = cfg_.uses_memory();
    s.normalize_memory = !cfg_.no_imram_norm;
    s.steps = cfg_.steps(), s.lambda = cfg_.lambda_softmax, s.lambda_lse = cfg_.lambda_lse;
    // IMRAM always takes the mean over fragments; SCAN pools by agg_func (Agg's order is Pool's).
    s.pool = cfg_.uses_memory() ? ImramScoreSettings::Pool::Mean : static_cast<ImramScoreSettings::Pool>(cfg_.agg);
    const MemoryUnitWeights t2i{linear_t2i.weight, linear_t2i.bias, gate_t2i.weight, gate_t2i.bias};
    const MemoryUnitWeights i2t{linear_i2t.weight, linear_i2t.bias, gate_i2t.weight, gate_i2t.bias};
    return imram_score_all(e.images, e.captions, e.lengths, t2i, i2t, s);
}

}  // namespace imram::models
