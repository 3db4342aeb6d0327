// SPDX-License-Identifier: MIT
// Reference clipped attention: the pairs one after another.
#include "kernels/clipped_attention_impl.h"
#include "kernels/kernels.h"

namespace imram::ref {

template <class T>
void clipped_attention_fwd(const ClippedAttentionArgs<T>& a) {
    std::vector<T> cn;
    for (std::int64_t p = 0; p < a.P; ++p) clipped_attention_fwd_pair(a, p, cn);
}

template <class T>
void clipped_attention_bwd(const ClippedAttentionBwdArgs<T>& a) {
    std::vector<T> dcn;
    for (std::int64_t p = 0; p < a.P; ++p) clipped_attention_bwd_pair(a, p, dcn);
}

template void clipped_attention_fwd(const ClippedAttentionArgs<float>&);
template void clipped_attention_fwd(const ClippedAttentionArgs<double>&);
template void clipped_attention_bwd(const ClippedAttentionBwdArgs<float>&);
template void clipped_attention_bwd(const ClippedAttentionBwdArgs<double>&);

}  // namespace imram::ref
