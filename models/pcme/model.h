// SPDX-License-Identifier: MIT
// PCME (Chun et al., CVPR 2021) on region features ("PCME-SCAN", spec 8.3): every image and caption is
// a Gaussian N(mu, diag(exp(logsig)^2)) in the joint space, represented by K samples; a pair's score
// is the match probability over the K x K sample pairs (spec 1.5). The image head of spec 1.2 runs
// over the regions (36 BUTD boxes or a 7 x 7 grid: any number) with p = their mean; the caption
// encoder is spec 1.3. Composed of engine ops (autograd on every backend); the match probability is
// one fused op (match_log_prob).
//
// Parameters carry the official names (spec 6.2) without img_enc.cnn.*: img_enc.fc,
// img_enc.pie_net.{attention.w_1, attention.w_2, fc, layer_norm}, img_enc.uncertain_net.{attention.w_1,
// attention.w_2, fc, fc2}, txt_enc.embed, txt_enc.rnn, txt_enc.pie_net.{...}, txt_enc.uncertain_net.{
// attention.w_1, attention.w_2, fc, rnn}, and the criterion's criterion.negative_scale, criterion.shift.
#pragma once

#include <cstdint>
#include <vector>

#include "models/pcme/config.h"
#include "models/retrieval_model.h"
#include "nn/layers.h"

namespace imram::models {

// Encoded (models/retrieval_model.h) here: images and captions (N, 2 + K, D) = [mu | logsig | z_1..z_K]:
// the mean (l2-normalised), the log standard deviation and the K samples z_k = mu + exp(logsig) eps_k.

/// Attention pooling of Lin et al. with one head (spec 1.2): sum_r softmax_r(w_2 tanh(w_1 x_r)) x_r.
class PcmeAttention : public nn::Module {
public:
    PcmeAttention(std::int64_t d_in, Philox& rng, DType dt, Device dev);
    /// x (N, n, d_in), valid (N, n) Bool or undefined -> (N, d_in)
    Tensor forward(const Tensor& x, const Tensor& valid) const;
    nn::Linear w_1, w_2;
};

/// The mean branch's residual (PIENet): mu = normalize(LayerNorm(o + sigmoid(fc(att(x))))).
class PcmePie : public nn::Module {
public:
    PcmePie(std::int64_t d_in, std::int64_t D, Philox& rng, DType dt, Device dev);
    Tensor forward(const Tensor& o, const Tensor& x, const Tensor& valid) const;
    PcmeAttention attention;
    nn::Linear fc;
    nn::LayerNorm layer_norm;
};

class PcmeImageUncertainty : public nn::Module {
public:
    PcmeImageUncertainty(std::int64_t F, std::int64_t D, Philox& rng, DType dt, Device dev);
    PcmeAttention attention;
    nn::Linear fc, fc2;
};

class PcmeTextUncertainty : public nn::Module {
public:
    PcmeTextUncertainty(std::int64_t W, std::int64_t D, Philox& rng, DType dt, Device dev);
    PcmeAttention attention;
    nn::Linear fc;
    nn::GRU rnn;
};

class PcmeImageEncoder : public nn::Module {
public:
    PcmeImageEncoder(const PcmeConfig& c, Philox& rng, DType dt, Device dev);
    nn::Linear fc;
    PcmePie pie_net;
    PcmeImageUncertainty uncertain_net;
};

class PcmeTextEncoder : public nn::Module {
public:
    PcmeTextEncoder(const PcmeConfig& c, Philox& rng, DType dt, Device dev);
    nn::Embedding embed;
    nn::GRU rnn;
    PcmePie pie_net;
    PcmeTextUncertainty uncertain_net;
};

/// The learnable scale and shift of the match probability (the official criterion's parameters).
class PcmeCriterion : public nn::Module {
public:
    PcmeCriterion(const PcmeConfig& c, DType dt, Device dev);
    Tensor negative_scale, shift;  // (1) each
};

/// One side's Gaussians: mu (N, D) l2-normalised, logsig (N, D).
struct PcmeGaussians {
    Tensor mu, logsig;
};

/// The loss's parts (spec 2), for logs and tests.
struct PcmeLossParts {
    double i2t = 0, t2i = 0, kl_images = 0, kl_captions = 0;
};

/// The family "pcme" of the registry (models/registry.h): mode pcme.
class PcmeModel : public RetrievalModel {
    PcmeConfig cfg_;
    Philox init_rng_;

public:
    /// Initialised as the official code (spec 6.2), reproducibly from `seed` (also the sample seed
    /// unless the config sets one).
    PcmeModel(const PcmeConfig& c, std::uint64_t seed, DType dt = DType::F32, Device dev = Device::cpu());

