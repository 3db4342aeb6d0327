// SPDX-License-Identifier: MIT
// The kernel set every backend implements, declared once for imram::ref, cpu, cuda and cuda_emu.
// Each is a template instantiated for float and double in its backend's .cpp files.
#pragma once

#include "kernels/args.h"

#define IMRAM_HOST_KERNEL_DECLS                 \
    template <class T>                          \
    void copy_strided(const CopyArgs<T>&);      \
    template <class T>                          \
    void binary(const BinaryArgs<T>&);          \
    template <class T>                          \
    void where(const WhereArgs<T>&);            \
    template <class T>                          \
    void unary_fwd(const UnaryArgs<T>&);        \
    template <class T>                          \
    void unary_bwd(const UnaryBwdArgs<T>&);     \
    template <class T>                          \
    void reduce_fwd(const ReduceArgs<T>&);      \
    template <class T>                          \
    void reduce_bwd(const ReduceBwdArgs<T>&);   \
    template <class T>                          \
    void gemm(const GemmArgs<T>&);              \
    template <class T>                          \
    void index_select(const IndexArgs<T>&);     \
    template <class T>                          \
    void index_add(const IndexArgs<T>&);        \
    template <class T>                          \
    void gather(const GatherArgs<T>&);          \
    template <class T>                          \
    void scatter_add(const GatherArgs<T>&);     \
    template <class T>                          \
    void softmax_fwd(const SoftmaxArgs<T>&);    \
    template <class T>                          \
    void softmax_bwd(const SoftmaxBwdArgs<T>&); \
    template <class T>                          \
    void l2norm_fwd(const L2NormArgs<T>&);      \
    template <class T>                          \
    void l2norm_bwd(const L2NormBwdArgs<T>&);   \
    template <class T>                          \
    void cosine_fwd(const CosineArgs<T>&);      \
    template <class T>                          \
    void cosine_bwd(const CosineBwdArgs<T>&);   \
    template <class T>                          \
    void hardest_negatives(const HardestNegArgs<T>&); \
    template <class T>                          \
    void adam_step(const AdamArgs<T>&);         \
    template <class T>                          \
    void sgd_step(const SgdArgs<T>&);           \
    template <class T>                          \
    void sum_squares(const SumSquaresArgs<T>&); \
    template <class T>                          \
    void clipped_attention_fwd(const ClippedAttentionArgs<T>&); \
    template <class T>                          \
    void clipped_attention_bwd(const ClippedAttentionBwdArgs<T>&); \
    template <class T>                          \
    void gram_cosine_fwd(const GramCosineArgs<T>&); \
    template <class T>                          \
    void gram_cosine_bwd(const GramCosineBwdArgs<T>&); \
    template <class T>                          \
    void gated_memory_fwd(const GatedMemoryArgs<T>&); \
    template <class T>                          \
    void gated_memory_bwd(const GatedMemoryBwdArgs<T>&); \
    template <class T>                          \
    void camp_gated_fusion_fwd(const CampGatedFusionArgs<T>&); \
    template <class T>                          \
    void camp_gated_fusion_bwd(const CampGatedFusionBwdArgs<T>&); \
    template <class T>                          \
    void attention_pool_fwd(const AttentionPoolArgs<T>&); \
    template <class T>                          \
    void attention_pool_bwd(const AttentionPoolBwdArgs<T>&); \
    template <class T>                          \
    void scaled_dot_attention_fwd(const ScaledDotAttentionArgs<T>&); \
    template <class T>                          \
    void scaled_dot_attention_bwd(const ScaledDotAttentionBwdArgs<T>&); \
    template <class T>                          \
    void layer_norm_fwd(const LayerNormArgs<T>&); \
    template <class T>                          \
    void layer_norm_bwd(const LayerNormBwdArgs<T>&); \
    template <class T>                          \
    void gaussian_sample_fwd(const GaussianSampleArgs<T>&); \
    template <class T>                          \
    void gaussian_sample_bwd(const GaussianSampleBwdArgs<T>&); \
    template <class T>                          \
    void match_log_prob_fwd(const MatchLogProbArgs<T>&); \
    template <class T>                          \
    void match_log_prob_bwd(const MatchLogProbBwdArgs<T>&); \
    template <class T>                          \
    void gru_cell_fwd(const GruCellArgs<T>&);   \
    template <class T>                          \
    void gru_cell_bwd(const GruCellBwdArgs<T>&); \
    template <class T>                          \
    void imram_score_all(const ImramScoreArgs<T>&);

namespace imram::ref {
IMRAM_HOST_KERNEL_DECLS
}
namespace imram::cpu {
IMRAM_HOST_KERNEL_DECLS
}
// The CUDA kernels (kernels/cuda/*.cuh), compiled twice: by nvcc for GPUs, by the host compiler
// for the SIMT emulator. Same set, so a kernel missing from either backend fails to link.
namespace imram::cuda {
IMRAM_HOST_KERNEL_DECLS
}
namespace imram::cuda_emu {
IMRAM_HOST_KERNEL_DECLS
}
