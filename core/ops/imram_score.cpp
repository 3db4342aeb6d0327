// SPDX-License-Identifier: MIT
// imram_score_all: the front-end of the no-tape (images x captions) IMRAM / SCAN score matrix that
// evaluation and hardest-negative mining use (models/imram/score_all.cpp). Checks the shapes, moves the
// lengths to the device, and runs the backend's kernel: ref (the plain per-pair oracle), cpu or CUDA
// (the exact shortcuts of docs/IMRAM_SPEC.md 1.4).
#include "core/ops/common.h"

namespace imram {
namespace {

void check_memory_unit(const char* direction, const MemoryUnitWeights& w, const Tensor& ref, std::int64_t D) {
    const std::vector<std::pair<const char*, const Tensor*>> parts = {{"linear_weight", &w.linear_weight},
                                                                      {"linear_bias", &w.linear_bias},
                                                                      {"gate_weight", &w.gate_weight},
                                                                      {"gate_bias", &w.gate_bias}};
    for (const auto& [name, t] : parts) {
        IMRAM_CHECK(t->defined(), "imram_score_all: the ", direction, " memory unit needs its ", name);
        const bool weight = std::string(name).find("weight") != std::string::npos;
        const Shape want = weight ? Shape{D, 2 * D} : Shape{D};
        IMRAM_CHECK(t->shape() == want, "imram_score_all: ", direction, " ", name, ": expected shape ", want,
                    ", got ", t->describe());
        detail::check_same("imram_score_all", ref, {*t});
    }
}

}  // namespace

Tensor imram_score_all(const Tensor& images, const Tensor& captions, const std::vector<std::int64_t>& lengths,
                       const MemoryUnitWeights& t2i, const MemoryUnitWeights& i2t, const ImramScoreSettings& s) {
    detail::check_floating("imram_score_all", images);
    detail::check_same("imram_score_all", images, {captions});
    IMRAM_CHECK(images.dim() == 3 && captions.dim() == 3 && images.size(2) == captions.size(2),
                "imram_score_all: expected images (Ni, R, D) and captions (Nc, L, D) of one D, got ",
                images.describe(), " and ", captions.describe());
    const std::int64_t Ni = images.size(0), R = images.size(1), D = images.size(2);
    const std::int64_t Nc = captions.size(0), L = captions.size(1);
    IMRAM_CHECK(R >= 1 && L >= 1 && D >= 1, "imram_score_all: empty regions, words or features: ",
                images.describe(), " and ", captions.describe());
    IMRAM_CHECK(static_cast<std::int64_t>(lengths.size()) == Nc, "imram_score_all: ", lengths.size(),
                " lengths for ", Nc, " captions");
    for (std::size_t j = 0; j < lengths.size(); ++j)
        IMRAM_CHECK(lengths[j] >= 1 && lengths[j] <= L, "imram_score_all: caption ", j, " has length ", lengths[j],
                    ", expected 1 to ", L);
    IMRAM_CHECK(s.t2i || s.i2t, "imram_score_all: no direction chosen (t2i and i2t both off)");
    IMRAM_CHECK(s.steps >= 1, "imram_score_all: expected steps >= 1, got ", s.steps);
    IMRAM_CHECK(s.lambda > 0 && s.lambda_lse > 0, "imram_score_all: expected positive temperatures, got lambda ",
                s.lambda, " and lambda_lse ", s.lambda_lse);
    const bool memory = s.memory && s.steps > 1;
    if (memory && s.t2i) check_memory_unit("t2i", t2i, images, D);
    if (memory && s.i2t) check_memory_unit("i2t", i2t, images, D);

    const Tensor img = images.detach().contiguous(), cap = captions.detach().contiguous();
    const Tensor len = from_vector(lengths, {Nc}).to(images.device());
    Tensor out = empty({Ni, Nc}, images.dtype(), images.device());
    if (Ni == 0 || Nc == 0) return out;
    auto run = [&](auto zero) {
        using T = decltype(zero);
        // Contiguous copies (if any) must outlive the kernel: kept here.
        const MemoryUnitWeights w1{t2i.linear_weight.defined() ? t2i.linear_weight.contiguous() : Tensor(),
                                   t2i.linear_bias.defined() ? t2i.linear_bias.contiguous() : Tensor(),
                                   t2i.gate_weight.defined() ? t2i.gate_weight.contiguous() : Tensor(),
                                   t2i.gate_bias.defined() ? t2i.gate_bias.contiguous() : Tensor()};
        const MemoryUnitWeights w2{i2t.linear_weight.defined() ? i2t.linear_weight.contiguous() : Tensor(),
                                   i2t.linear_bias.defined() ? i2t.linear_bias.contiguous() : Tensor(),
                                   i2t.gate_weight.defined() ? i2t.gate_weight.contiguous() : Tensor(),
                                   i2t.gate_bias.defined() ? i2t.gate_bias.contiguous() : Tensor()};
        auto ptr = [&](const Tensor& t) -> const T* { return memory && t.defined() ? t.data<T>() : nullptr; };
        ImramScoreArgs<T> a{};
        a.images = img.data<T>(), a.Ni = Ni, a.R = R, a.D = D;
        a.captions = cap.data<T>(), a.lengths = len.data<std::int64_t>(), a.Nc = Nc, a.L = L;
        if (s.t2i) {
            a.lin_t2i_w = ptr(w1.linear_weight), a.lin_t2i_b = ptr(w1.linear_bias);
            a.gate_t2i_w = ptr(w1.gate_weight), a.gate_t2i_b = ptr(w1.gate_bias);
        }
        if (s.i2t) {
            a.lin_i2t_w = ptr(w2.linear_weight), a.lin_i2t_b = ptr(w2.linear_bias);
            a.gate_i2t_w = ptr(w2.gate_weight), a.gate_i2t_b = ptr(w2.gate_bias);
        }
        a.t2i = s.t2i, a.i2t = s.i2t, a.memory = memory, a.no_norm = !s.normalize_memory;
        a.pool = static_cast<int>(s.pool);
        a.K = s.steps, a.lambda = s.lambda, a.lambda_lse = s.lambda_lse;
        a.scores = out.data<T>();
        IMRAM_DISPATCH(images.device(), imram_score_all, (a));
    };
    IMRAM_FLOAT_SWITCH(images.dtype(), "imram_score_all", T, run(T{}));
    return out;
}

}  // namespace imram
