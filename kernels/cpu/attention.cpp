// SPDX-License-Identifier: MIT
// CPU clipped attention: pairs are independent, so they run in parallel, each with the shared body
// (kernels/clipped_attention_impl.h) on a per-thread scratch buffer.
#include "kernels/clipped_attention_impl.h"
#include "kernels/cpu/eigen_maps.h"
#include "kernels/kernels.h"

namespace imram::cpu {

template <class T>
void clipped_attention_fwd(const ClippedAttentionArgs<T>& a) {
#pragma omp parallel if (a.P * a.Ls * a.Lq > kOmpMinWork)
    {
        std::vector<T> cn;
#pragma omp for schedule(static)
        for (std::int64_t p = 0; p < a.P; ++p) clipped_attention_fwd_pair(a, p, cn);
    }
}

template <class T>
void clipped_attention_bwd(const ClippedAttentionBwdArgs<T>& a) {
#pragma omp parallel if (a.P * a.Ls * a.Lq > kOmpMinWork)
    {
        std::vector<T> dcn;
#pragma omp for schedule(static)
        for (std::int64_t p = 0; p < a.P; ++p) clipped_attention_bwd_pair(a, p, dcn);
    }
}

template void clipped_attention_fwd(const ClippedAttentionArgs<float>&);
template void clipped_attention_fwd(const ClippedAttentionArgs<double>&);
template void clipped_attention_bwd(const ClippedAttentionBwdArgs<float>&);
template void clipped_attention_bwd(const ClippedAttentionBwdArgs<double>&);

}  // namespace imram::cpu
