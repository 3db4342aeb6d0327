// SPDX-License-Identifier: MIT
// imram_step: end-to-end timings at the real sizes (D = 1024, R = 36, F = 2048, captions of 8-20
// tokens), on random data, single process, for any model mode of the registry (IMRAM, SCAN, VSE++,
// CAMP):
//   * the GEMM library, the machine's measured fp32 peak and the same run's SGEMM rate (engine matmul,
//     1536 x 1024 x 2048) as a fraction of it: the yardsticks;
//   * scoring throughput of the fused scorer (pairs/s), the 1K x 5K extrapolation and, for the IMRAM
//     family, its GEMM work per second as a fraction of the SGEMM rate;
//   * training steps (the model's train_step: encode, its hardest-negative loss with the sparse
//     backward; then clip, Adam), with the peak of the engine's host allocator.
//
//   imram_step [--mode full_IMRAM|camp|camp_xattn|...] [--K 3 (IMRAM family)] [--batch 32] [--steps 2] [--eval-images 64] [--eval-captions 320]
//              [--chunk 128] [--tape-pairs 0] [--precision fp32|bf16] [--bf16-mining 0|1] [--bf16-tape 0|1]
//   --precision bf16 runs the evaluation's weight products in bf16 (kernels/cpu/bf16.h); --bf16-mining 1
//   runs each training step's no-tape scoring so, as `imram train --bf16_mining` does; --bf16-tape 1 the
//   layers' products on the tape, forward and backward, as `imram train --bf16_tape` does.
//   --tape-pairs P also times the tape path alone: score_pairs forward and backward over P pairs
//   (what the sparse backward runs on its <= 3B pairs), best of 3.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>

#include "bench/peak_flops.h"
#include "bench/sgemm_rate.h"
#include "core/autograd.h"
#include "core/ops.h"
#include "core/rng.h"
#include "kernels/cpu/bf16.h"
#include "kernels/cpu/blas.h"
#include "models/registry.h"
#include "train/optim.h"

using namespace imram;
using namespace imram::models;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

struct Data {
    Tensor images, ids;
    std::vector<std::int64_t> lengths;
};

Data make_data(std::int64_t n_img, std::int64_t n_cap, std::int64_t vocab, std::uint64_t seed) {
    Data d;
    d.images = rand({n_img, 36, 2048}, seed, 0, 0.0, 1.0);
    Philox rng(seed + 1);
    const std::int64_t L = 20;
    std::vector<std::int64_t> ids(static_cast<std::size_t>(n_cap * L), 0);
    for (std::int64_t j = 0; j < n_cap; ++j) {
        const std::int64_t len = 8 + static_cast<std::int64_t>(rng.below(13));  // 8..20 incl. <start>/<end>
        d.lengths.push_back(len);
        ids[j * L] = 1;
        for (std::int64_t t = 1; t + 1 < len; ++t) ids[j * L + t] = 4 + static_cast<std::int64_t>(rng.below(vocab - 4));
        ids[j * L + len - 1] = 2;
    }
    d.ids = from_vector(ids, {n_cap, L});
    return d;
}

/// The fused scorer's GEMM work for one pair of the IMRAM family with the exact shortcuts
/// (docs/PERFORMANCE.md, "Where the time goes"), at the mean caption length L of the bench's data and
/// R regions: per direction with a memory unit, K - 2 per-pair query projections (Lq x D -> 2D), K - 1
/// logit products (L x R x D) and alpha-weighted context products (Lq x Ls x 2D), plus the shared step-1
/// logits. 0 for the modes it does not describe (VSE++, CAMP).
double imram_flops_per_pair(const std::string& mode, std::int64_t K, double L, double R, double D) {
    const bool t2i = mode == "full_IMRAM" || mode == "text_IMRAM" || mode == "scan_t2i";
    const bool i2t = mode == "full_IMRAM" || mode == "image_IMRAM" || mode == "scan_i2t";
    if (!t2i && !i2t) return 0;
    if (mode.rfind("scan", 0) == 0) K = 1;
    double f = 2 * L * R * D;  // step-1 logits
    for (const auto& [on, Lq] : {std::pair{t2i, L}, std::pair{i2t, R}}) {
        if (!on) continue;
        f += 2.0 * static_cast<double>(std::max<std::int64_t>(K - 2, 0)) * Lq * D * 2 * D;
        f += 2.0 * static_cast<double>(K - 1) * L * R * D;
        f += 2.0 * static_cast<double>(K - 1) * L * R * 2 * D;
    }
    return f;
}

}  // namespace

