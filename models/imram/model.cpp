// SPDX-License-Identifier: MIT
// Encoders and pairwise scoring, batched over pairs with padding masks (the official code instead
// loops over captions, slicing each to its length; the golden test checks the two agree).
#include "models/imram/model.h"

#include <algorithm>
#include <cstdio>

#include "core/autograd.h"
#include "core/ops.h"
#include "models/imram/attention.h"
#include "models/pair_inputs.h"
#include "models/triplet_loss.h"
#include "nn/init.h"

namespace imram::models {
namespace {

/// Mean over the valid positions of x (P, L, D) -> (P, D).
Tensor masked_mean(const Tensor& x, const Tensor& valid) {
    const Tensor vf = valid.to(DType::I64).to(x.dtype());  // (P, L)
    return div(sum(mul(x, unsqueeze(vf, 2)), {1}), unsqueeze(sum(vf, {1}), 1));
}

}  // namespace

ImageEncoder::ImageEncoder(const ModelConfig& c, Philox& rng, DType dt, Device dev)
    : fc_local(c.img_dim, c.embed_size, true, rng, dt, dev, nn::Linear::Init::XavierZeroBias) {
    register_module("fc_local", fc_local);
}

Tensor ImageEncoder::forward(const Tensor& features) const { return l2norm(fc_local.forward(features)); }

TextEncoder::TextEncoder(const ModelConfig& c, Philox& rng, DType dt, Device dev)
    : embed(c.vocab_size, c.word_dim, rng, dt, dev), rnn(c.word_dim, c.embed_size, true, rng, dt, dev) {
    register_module("embed", embed);
    register_module("rnn", rnn);
}

Tensor TextEncoder::forward(const Tensor& ids, const std::vector<std::int64_t>& lengths) const {
    return l2norm(rnn.forward(embed.forward(ids), lengths));
}

namespace {
const ModelConfig& validated(const ModelConfig& c) {
    c.validate();
    return c;
}
}  // namespace

ImramModel::ImramModel(const ModelConfig& c, std::uint64_t seed, DType dt, Device dev)
    : cfg_(validated(c)),
      init_rng_(seed),
      img_enc(c, init_rng_, dt, dev),
      txt_enc(c, init_rng_, dt, dev),
      linear_t2i(2 * c.embed_size, c.embed_size, true, init_rng_, dt, dev),
      gate_t2i(2 * c.embed_size, c.embed_size, true, init_rng_, dt, dev),
      linear_i2t(2 * c.embed_size, c.embed_size, true, init_rng_, dt, dev),
      gate_i2t(2 * c.embed_size, c.embed_size, true, init_rng_, dt, dev) {
    register_module("img_enc", img_enc);
    register_module("txt_enc", txt_enc);
    register_module("linear_t2i", linear_t2i);
    register_module("gate_t2i", gate_t2i);
    register_module("linear_i2t", linear_i2t);
    register_module("gate_i2t", gate_i2t);
}

std::string ImramModel::describe() const {
    char b[160];
    std::snprintf(b, sizeof b, "%s, K %lld, lambda %.3g, D %lld", mode_name(cfg_.mode), static_cast<long long>(cfg_.steps()),
                  cfg_.lambda_softmax, static_cast<long long>(cfg_.embed_size));
    return b;
}

std::map<std::string, std::string> ImramModel::config_metadata() const {
    std::map<std::string, std::string> m = cfg_.to_metadata();
    m["family"] = family();
    return m;
}

LossPlateau ImramModel::loss_plateau(std::int64_t batch, bool max_violation) const {
    return triplet_plateau(cfg_.margin, batch, max_violation);
}

StepResult ImramModel::train_step(const Tensor& features, const Tensor& ids, const std::vector<std::int64_t>& lengths,
                                  const StepOptions& opt) const {
    return contrastive_step(*this, features, ids, lengths, cfg_.margin, opt);
}

Tensor ImramModel::direction_scores(bool t2i, const Encoded& e, const Tensor& cap_items, const Tensor& img_idx,
                                        const Tensor& cap_idx, const Tensor& word_valid) const {
    // t2i: words (queries) attend to regions; i2t: regions attend to words (pads masked out).
    const Tensor img = index_select(e.images, 0, img_idx);  // (P, R, D)
    const Tensor cap = index_select(cap_items, 0, cap_idx);  // (P, L, D)
    const Tensor& orig = t2i ? cap : img;
    const Tensor& context = t2i ? img : cap;
    const Tensor q_valid = t2i ? word_valid : Tensor();
    const Tensor c_valid = t2i ? Tensor() : word_valid;
    const Agg agg = cfg_.uses_memory() ? Agg::Mean : cfg_.agg;  // IMRAM always averages (spec 1.5)
    const bool update = cfg_.uses_memory() && cfg_.steps() > 1;
    const Tensor& c_items = t2i ? e.images : cap_items;
    const Tensor& c_idx = t2i ? img_idx : cap_idx;
    // Exact hoisting (spec 1.4): W [q; c] = W^q q + W^c (alpha Y) = W^q q + alpha (Y W^c^T), with Y W^c^T
    // and the first step's W^q q computed once per item, not per pair.
    MemoryWeights w;
    Tensor pq0, pc;  // (P, Lq, 2D), (P, Ls, 2D)
    if (update) {
        w = t2i ? split_memory(linear_t2i, gate_t2i) : split_memory(linear_i2t, gate_i2t);
        pq0 = index_select(linear(t2i ? cap_items : e.images, w.wq, w.bias), 0, t2i ? cap_idx : img_idx);
        pc = index_select(linear(c_items, w.wc), 0, c_idx);
    }
    // The per-step cosine in the Gram form (spec 1.4): <x, c> = alpha . S with the raw step-1 logits S,
    // |c|^2 = alpha^T G alpha with the context Gram matrix G (once per item); the attended vectors are
    // never formed. Step 1 attends with S itself (q = orig). G is formed per item when there are more pairs
    // than items (whole score matrices), per pair otherwise (the loss's few chunked pairs).
    const Tensor S = attention_logits(orig, context);  // (P, Ls, Lq)
    const Tensor G = img_idx.size(0) > c_items.size(0)
                         ? index_select(bmm(c_items, transpose(c_items, 1, 2)), 0, c_idx)
                         : bmm(context, transpose(context, 1, 2));  // (P, Ls, Ls)
    const Tensor xnorm = norm(orig, -1);                             // (P, Lq)
    Tensor q = orig, total;
    for (std::int64_t k = 0; k < cfg_.steps(); ++k) {
        const Tensor logits = k == 0 ? S : attention_logits(q, context);
        const Tensor alpha = clipped_attention(logits, q_valid, c_valid, cfg_.lambda_softmax);  // (P, Lq, Ls)
        const Tensor f = pool_fragments(gram_cosine(alpha, S, G, xnorm), q_valid, agg, cfg_.lambda_lse);  // (P)
        total = total.defined() ? add(total, f) : f;
        // The official code also updates after the last step; that result is never used.
        if (update && k + 1 < cfg_.steps()) {
            const Tensor pre = add(k == 0 ? pq0 : linear(q, w.wq, w.bias), bmm(alpha, pc));
            q = gated_memory(q, pre, !cfg_.no_imram_norm);
        }
    }
    return total;
}

Tensor ImramModel::score_pairs(const Encoded& e, const std::vector<std::int64_t>& img_idx,
                                   const std::vector<std::int64_t>& cap_idx) const {
    IMRAM_CHECK(img_idx.size() == cap_idx.size() && !img_idx.empty(), "score_pairs: need as many image as caption ",
                "indices (at least one), got ", img_idx.size(), " and ", cap_idx.size());
    std::vector<std::int64_t> lens;
    for (auto j : cap_idx) {
        IMRAM_CHECK(j >= 0 && j < static_cast<std::int64_t>(e.lengths.size()), "score_pairs: caption index ", j,
                    " out of range");
        lens.push_back(e.lengths[j]);
    }
    const std::int64_t L = *std::max_element(lens.begin(), lens.end());
    const Tensor ii = index_tensor(img_idx), cc = index_tensor(cap_idx);
    const Tensor cap_items = contiguous(slice(e.captions, 1, 0, L));         // (N_cap, L, D)
    const Tensor word_valid = length_mask(lens, L, e.images.device());       // (P, L)
    if (cfg_.mode == Mode::VSE) {
        const Tensor iv = l2norm(mean(index_select(e.images, 0, ii), {1}));
        const Tensor cv = l2norm(masked_mean(index_select(cap_items, 0, cc), word_valid));
        return sum(mul(iv, cv), {1});
    }
    Tensor s;
    if (cfg_.uses_t2i()) s = direction_scores(true, e, cap_items, ii, cc, word_valid);
    if (cfg_.uses_i2t()) {
        Tensor si = direction_scores(false, e, cap_items, ii, cc, word_valid);
        s = s.defined() ? add(s, si) : si;
    }
    return s;
}

Tensor ImramModel::image_vectors(const Tensor& regions) const {
    if (cfg_.mode != Mode::VSE) return RetrievalModel::image_vectors(regions);
    const autograd::NoGradGuard no_grad;
    IMRAM_CHECK(regions.dim() == 3, "image_vectors: expected encoded images (N, R, D), got ", regions.describe());
    return l2norm(mean(regions, {1}));  // what score_pairs takes the inner product of
}

Tensor ImramModel::caption_vectors(const Tensor& words, const std::vector<std::int64_t>& lengths) const {
    if (cfg_.mode != Mode::VSE) return RetrievalModel::caption_vectors(words, lengths);
    const autograd::NoGradGuard no_grad;
    IMRAM_CHECK(words.dim() == 3 && words.size(0) == static_cast<std::int64_t>(lengths.size()),
                "caption_vectors: expected encoded captions (N, L, D) and N lengths, got ", words.describe(), " and ",
                lengths.size());
    return l2norm(masked_mean(words, length_mask(lengths, words.size(1), words.device())));
}

Tensor ImramModel::score_matrix(const Encoded& e, std::int64_t max_pairs) const {
    const std::int64_t ni = e.images.size(0), nc = static_cast<std::int64_t>(e.lengths.size());
    IMRAM_CHECK(max_pairs > 0, "score_matrix: max_pairs must be positive");
    std::vector<std::int64_t> ii, cc;
    std::vector<Tensor> parts;
    for (std::int64_t i = 0; i < ni; ++i)
        for (std::int64_t j = 0; j < nc; ++j) {
            ii.push_back(i);
            cc.push_back(j);
            if (static_cast<std::int64_t>(ii.size()) == max_pairs || (i == ni - 1 && j == nc - 1)) {
                parts.push_back(score_pairs(e, ii, cc));
                ii.clear();
                cc.clear();
            }
        }
    return reshape(parts.size() == 1 ? parts[0] : cat(parts, 0), {ni, nc});
}

}  // namespace imram::models
