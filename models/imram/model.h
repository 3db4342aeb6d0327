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
#include "models/retrieval_model.h"
#include "nn/layers.h"

namespace imram::models {

// Encoded (models/retrieval_model.h) here: images (N_img, R, D) regions and captions (N_cap, L, D)
// words in the joint space, l2-normalised per fragment; padded word positions exactly 0.

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

/// The family "imram" of the registry (models/registry.h): IMRAM's three modes, SCAN t2i / i2t, VSE++.
class ImramModel : public RetrievalModel {
    // Declared first: members below are initialised in declaration order and draw from it.
    ModelConfig cfg_;
    Philox init_rng_;

public:
    /// Initialised as the official code (Xavier fc_local with zero bias, U(-0.1, 0.1) embeddings,
    /// PyTorch defaults elsewhere), reproducibly from `seed`.
    ImramModel(const ModelConfig& c, std::uint64_t seed, DType dt = DType::F32, Device dev = Device::cpu());

    std::string family() const override { return "imram"; }
    std::string mode() const override { return mode_name(cfg_.mode); }
    std::string describe() const override;
    std::map<std::string, std::string> config_metadata() const override;
    std::int64_t image_feature_size() const override { return cfg_.img_dim; }
    std::int64_t vocab_size() const override { return cfg_.vocab_size; }
    const Tensor& word_embedding() const override { return txt_enc.embed.weight; }
    double margin() const override { return cfg_.margin; }
    LossPlateau loss_plateau(std::int64_t batch, bool max_violation) const override;
    Device device() const override { return img_enc.fc_local.weight.device(); }

    /// features (N, R, F) -> regions (N, R, D)
    Tensor encode_images(const Tensor& features) const override { return img_enc.forward(features); }
    /// ids (N, L) -> words (N, L, D), padded positions 0
    Tensor encode_captions(const Tensor& ids, const std::vector<std::int64_t>& lengths) const override {
        return txt_enc.forward(ids, lengths);
    }
    /// Scores of the pairs (image img_idx[p], caption cap_idx[p]) -> (P). Differentiable.
    Tensor score_pairs(const Encoded& e, const std::vector<std::int64_t>& img_idx,
                       const std::vector<std::int64_t>& cap_idx) const override;
    /// The (N_img, N_cap) score matrix, in blocks of at most `max_pairs` pairs per call. Differentiable.
    Tensor score_matrix(const Encoded& e, std::int64_t max_pairs = 4096) const;
    /// The same matrix without autograd, through the op imram_score_all (every device; the exact
    /// shortcuts of the spec on cpu and CUDA). VSE++: score_matrix.
    Tensor score_all(const Encoded& e) const override;
    /// VSE++ only (a dual encoder): l2norm(mean of regions) and l2norm(mean of valid words), whose
    /// inner product is score_pairs' score.
    bool has_item_vectors() const override { return cfg_.mode == Mode::VSE; }
    Tensor image_vectors(const Tensor& regions) const override;
    Tensor caption_vectors(const Tensor& words, const std::vector<std::int64_t>& lengths) const override;
    /// The hardest-negative triplet loss (models/triplet_loss.h) with the model's margin.
    StepResult train_step(const Tensor& image_features, const Tensor& caption_ids,
                          const std::vector<std::int64_t>& lengths, const StepOptions& opt) const override;

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