    std::string family() const override { return "pcme"; }
    std::string mode() const override { return "pcme"; }
    std::string describe() const override;
    std::map<std::string, std::string> config_metadata() const override { return cfg_.to_metadata(); }
    std::int64_t image_feature_size() const override { return cfg_.img_dim; }
    std::int64_t vocab_size() const override { return cfg_.vocab_size; }
    const Tensor& word_embedding() const override { return txt_enc.embed.weight; }
    double margin() const override { return 0.0; }
    /// The soft contrastive loss has no plateau of equal scores to watch for (pinned_loss 0).
    LossPlateau loss_plateau(std::int64_t, bool) const override { return {}; }
    Device device() const override { return img_enc.fc.weight.device(); }
    bool clipped(const std::string& name) const override { return name.rfind("criterion.", 0) != 0; }
    const PcmeConfig& config() const { return cfg_; }

    /// features (N, R, F) -> (N, 2 + K, D) with the evaluation draws (models/pcme/noise.h, step 0).
    Tensor encode_images(const Tensor& features) const override;
    Tensor encode_captions(const Tensor& ids, const std::vector<std::int64_t>& lengths) const override;

    PcmeGaussians image_gaussians(const Tensor& features) const;
    PcmeGaussians caption_gaussians(const Tensor& ids, const std::vector<std::int64_t>& lengths) const;
    /// [mu | logsig | samples] (N, 2 + K, D) from given draws eps (N, K, D).
    static Tensor pack(const PcmeGaussians& g, const Tensor& eps);

    /// Match probabilities (spec 1.5) of the pairs, with the tape.
    Tensor score_pairs(const Encoded& e, const std::vector<std::int64_t>& img_idx,
                       const std::vector<std::int64_t>& cap_idx) const override;
    /// Every pair's match probability (the official matching_prob), without the tape.
    Tensor score_all(const Encoded& e) const override;
    std::string score_name() const override { return "matching_prob"; }
    /// "matmul": the official code's other score (its validation score during training).
    std::vector<std::string> alternative_scores() const override { return {"matmul"}; }
    Tensor score_all_alternative(const Encoded& e, const std::string& name) const override;
    /// Every pair's sum over the K x K sample pairs of dot products (the official matmul score):
    /// K^2 <mean_k z_k, mean_k z'_k>, one GEMM of the sample means.
    Tensor score_all_matmul(const Encoded& e) const;
    /// The per-item uncertainty: the mean over dimensions of sigma = exp(logsig), (N).
    /// The samples' mean of each item: inner products rank as the "matmul" score (a positive factor
    /// K_img K_cap apart), so a first-stage index can be built over PCME's items.
    bool has_item_vectors() const override { return true; }
    Tensor image_vectors(const Tensor& encoded) const override;
    Tensor caption_vectors(const Tensor& encoded, const std::vector<std::int64_t>& lengths) const override;
    Tensor uncertainty(const Tensor& encoded) const override;
    bool has_uncertainty() const override { return true; }
    bool captions_per_word() const override { return false; }

    /// The loss of a batch (positives on the diagonal) from its encodings, with the tape (spec 2):
    /// L_i2t + L_t2i + vib_beta (KL_img + KL_txt).
    Tensor loss(const Encoded& e, PcmeLossParts* parts = nullptr) const;
    /// The part of the loss a process of a shared step computes: the NLL of the image rows
    /// [first, last) against every caption, twice, plus the KL terms when `with_kl` (one process
    /// adds them). The parts of all processes sum to loss(e).
    Tensor loss_rows(const Encoded& e, std::int64_t first, std::int64_t last, bool with_kl) const;
    StepResult train_step(const Tensor& image_features, const Tensor& caption_ids,
                          const std::vector<std::int64_t>& lengths, const StepOptions& opt) const override;

    PcmeImageEncoder img_enc;
    PcmeTextEncoder txt_enc;
    PcmeCriterion criterion;
};

}  // namespace imram::models
