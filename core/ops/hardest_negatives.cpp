// SPDX-License-Identifier: MIT
// hardest_negatives: the front-end of the negative mining of the hardest-negative triplet loss
// (models/triplet_loss.cpp). Not differentiable: the loss rescores the pairs it picks with the tape.
#include "core/ops/common.h"

namespace imram {

HardestNegatives hardest_negatives(const Tensor& scores) {
    detail::check_floating("hardest_negatives", scores);
    IMRAM_CHECK(scores.dim() == 2 && scores.size(0) == scores.size(1) && scores.size(0) >= 2,
                "hardest_negatives: expected a square (B, B) score matrix with B >= 2, got ", scores.describe());
    // On the scores' own device: on a GPU the B x B matrix is searched where it was computed.
    const Tensor s = scores.detach().contiguous();
    const std::int64_t n = s.size(0);
    HardestNegatives h{empty({n}, DType::I64, s.device()), empty({n}, DType::I64, s.device())};
    IMRAM_FLOAT_SWITCH(s.dtype(), "hardest_negatives", T,
                       IMRAM_DISPATCH(s.device(), hardest_negatives,
                                      (HardestNegArgs<T>{s.data<T>(), n, h.row.data<std::int64_t>(),
                                                         h.col.data<std::int64_t>()})));
    return h;
}

}  // namespace imram