int main(int argc, char** argv) {
    std::string mode = "full_IMRAM", K = "3", precision = "fp32";
    const std::int64_t vocab = 8481;  // Flickr30K
    std::int64_t batch = 32, steps = 2, eval_images = 64, eval_captions = 320, chunk = 128, tape_pairs = 0, eval_reps = 1;
    bool bf16_mining = false, bf16_tape = false;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string k = argv[i], v = argv[i + 1];
        if (k == "--mode") mode = v;
        else if (k == "--K") K = v;
        else if (k == "--batch") batch = std::atoll(v.c_str());
        else if (k == "--steps") steps = std::atoll(v.c_str());
        else if (k == "--eval-images") eval_images = std::atoll(v.c_str());
        else if (k == "--eval-captions") eval_captions = std::atoll(v.c_str());
        else if (k == "--eval-reps") eval_reps = std::max<std::int64_t>(1, std::atoll(v.c_str()));
        else if (k == "--chunk") chunk = std::atoll(v.c_str());
        else if (k == "--tape-pairs") tape_pairs = std::atoll(v.c_str());
        else if (k == "--precision") precision = v;
        else if (k == "--bf16-mining") bf16_mining = v == "1";
        else if (k == "--bf16-tape") bf16_tape = v == "1";
        else {
            std::fprintf(stderr, "imram_step: unknown option %s\n", k.c_str());
            return 64;
        }
    }
    const char* core = std::getenv("OPENBLAS_CORETYPE");
    Options options = {{"model_mode", mode}, {"vocab_size", std::to_string(vocab)}, {"img_dim", "2048"},
                       {"embed_size", "1024"}};
    if (family_of_mode(mode).name == "imram") {
        options.emplace("iteration_step", K);
        options.emplace("no_IMRAM_norm", "true");
    }
    const std::unique_ptr<RetrievalModel> model_ptr = create_model(options, 1);
    RetrievalModel& model = *model_ptr;
    std::printf("config: %s, R 36, F 2048, captions 8-20 tokens; OPENBLAS_CORETYPE=%s\n",
                model.describe().c_str(), core ? core : "(unset)");
    const bench::PeakEstimate peak = bench::fp32_peak();
    std::printf("GEMM library: %s\n", cpu::gemm_library_description().c_str());
    std::printf("fp32 peak (measured, %d threads x %d-bit FMA chains): %.1f GFLOP/s\n", peak.threads, peak.vector_bits,
                peak.gflops);
    const double gemm = bench::sgemm_rate();  // fp32: measured before the precision is set
    if (precision == "bf16") {
        const bool on = cpu::set_gemm_precision(cpu::GemmPrecision::BF16) == cpu::GemmPrecision::BF16;
        std::printf("precision: %s\n", on ? "bf16 products, fp32 accumulation" : "fp32 (this CPU has no fast bf16)");
    } else if (precision != "fp32") {
        std::fprintf(stderr, "imram_step: --precision must be fp32 or bf16, got %s\n", precision.c_str());
        return 64;
    }
    std::printf("sgemm (engine matmul 1536x1024x2048): %.1f GFLOP/s = %.1f%% of peak\n", gemm,
                100.0 * gemm / peak.gflops);

    if (eval_images > 0 && eval_captions > 0) {
        const Data d = make_data(eval_images, eval_captions, vocab, 11);
        NoGradGuard ng;
        const auto t0 = Clock::now();
        const Encoded e = model.encode(d.images, d.ids, d.lengths);
        const double t_enc = seconds_since(t0);
        double t_score = 1e30;  // best of --eval-reps calls (the first also pays one-time set-up)
        for (std::int64_t rep = 0; rep < eval_reps; ++rep) {
            const auto t1 = Clock::now();
            const Tensor s = model.score_all(e);
            t_score = std::min(t_score, seconds_since(t1));
        }
        const double pairs = static_cast<double>(eval_images * eval_captions);
        std::printf("eval: %lld x %lld pairs: encode %.2f s, score %.2f s = %.1f us/pair, %.0f pairs/s; "
                    "1K x 5K extrapolated: %.1f min\n",
                    static_cast<long long>(eval_images), static_cast<long long>(eval_captions), t_enc, t_score,
                    t_score / pairs * 1e6, pairs / t_score, t_score / pairs * 5e6 / 60.0);
        double words = 0;
        for (std::int64_t len : d.lengths) words += static_cast<double>(len);
        const double flops = imram_flops_per_pair(mode, std::atoll(K.c_str()), words / static_cast<double>(eval_captions),
                                                  36, 1024);
        if (flops > 0)
            std::printf("scorer: %.1f MFLOP of GEMM work a pair, %.1f GFLOP/s = %.1f%% of the sgemm rate, %.1f%% of "
                        "peak\n",
                        flops * 1e-6, flops * pairs / t_score * 1e-9, 100.0 * flops * pairs / t_score * 1e-9 / gemm,
                        100.0 * flops * pairs / t_score * 1e-9 / peak.gflops);
    }
    if (steps > 0) {
        cpu::set_gemm_precision(bf16_mining ? cpu::GemmPrecision::BF16 : cpu::GemmPrecision::F32);
        if (bf16_mining) std::printf("training: negatives scored with bf16 weight products (--bf16-mining)\n");
        if (cpu::set_tape_gemm_precision(bf16_tape ? cpu::GemmPrecision::BF16 : cpu::GemmPrecision::F32) ==
            cpu::GemmPrecision::BF16)
            std::printf("training: the tape's layer products in bf16, forward and backward (--bf16-tape)\n");
        const Data d = make_data(batch, batch, vocab, 21);
        train::Adam opt(model.parameters(), train::AdamOptions{2e-4});
        for (std::int64_t step = 0; step < steps; ++step) {
            host_alloc_reset_peak();
            const auto t0 = Clock::now();
            opt.zero_grad();
            StepOptions so;
            so.max_violation = true, so.chunk_pairs = chunk;
            const StepResult r = model.train_step(d.images, d.ids, d.lengths, so);
            const double t_fb = seconds_since(t0);
            const auto t3 = Clock::now();
            opt.step(train::clip_grad_norm(model.parameters(), 2.0).scale);
            const double t_opt = seconds_since(t3);
            rusage ru{};
            getrusage(RUSAGE_SELF, &ru);
            std::printf("train step %lld, B = %lld: %.2f s (encode + score + backward %.2f, clip + adam %.2f); "
                        "loss %.4f; pairs back-propagated %lld in chunks of %lld; engine peak %.2f GB, "
                        "process max RSS %.2f GB\n",
                        static_cast<long long>(step), static_cast<long long>(batch), seconds_since(t0), t_fb, t_opt,
                        r.loss, static_cast<long long>(r.pairs_backpropagated), static_cast<long long>(chunk),
                        host_alloc_stats().peak_bytes / 1e9, ru.ru_maxrss / 1e6);
            const models::StepPhases& ph = r.phases;
            std::printf("  phases: encode %.3f s, score all B x B pairs + loss %.3f, chosen pairs forward %.3f, their "
                        "backward %.3f, encoders backward %.3f; the rest (loss bookkeeping, allocation) %.3f\n",
                        ph.encode, ph.score_all, ph.pairs_forward, ph.pairs_backward, ph.encoders_backward,
                        t_fb - ph.encode - ph.score_all - ph.pairs_forward - ph.pairs_backward - ph.encoders_backward);
        }
    }
    if (tape_pairs > 0) {
        const Data d = make_data(batch, batch, vocab, 31);
        Encoded e;
        {
            NoGradGuard ng;
            e = model.encode(d.images, d.ids, d.lengths);
        }
        Encoded leaf{e.images.detach().set_requires_grad(), e.captions.detach().set_requires_grad(), e.lengths};
        Philox rng(41);
        std::vector<std::int64_t> ii, cc;
        for (std::int64_t p = 0; p < tape_pairs; ++p) {
            ii.push_back(static_cast<std::int64_t>(rng.below(static_cast<std::uint32_t>(batch))));
            cc.push_back(static_cast<std::int64_t>(rng.below(static_cast<std::uint32_t>(batch))));
        }
        double best_f = 1e30, best_b = 1e30;
        for (int rep = 0; rep < 3; ++rep) {
            host_alloc_reset_peak();
            const auto t0 = Clock::now();
            const Tensor s = model.score_pairs(leaf, ii, cc);
            const double t_f = seconds_since(t0);
            const auto t1 = Clock::now();
            sum(s).backward();
            const double t_b = seconds_since(t1);
            best_f = std::min(best_f, t_f), best_b = std::min(best_b, t_b);
            std::printf("tape path, %lld pairs: forward %.3f s, backward %.3f s; engine peak %.2f GB\n",
                        static_cast<long long>(tape_pairs), t_f, t_b, host_alloc_stats().peak_bytes / 1e9);
        }
        std::printf("tape path, %lld pairs, best of 3: forward %.3f s, backward %.3f s, %.2f ms/pair\n",
                    static_cast<long long>(tape_pairs), best_f, best_b, (best_f + best_b) / tape_pairs * 1e3);
    }
    return 0;
}
