// SPDX-License-Identifier: MIT
// CAMP's encoders and pairwise scoring (spec 1.1-1.12), batched over pairs with padding masks (the
// official code expands every (image, caption) pair to 50 padded word positions; spec 1.11 shows that
// masking the pads, as here, is exact). Per-item projections are computed once per call and gathered
// per pair.
#include "models/camp/model.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/autograd.h"
#include "core/ops.h"
#include "models/hardest_negative_bce.h"
#include "models/pair_inputs.h"
#include "nn/init.h"

namespace imram::models {
namespace {

/// Spec 1.4: softmax over the keys of q k^T / sqrt(D), keys with key_valid (P, m) false excluded (the
/// official -1e9 fill gives them weight exactly 0), times v. q (P, n, D), k and v (P, m, D). One fused op.
Tensor attend(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& key_valid) {
    return scaled_dot_attention(q, k, v, key_valid, 1.0 / std::sqrt(static_cast<double>(q.size(2))));
}

/// U(-r, r) with r = sqrt(6 / (2 D)) for the weight, 0 for the bias: the official init_weights
/// (spec 6.3; r is computed from 1024 + 1024 whatever the layer's shape).
void camp_uniform_(nn::Linear& l, std::int64_t D, Philox& rng) {
    const double r = std::sqrt(6.0) / std::sqrt(static_cast<double>(2 * D));
    nn::uniform_(l.weight, -r, r, rng);
    if (l.bias.defined()) l.bias.zero_();
}

const CampConfig& validated(const CampConfig& c) {
    c.validate();
    return c;
}

}  // namespace

CampSummary::CampSummary(std::int64_t D, Philox& rng, DType dt, Device dev)
    : linear0(D, D, true, rng, dt, dev), linear2(D, kCampSummaryHeads, true, rng, dt, dev) {
    register_module("linear.0", linear0);
    register_module("linear.2", linear2);
}

Tensor CampSummary::forward(const Tensor& x, const Tensor& valid) const {
    // Softmax over the positions per head, the heads' mean as the weights, the weighted sum: one fused op.
    return attention_pool(x, linear2.forward(relu(linear0.forward(x))), valid);
}

CampScorer::CampScorer(const CampConfig& c, Philox& rng, DType dt, Device dev)
    : img_query_fc(c.embed_size, c.embed_size, false, rng, dt, dev),
      img_key_fc(c.embed_size, c.embed_size, false, rng, dt, dev),
      txt_query_fc(c.embed_size, c.embed_size, false, rng, dt, dev),
      txt_key_fc(c.embed_size, c.embed_size, false, rng, dt, dev),
      weighted_img_query_fc(c.embed_size, c.embed_size, false, rng, dt, dev),
      weighted_img_key_fc(c.embed_size, c.embed_size, false, rng, dt, dev),
      weighted_txt_query_fc(c.embed_size, c.embed_size, false, rng, dt, dev),
      weighted_txt_key_fc(c.embed_size, c.embed_size, false, rng, dt, dev),
      fc_1(2 * c.embed_size, c.embed_size, false, rng, dt, dev),
      fc_2(2 * c.embed_size, c.embed_size, false, rng, dt, dev),
      fc_out0(2 * c.embed_size, c.embed_size, true, rng, dt, dev),
      fc_out3(c.embed_size, 1, true, rng, dt, dev),
      final_reduce_1(c.embed_size, rng, dt, dev),
      final_reduce_2(c.embed_size, rng, dt, dev) {
    for (nn::Linear* l : {&img_key_fc, &txt_key_fc, &fc_1, &fc_2, &fc_out0, &fc_out3}) camp_uniform_(*l, c.embed_size, rng);
    register_module("img_query_fc", img_query_fc);
    register_module("img_key_fc", img_key_fc);
    register_module("txt_query_fc", txt_query_fc);
    register_module("txt_key_fc", txt_key_fc);
    register_module("weighted_img_query_fc", weighted_img_query_fc);
    register_module("weighted_img_key_fc", weighted_img_key_fc);
    register_module("weighted_txt_query_fc", weighted_txt_query_fc);
    register_module("weighted_txt_key_fc", weighted_txt_key_fc);
    register_module("fc_1.0", fc_1);
    register_module("fc_2.0", fc_2);
    register_module("fc_out.0", fc_out0);
    register_module("fc_out.3", fc_out3);
    register_module("final_reduce_1", final_reduce_1);
    register_module("final_reduce_2", final_reduce_2);
}

CampImageEncoder::CampImageEncoder(const CampConfig& c, Philox& rng, DType dt, Device dev)
    : fc(c.img_dim, c.embed_size, true, rng, dt, dev, nn::Linear::Init::XavierZeroBias) {
    register_module("fc", fc);
}

CampTextEncoder::CampTextEncoder(const CampConfig& c, Philox& rng, DType dt, Device dev)
    : embed(c.vocab_size, c.word_dim, rng, dt, dev), rnn(c.word_dim, c.embed_size, true, rng, dt, dev) {
    register_module("embed", embed);
    register_module("rnn", rnn);
}

CampModel::CampModel(const CampConfig& c, std::uint64_t seed, DType dt, Device dev)
    : cfg_(validated(c)),
      init_rng_(seed),
      img_enc(c, init_rng_, dt, dev),
      txt_enc(c, init_rng_, dt, dev),
      sim(c, init_rng_, dt, dev) {
    register_module("img_enc", img_enc);
    register_module("txt_enc", txt_enc);
    register_module("sim", sim);
}

std::string CampModel::describe() const {
    char b[96];
    std::snprintf(b, sizeof b, "%s, D %lld", camp_mode_name(cfg_.mode), static_cast<long long>(cfg_.embed_size));
    return b;
}

Tensor CampModel::encode_images(const Tensor& features) const {
    const Tensor v = img_enc.fc.forward(features);
    return cat({v, sim.img_query_fc.forward(v), sim.img_key_fc.forward(v)}, 2);
}

Tensor CampModel::encode_captions(const Tensor& ids, const std::vector<std::int64_t>& lengths) const {
    const Tensor t = txt_enc.rnn.forward(txt_enc.embed.forward(ids), lengths);
    return cat({t, sim.txt_query_fc.forward(t), sim.txt_key_fc.forward(t)}, 2);
}

Tensor CampModel::score_pairs(const Encoded& e, const std::vector<std::int64_t>& img_idx,
                              const std::vector<std::int64_t>& cap_idx) const {
    IMRAM_CHECK(img_idx.size() == cap_idx.size() && !img_idx.empty(), "score_pairs: need as many image as caption ",
                "indices (and at least one pair), got ", img_idx.size(), " and ", cap_idx.size());
    const std::int64_t Ni = e.images.size(0), Nc = e.captions.size(0), L = e.captions.size(1);
    std::vector<std::int64_t> lengths;
    for (std::size_t p = 0; p < img_idx.size(); ++p) {
        IMRAM_CHECK(img_idx[p] >= 0 && img_idx[p] < Ni, "score_pairs: image index ", img_idx[p], " outside [0, ", Ni, ")");
        IMRAM_CHECK(cap_idx[p] >= 0 && cap_idx[p] < Nc, "score_pairs: caption index ", cap_idx[p], " outside [0, ", Nc, ")");
        lengths.push_back(e.lengths[static_cast<std::size_t>(cap_idx[p])]);
    }
    const Device dev = e.images.device();
    const std::int64_t D = cfg_.embed_size;
    IMRAM_CHECK(e.images.dim() == 3 && e.images.size(2) == 3 * D && e.captions.dim() == 3 && e.captions.size(2) == 3 * D,
                "score_pairs: expected CAMP encodings (N, R, 3D) and (N, L, 3D) with D = ", D, ", got ",
                e.images.describe(), " and ", e.captions.describe());
    // Spec 1.5: the per-item projections were made by the encoders; gathered per pair.
    const Tensor pi = index_select(e.images, 0, index_tensor(img_idx));    // (P, R, 3D)
    const Tensor pc = index_select(e.captions, 0, index_tensor(cap_idx));  // (P, L, 3D)
    const Tensor v = slice(pi, 2, 0, D), qv = slice(pi, 2, D, 2 * D), kv = slice(pi, 2, 2 * D, 3 * D);
    const Tensor t = slice(pc, 2, 0, D), qt = slice(pc, 2, D, 2 * D), kt = slice(pc, 2, 2 * D, 3 * D);
    const Tensor valid = length_mask(lengths, L, dev);  // (P, L)
    const Tensor a_t = attend(qv, kt, t, valid);         // (P, R, D) textual message per region
    const Tensor a_v = attend(qt, kv, v, Tensor());      // (P, L, D) visual message per word position
    // Spec 1.6: refinement, self-attention among the messages.
    Tensor f_v = attend(sim.weighted_txt_query_fc.forward(a_t), sim.weighted_txt_key_fc.forward(a_t), a_t, Tensor());
    const Tensor k_wimg = sim.weighted_img_key_fc.forward(a_v);
    Tensor f_t = attend(sim.weighted_img_query_fc.forward(a_v), k_wimg, a_v, valid);

    if (cfg_.mode == CampMode::CrossAttention) {
        // Spec 1.12: means, the text's over all kCampPadLength rows of the official tensor. Every pad row
        // is the same (its visual message is the plain mean of the regions), so it is computed once.
        const Tensor s_v = mean(f_v, {1});
        const Tensor a_pad = mean(v, {1}, true);  // (P, 1, D)
        const Tensor f_pad = squeeze(attend(sim.weighted_img_query_fc.forward(a_pad), k_wimg, a_v, valid), 1);
        std::vector<double> pads, denom;
        for (std::int64_t len : lengths) {
            const std::int64_t n_pad = std::max<std::int64_t>(0, kCampPadLength - len);
            pads.push_back(static_cast<double>(n_pad));
            denom.push_back(static_cast<double>(len + n_pad));
        }
        const std::int64_t P = static_cast<std::int64_t>(lengths.size());
        auto column = [&](const std::vector<double>& x) { return from_vector(x, {P, 1}, dev).to(f_t.dtype()); };
        const Tensor vf = unsqueeze(valid.to(DType::I64).to(f_t.dtype()), 2);
        const Tensor s_t = div(add(sum(mul(f_t, vf), {1}), mul(f_pad, column(pads))), column(denom));
        return sum(mul(l2norm(s_v), l2norm(s_t)), {1});
    }
    // Spec 1.6-1.9: normalised messages, scalar gates, fusion with residual, summaries, the MLP.
    f_v = l2norm(f_v);
    f_t = l2norm(f_t);
    // h = relu(g W [x; f]) + x with g = sigmoid(<x, f>) per row: W (g [x; f]) = g (W [x; f]) as the fusion
    // layers have no bias, so the GEMM runs on [x; f] and one fused op applies gate, relu and residual.
    const Tensor h_v = camp_gated_fusion(v, f_v, sim.fc_1.forward(cat({v, f_v}, 2)));  // (P, R, D)
    const Tensor h_t = camp_gated_fusion(t, f_t, sim.fc_2.forward(cat({t, f_t}, 2)));  // (P, L, D)
    const Tensor s_v = l2norm(sim.final_reduce_1.forward(h_v, Tensor()));
    const Tensor s_t = l2norm(sim.final_reduce_2.forward(h_t, valid));
    const Tensor out = sigmoid(sim.fc_out3.forward(relu(sim.fc_out0.forward(cat({s_v, s_t}, 1)))));  // (P, 1)
    return squeeze(out, 1);
}

StepResult CampModel::train_step(const Tensor& image_features, const Tensor& caption_ids,
                                 const std::vector<std::int64_t>& lengths, const StepOptions& opt) const {
    return hardest_negative_bce_step(*this, image_features, caption_ids, lengths, opt);
}

}  // namespace imram::models
