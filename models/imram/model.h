// SPDX-License-Identifier: MIT
// The IMRAM / SCAN / VSE++ retrieval model on the engine (docs/IMRAM_SPEC.md of the shared docs).
//
// Shape letters: N items, R regions (36), F region features (2048), L words (incl. <start>/<end>),
// D embedding (1024), W word vectors (300), V vocabulary, P pairs (image, caption), K matching steps.
//
// Parameters carry the official state-dict names: img_enc.fc_local.{weight,bias},
// txt_enc.embed.weight, txt_enc.rnn.{weight,bias}_{ih,hh}_l0[_reverse], {linear,gate}_{t2i,i2t}.{weight,bias}
// (the memory layers exist in every mode, as in the official model, even when unused).
#pragma once

#include <cstdint>
#include <vector>

#include "models/imram/config.h"
#include "nn/layers.h"

namespace imram::models {

/// Encoded items: image regions and caption words in the joint space, l2-normalised per fragment.
struct Encoded {
    Tensor images;                      // (N_img, R, D)
    Tensor captions;                    // (N_cap, L, D), padded positions exactly 0
    std::vector<std::int64_t> lengths;  // (N_cap) true lengths
};

class ImageEncoder : public nn::Module {
public:
    ImageEncoder(const ModelConfig& c, Philox& rng, DType dt, Device dev);
    /// features (N, R, F) -> l2norm(fc_local(features)) (N, R, D)
    Tensor forward(const Tensor& features) const;
    nn::Linear fc_local;
};

class TextEncoder : public nn::Module {
public:
    TextEncoder(const ModelConfig& c, Philox& rng, DType dt, Device dev);
    /// ids (N, L) integer, lengths (N) -> l2norm((gru_fwd + gru_bwd) / 2) (N, L, D)
    Tensor forward(const Tensor& ids, const std::vector<std::int64_t>& lengths) const;
    nn::Embedding embed;
    nn::GRU rnn;
};

class RetrievalModel : public nn::Module {
    // Declared first: members below are initialised in declaration order and draw from it.
    ModelConfig cfg_;
    Philox init_rng_;

public:
    /// Initialised as the official code (Xavier fc_local with zero bias, U(-0.1, 0.1) embeddings,
    /// PyTorch defaults elsewhere), reproducibly from `seed`.
    RetrievalModel(const ModelConfig& c, std::uint64_t seed, DType dt = DType::F32, Device dev = Device::cpu());

    Encoded encode(const Tensor& image_features, const Tensor& caption_ids, const std::vector<std::int64_t>& lengths) const;

    /// Scores of the pairs (image img_idx[p], caption cap_idx[p]) -> (P). Differentiable.
    Tensor score_pairs(const Encoded& e, const std::vector<std::int64_t>& img_idx,
                       const std::vector<std::int64_t>& cap_idx) const;
    /// The (N_img, N_cap) score matrix, in blocks of at most `max_pairs` pairs per call. Differentiable.
    Tensor score_matrix(const Encoded& e, std::int64_t max_pairs = 4096) const;
    /// The same matrix without autograd, through the fused scorer with the exact shortcuts
    /// (kernels/imram_score.h) on the cpu backend; other devices fall back to score_matrix.
    Tensor score_matrix_nograd(const Encoded& e) const;

    const ModelConfig& config() const { return cfg_; }

    ImageEncoder img_enc;
    TextEncoder txt_enc;
    nn::Linear linear_t2i, gate_t2i, linear_i2t, gate_i2t;

private:
    /// One direction's summed per-step similarities for the pairs (img_idx[p], cap_idx[p]).
    Tensor direction_scores(bool t2i, const Encoded& e, const Tensor& cap_items, const Tensor& img_idx,
                            const Tensor& cap_idx, const Tensor& word_valid) const;
};

}  // namespace imram::models
