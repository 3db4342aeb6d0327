// SPDX-License-Identifier: MIT
// CAMP (Wang et al., ICCV 2019) on the engine: the official code's two models, as the shared
// CAMP_SPEC.md describes them, composed of engine ops (autograd on every backend).
//
// Shape letters: N items, R regions, F region features, L words (incl. <start>/<end>), D embedding,
// W word vectors, V vocabulary, P pairs (image, caption).
//
// Parameters carry the official state-dict names without the DataParallel prefix, under the three
// modules the official checkpoint lists: img_enc.fc.{weight,bias}; txt_enc.embed.weight,
// txt_enc.rnn.{weight,bias}_{ih,hh}_l0[_reverse]; sim.{img,txt,weighted_img,weighted_txt}_{query,key}_fc.weight,
// sim.fc_1.0.weight, sim.fc_2.0.weight, sim.fc_out.{0,3}.{weight,bias},
// sim.final_reduce_{1,2}.linear.{0,2}.{weight,bias}. The stage-1 model (camp_xattn) holds the fusion
// head too, unused, as the official checkpoints of both stages load into one another.
#pragma once

#include <cstdint>
#include <vector>

#include "models/camp/config.h"
#include "models/hardest_negative_bce.h"
#include "models/retrieval_model.h"
#include "nn/layers.h"

namespace imram::models {

// Encoded (models/retrieval_model.h) here: images (N_img, R, 3D) = [v | v Wq_img^T | v Wk_img^T] and
// captions (N_cap, L, 3D) = [t | t Wq_txt^T | t Wk_txt^T]: the region and word features, NOT
// normalised (the official no_imgnorm / no_txtnorm), with their query and key projections of spec
// 1.5, made once per item here rather than once per pair. Padded word positions exactly 0 (the
// projections have no bias).

/// The multi-head attention summary of a set of fused features (SummaryAttn, spec 1.8).
class CampSummary : public nn::Module {
public:
    CampSummary(std::int64_t D, Philox& rng, DType dt, Device dev);
    /// x (P, n, D), valid (P, n) Bool or undefined -> (P, D): sum_p (mean over heads of alpha_h[p]) x[p].
    Tensor forward(const Tensor& x, const Tensor& valid) const;
    nn::Linear linear0, linear2;
};

/// The scoring module of the official code (criterion.sim): the 8 projections, the fusion head.
class CampScorer : public nn::Module {
public:
    CampScorer(const CampConfig& c, Philox& rng, DType dt, Device dev);
    nn::Linear img_query_fc, img_key_fc, txt_query_fc, txt_key_fc;
    nn::Linear weighted_img_query_fc, weighted_img_key_fc, weighted_txt_query_fc, weighted_txt_key_fc;
    nn::Linear fc_1, fc_2, fc_out0, fc_out3;
    CampSummary final_reduce_1, final_reduce_2;
};

class CampImageEncoder : public nn::Module {
public:
    CampImageEncoder(const CampConfig& c, Philox& rng, DType dt, Device dev);
    nn::Linear fc;
};

class CampTextEncoder : public nn::Module {
public:
    CampTextEncoder(const CampConfig& c, Philox& rng, DType dt, Device dev);
    nn::Embedding embed;
    nn::GRU rnn;
};

/// The family "camp" of the registry (models/registry.h): modes camp and camp_xattn.
class CampModel : public RetrievalModel {
    // Declared first: members below are initialised in declaration order and draw from it.
    CampConfig cfg_;
    Philox init_rng_;

public:
    /// Initialised as the official code (spec 6.3), reproducibly from `seed`.
    CampModel(const CampConfig& c, std::uint64_t seed, DType dt = DType::F32, Device dev = Device::cpu());

    std::string family() const override { return "camp"; }
    std::string mode() const override { return camp_mode_name(cfg_.mode); }
    std::string describe() const override;
    std::map<std::string, std::string> config_metadata() const override { return cfg_.to_metadata(); }
    std::int64_t image_feature_size() const override { return cfg_.img_dim; }
    std::int64_t vocab_size() const override { return cfg_.vocab_size; }
    const Tensor& word_embedding() const override { return txt_enc.embed.weight; }
    double margin() const override { return 0.0; }  // the BCE loss has none
    LossPlateau loss_plateau(std::int64_t batch, bool max_violation) const override {
        return bce_plateau(batch, max_violation);
    }
    Device device() const override { return img_enc.fc.weight.device(); }
    const CampConfig& config() const { return cfg_; }

    /// features (N, R, F) -> v = fc(features) and its projections (N, R, 3D)
    Tensor encode_images(const Tensor& features) const override;
    /// ids (N, L) -> t = (gru_fwd + gru_bwd) / 2 and its projections (N, L, 3D), padded positions 0
    Tensor encode_captions(const Tensor& ids, const std::vector<std::int64_t>& lengths) const override;

    Tensor score_pairs(const Encoded& e, const std::vector<std::int64_t>& img_idx,
                       const std::vector<std::int64_t>& cap_idx) const override;
    /// Every pair, without the tape, by the exact algebra of spec section 8 (models/camp/score_all.cpp):
    /// per-item products made once, per pair only the attention matrices and SummaryAttn's first layer;
    /// about `kScoreAllPairs` pairs at a time (the memory of one such block).
    Tensor score_all(const Encoded& e) const override;
    static constexpr std::int64_t kScoreAllPairs = 256;
    /// The hardest-negative BCE (models/hardest_negative_bce.h) with the sparse backward.
    StepResult train_step(const Tensor& image_features, const Tensor& caption_ids,
                          const std::vector<std::int64_t>& lengths, const StepOptions& opt) const override;

    CampImageEncoder img_enc;
    CampTextEncoder txt_enc;
    CampScorer sim;
};

}  // namespace imram::models
