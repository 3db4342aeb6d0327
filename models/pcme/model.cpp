// SPDX-License-Identifier: MIT
// PCME's encoders, match probability and loss (spec 1.2-1.5, 2), on region features (spec 8.3).
#include "models/pcme/model.h"

#include <cstdio>
#include <map>

#include "core/autograd.h"
#include "core/ops.h"
#include "dist/communicator.h"
#include "models/pair_inputs.h"
#include "models/pcme/noise.h"
#include "nn/init.h"

namespace imram::models {
namespace {

const PcmeConfig& validated(const PcmeConfig& c) {
    c.validate();
    return c;
}

nn::Linear xavier_linear(std::int64_t in, std::int64_t out, bool bias, Philox& rng, DType dt, Device dev) {
    return nn::Linear(in, out, bias, rng, dt, dev, nn::Linear::Init::XavierZeroBias);
}

/// F.normalize: x / max(||x||, 1e-12). The engine's l2norm adds its eps to the norm instead; with 1e-12
/// the two differ by 1e-12 / ||x|| relative, and the normalised vectors here come out of a LayerNorm
/// (norm about sqrt(D) times its weights), so they agree to rounding.
Tensor normalize(const Tensor& x) { return l2norm(x, 1e-12); }

/// The output of a (B, L, H) sequence at each item's last valid position lengths[b] - 1 -> (B, H).
Tensor at_last_position(const Tensor& out, const std::vector<std::int64_t>& lengths) {
    const std::int64_t B = out.size(0), H = out.size(2);
    std::vector<std::int64_t> idx(static_cast<std::size_t>(B * H));
    for (std::int64_t b = 0; b < B; ++b)
        for (std::int64_t h = 0; h < H; ++h) idx[static_cast<std::size_t>(b * H + h)] = lengths[static_cast<std::size_t>(b)] - 1;
    return reshape(gather(out, 1, from_vector(idx, {B, 1, H}).to(out.device())), {B, H});
}

/// The identity (B, B) in `like`'s dtype and device: the positives of a batch.
Tensor identity(std::int64_t B, const Tensor& like) {
    std::vector<double> v(static_cast<std::size_t>(B * B), 0.0);
    for (std::int64_t i = 0; i < B; ++i) v[static_cast<std::size_t>(i * B + i)] = 1.0;
    return from_vector(v, {B, B}).to(like.dtype()).to(like.device());
}

/// The K samples of an encoded side (N, 2 + K, D) -> (N, K, D).
Tensor samples_of(const Tensor& encoded) { return slice(encoded, 1, 2, encoded.size(1)); }

/// VIB's KL term as the official code computes it (spec 2, 10.3): logsig read as a log-variance and the
/// samples' mean zbar in place of mu: -0.5 sum(1 + logsig - zbar^2 - exp(logsig)).
Tensor vib_kl(const Tensor& encoded) {
    const Tensor logsig = reshape(slice(encoded, 1, 1, 2), {encoded.size(0), encoded.size(2)});
    const Tensor zbar = mean(samples_of(encoded), {1});
    return mul(sum(sub(sub(add(logsig, 1.0), mul(zbar, zbar)), exp(logsig))), -0.5);
}

}  // namespace

PcmeAttention::PcmeAttention(std::int64_t d_in, Philox& rng, DType dt, Device dev)
    : w_1(xavier_linear(d_in, d_in / 2, false, rng, dt, dev)), w_2(xavier_linear(d_in / 2, 1, false, rng, dt, dev)) {
    register_module("w_1", w_1);
    register_module("w_2", w_2);
}

Tensor PcmeAttention::forward(const Tensor& x, const Tensor& valid) const {
    // One head: the fused softmax over positions and weighted sum (attention_pool, head mean of one).
    return attention_pool(x, w_2.forward(tanh(w_1.forward(x))), valid);
}

PcmePie::PcmePie(std::int64_t d_in, std::int64_t D, Philox& rng, DType dt, Device dev)
    : attention(d_in, rng, dt, dev), fc(xavier_linear(d_in, D, true, rng, dt, dev)), layer_norm(D, 1e-5, dt, dev) {
    register_module("attention", attention);
    register_module("fc", fc);
    register_module("layer_norm", layer_norm);
}

Tensor PcmePie::forward(const Tensor& o, const Tensor& x, const Tensor& valid) const {
    return normalize(layer_norm.forward(add(o, sigmoid(fc.forward(attention.forward(x, valid))))));
}

PcmeImageUncertainty::PcmeImageUncertainty(std::int64_t F, std::int64_t D, Philox& rng, DType dt, Device dev)
    : attention(F, rng, dt, dev), fc(xavier_linear(F, D, true, rng, dt, dev)), fc2(F, D, true, rng, dt, dev) {
    register_module("attention", attention);
    register_module("fc", fc);
    register_module("fc2", fc2);
}

PcmeTextUncertainty::PcmeTextUncertainty(std::int64_t W, std::int64_t D, Philox& rng, DType dt, Device dev)
    : attention(W, rng, dt, dev), fc(xavier_linear(W, D, true, rng, dt, dev)), rnn(W, D / 2, true, rng, dt, dev) {
    register_module("attention", attention);
    register_module("fc", fc);
    register_module("rnn", rnn);
}

PcmeImageEncoder::PcmeImageEncoder(const PcmeConfig& c, Philox& rng, DType dt, Device dev)
    : fc(c.img_dim, c.embed_size, true, rng, dt, dev),  // PyTorch's default: init_weights is never called (spec 10.9)
      pie_net(c.img_dim, c.embed_size, rng, dt, dev),
      uncertain_net(c.img_dim, c.embed_size, rng, dt, dev) {
    register_module("fc", fc);
    register_module("pie_net", pie_net);
    register_module("uncertain_net", uncertain_net);
}

PcmeTextEncoder::PcmeTextEncoder(const PcmeConfig& c, Philox& rng, DType dt, Device dev)
    : embed(c.vocab_size, c.word_dim, rng, dt, dev),
      rnn(c.word_dim, c.embed_size / 2, true, rng, dt, dev),
      pie_net(c.word_dim, c.embed_size, rng, dt, dev),
      uncertain_net(c.word_dim, c.embed_size, rng, dt, dev) {
    // N(0, 1), as the official embedding before GloVe overwrites the rows it knows (spec 1.3).
    std::vector<double> w(static_cast<std::size_t>(embed.weight.numel()));
    for (double& x : w) x = rng.normal();
    embed.weight.copy_(from_vector(w, embed.weight.shape()));
    register_module("embed", embed);
    register_module("rnn", rnn);
    register_module("pie_net", pie_net);
    register_module("uncertain_net", uncertain_net);
}

PcmeCriterion::PcmeCriterion(const PcmeConfig& c, DType dt, Device dev)
    : negative_scale(full({1}, c.init_negative_scale, dt, dev)), shift(full({1}, c.init_shift, dt, dev)) {
    negative_scale.set_requires_grad();
    shift.set_requires_grad();
    register_parameter("negative_scale", negative_scale);
    register_parameter("shift", shift);
}

PcmeModel::PcmeModel(const PcmeConfig& c, std::uint64_t seed, DType dt, Device dev)
    : cfg_(validated(c)),
      init_rng_(seed),
      img_enc(cfg_, init_rng_, dt, dev),
      txt_enc(cfg_, init_rng_, dt, dev),
      criterion(cfg_, dt, dev) {
    register_module("img_enc", img_enc);
    register_module("txt_enc", txt_enc);
    register_module("criterion", criterion);
}

std::string PcmeModel::describe() const {
    char buf[192];
    const std::string samples = cfg_.n_samples_inference == 0 ? std::string("the means alone")
                                                               : "K " + std::to_string(cfg_.n_samples_inference) + " samples";
    std::snprintf(buf, sizeof buf, "pcme (embed_size %lld, %s, a %.4g, b %.4g, vib_beta %.3g)",
                  static_cast<long long>(cfg_.embed_size), samples.c_str(),
                  criterion.negative_scale.detach().to(Device::cpu()).item<double>(),
                  criterion.shift.detach().to(Device::cpu()).item<double>(), cfg_.vib_beta);
    return buf;
}

PcmeGaussians PcmeModel::image_gaussians(const Tensor& features) const {
    IMRAM_CHECK(features.dim() == 3 && features.size(2) == cfg_.img_dim && features.size(1) >= 1,
                "pcme: expected image features (N, R >= 1, ", cfg_.img_dim, "), got ", features.describe());
    const Tensor p = mean(features, {1});  // the analogue of the grid's average pool (spec 8.3)
    const Tensor mu = img_enc.pie_net.forward(img_enc.fc.forward(p), features, Tensor());
    const PcmeImageUncertainty& u = img_enc.uncertain_net;
    const Tensor logsig = add(u.fc.forward(u.attention.forward(features, Tensor())), u.fc2.forward(p));
    return {mu, logsig};
}

PcmeGaussians PcmeModel::caption_gaussians(const Tensor& ids, const std::vector<std::int64_t>& lengths) const {
    IMRAM_CHECK(ids.dim() == 2 && static_cast<std::int64_t>(lengths.size()) == ids.size(0),
                "pcme: expected ids (N, L) and N lengths, got ", ids.describe(), " and ", lengths.size(), " lengths");
    const Tensor E = txt_enc.embed.forward(ids.to(device()));
    const Tensor valid = length_mask(lengths, ids.size(1), device());
    // The sentence vector: [forward ; backward] at the last position (spec 1.3, 10.7: the backward half
    // has seen only <end>).
    const Tensor sentence = at_last_position(txt_enc.rnn.forward_concatenated(E, lengths), lengths);
    const Tensor mu = txt_enc.pie_net.forward(sentence, E, valid);
    const PcmeTextUncertainty& u = txt_enc.uncertain_net;
    const Tensor logsig = add(u.fc.forward(u.attention.forward(E, valid)),
                              at_last_position(u.rnn.forward_concatenated(E, lengths), lengths));
    return {mu, logsig};
}

Tensor PcmeModel::pack(const PcmeGaussians& g, const Tensor& eps) {
    return cat({unsqueeze(g.mu, 1), unsqueeze(g.logsig, 1), gaussian_sample(g.mu, g.logsig, eps)}, 1);
}

Tensor PcmeModel::encode_images(const Tensor& features) const {
    const PcmeGaussians g = image_gaussians(features);
    if (cfg_.n_samples_inference == 0) return pack(g, zeros({g.mu.size(0), 1, g.mu.size(1)}, g.mu.dtype(), device()));
    return pack(g, image_noise(features, cfg_.n_samples_inference, cfg_.embed_size, cfg_.sample_seed, 0,
                               g.mu.dtype(), device()));
}

Tensor PcmeModel::encode_captions(const Tensor& ids, const std::vector<std::int64_t>& lengths) const {
    const PcmeGaussians g = caption_gaussians(ids, lengths);
    if (cfg_.n_samples_inference == 0) return pack(g, zeros({g.mu.size(0), 1, g.mu.size(1)}, g.mu.dtype(), device()));
    return pack(g, caption_noise(ids, lengths, cfg_.n_samples_inference, cfg_.embed_size, cfg_.sample_seed, 0,
                                 g.mu.dtype(), device()));
}

Tensor PcmeModel::score_pairs(const Encoded& e, const std::vector<std::int64_t>& img_idx,
                              const std::vector<std::int64_t>& cap_idx) const {
    IMRAM_CHECK(img_idx.size() == cap_idx.size(), "pcme: ", img_idx.size(), " image indices for ", cap_idx.size(),
                " caption indices");
    // The distinct images and captions of the pairs, one match-probability block over them, then the
    // pairs' entries.
    std::map<std::int64_t, std::int64_t> ui, uc;
    for (std::int64_t i : img_idx) ui.emplace(i, 0);
    for (std::int64_t j : cap_idx) uc.emplace(j, 0);
    std::vector<std::int64_t> li, lc;
    for (auto& [k, v] : ui) v = static_cast<std::int64_t>(li.size()), li.push_back(k);
    for (auto& [k, v] : uc) v = static_cast<std::int64_t>(lc.size()), lc.push_back(k);
    const auto sel = [&](const Tensor& enc, const std::vector<std::int64_t>& idx) {
        return samples_of(index_select(enc, 0, from_vector(idx, {static_cast<std::int64_t>(idx.size())}).to(device())));
    };
    const Tensor block = exp(match_log_prob(sel(e.images, li), sel(e.captions, lc), criterion.negative_scale,
                                            criterion.shift));
    std::vector<std::int64_t> flat;
    for (std::size_t p = 0; p < img_idx.size(); ++p)
        flat.push_back(ui.at(img_idx[p]) * static_cast<std::int64_t>(lc.size()) + uc.at(cap_idx[p]));
    return index_select(reshape(block, {-1}), 0,
                        from_vector(flat, {static_cast<std::int64_t>(flat.size())}).to(device()));
}

Tensor PcmeModel::score_all(const Encoded& e) const {
    const autograd::NoGradGuard no_grad;
    return exp(match_log_prob(samples_of(e.images), samples_of(e.captions), criterion.negative_scale, criterion.shift));
}

Tensor PcmeModel::score_all_matmul(const Encoded& e) const {
    const autograd::NoGradGuard no_grad;
    const double K = static_cast<double>(e.images.size(1) - 2);
    return mul(matmul(mean(samples_of(e.images), {1}), transpose(mean(samples_of(e.captions), {1}), 0, 1)),
               K * static_cast<double>(e.captions.size(1) - 2));
}

Tensor PcmeModel::image_vectors(const Tensor& encoded) const {
    const autograd::NoGradGuard no_grad;
    IMRAM_CHECK(encoded.dim() == 3 && encoded.size(1) > 2, "image_vectors: expected PCME encodings (N, 2 + K, D), got ",
                encoded.describe());
    return mean(samples_of(encoded), {1});  // score_all_matmul = K_img K_cap <mean_i, mean_c>
}

Tensor PcmeModel::caption_vectors(const Tensor& encoded, const std::vector<std::int64_t>&) const {
    return image_vectors(encoded);
}

Tensor PcmeModel::score_all_alternative(const Encoded& e, const std::string& name) const {
    IMRAM_CHECK(name == "matmul", "pcme: no alternative score '", name, "' (it has matmul)");
    return score_all_matmul(e);
}

Tensor PcmeModel::uncertainty(const Tensor& encoded) const {
    const autograd::NoGradGuard no_grad;
    IMRAM_CHECK(encoded.dim() == 3 && encoded.size(1) >= 3, "pcme: expected encodings (N, 2 + K, D), got ",
                encoded.describe());
    return mean(exp(reshape(slice(encoded, 1, 1, 2), {encoded.size(0), encoded.size(2)})), {1});
}

Tensor PcmeModel::loss(const Encoded& e, PcmeLossParts* parts) const {
    const std::int64_t B = e.images.size(0);
    IMRAM_CHECK(e.captions.size(0) == B, "pcme: the loss needs B images and their B captions, got ", B, " and ",
                e.captions.size(0));
    const Tensor positive = identity(B, e.images);
    // NLL of every (image i, caption j): -log p for i = j, -log(1 - p) otherwise, summed (spec 2, 10.2).
    const Tensor nll_i2t = neg(sum(match_log_prob(samples_of(e.images), samples_of(e.captions),
                                                  criterion.negative_scale, criterion.shift, positive)));
    // L_t2i takes the same B^2 pairs and distances with the captions as anchors: it equals L_i2t
    // exactly in real arithmetic, so the loss counts L_i2t twice (the gradient is the official one).
    const Tensor kl_img = vib_kl(e.images), kl_txt = vib_kl(e.captions);
    const Tensor total = add(mul(nll_i2t, 2.0), mul(add(kl_img, kl_txt), cfg_.vib_beta));
    if (parts) {
        parts->i2t = parts->t2i = nll_i2t.detach().to(Device::cpu()).item<double>();
        parts->kl_images = kl_img.detach().to(Device::cpu()).item<double>();
        parts->kl_captions = kl_txt.detach().to(Device::cpu()).item<double>();
    }
    return total;
}

Tensor PcmeModel::loss_rows(const Encoded& e, std::int64_t first, std::int64_t last, bool with_kl) const {
    const std::int64_t B = e.images.size(0);
    IMRAM_CHECK(e.captions.size(0) == B && 0 <= first && first < last && last <= B, "pcme: loss_rows [", first, ", ",
                last, ") of ", B, " images and ", e.captions.size(0), " captions");
    const Tensor positive = slice(identity(B, e.images), 0, first, last);
    const Tensor nll = neg(sum(match_log_prob(samples_of(slice(e.images, 0, first, last)), samples_of(e.captions),
                                              criterion.negative_scale, criterion.shift, positive)));
    const Tensor part = mul(nll, 2.0);
    return with_kl ? add(part, mul(add(vib_kl(e.images), vib_kl(e.captions)), cfg_.vib_beta)) : part;
}

StepResult PcmeModel::train_step(const Tensor& image_features, const Tensor& caption_ids,
                                 const std::vector<std::int64_t>& lengths, const StepOptions& opt) const {
    IMRAM_CHECK(cfg_.n_samples_inference >= 1, "pcme: training needs n_samples_inference >= 1 (0, the means "
                "alone, is an evaluation variant)");
    const Tensor x = image_features.to(device());
    const PcmeGaussians gi = image_gaussians(x), gc = caption_gaussians(caption_ids, lengths);
    // Fresh draws every step (the official code draws at every forward); step 0 is evaluation's.
    const std::uint64_t step = opt.step + 1;
    const std::int64_t K = cfg_.n_samples_inference, D = cfg_.embed_size;
    Encoded e{pack(gi, image_noise(x, K, D, cfg_.sample_seed, step, gi.mu.dtype(), device())),
              pack(gc, caption_noise(caption_ids, lengths, K, D, cfg_.sample_seed, step, gc.mu.dtype(), device())),
              lengths};
    IMRAM_CHECK(opt.not_negative.empty(), "pcme: the soft contrastive loss treats every off-diagonal pair as a "
                "negative, as the official code; --mask_duplicates is not supported for pcme");
    // Several processes (dist::world()): each takes the loss of its block of image rows (the first
    // adds the KL terms); the parameter gradients are partial sums until the trainer adds them over
    // the processes, and the loss is their sum in rank order.
    const dist::Communicator& comm = dist::world();
    const auto [first, last] = dist::shard(e.images.size(0), comm.rank(), comm.size());
    const Tensor l = comm.size() == 1 ? loss(e) : loss_rows(e, first, last, comm.rank() == 0);
    if (l.requires_grad()) l.backward();  // false only when every parameter it reaches is held fixed
    StepResult r;
    std::vector<double> value{l.detach().to(Device::cpu()).item<double>()};
    comm.all_reduce_sum(value);
    r.loss = value[0];
    r.scores = score_all(Encoded{e.images.detach(), e.captions.detach(), lengths});
    r.pairs_backpropagated = e.images.size(0) * e.captions.size(0);
    return r;
}

}  // namespace imram::models
