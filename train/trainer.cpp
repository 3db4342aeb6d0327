// SPDX-License-Identifier: MIT
#include "train/trainer.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "core/autograd.h"
#include "core/ops.h"
#include "core/rng.h"
#include "models/imram/checkpoint.h"
#include "models/imram/loss.h"
#include "train/optim.h"

namespace imram::train {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

/// Seeded permutation of [0, n) for one epoch (Fisher-Yates on a Philox stream).
std::vector<std::int64_t> permutation(std::int64_t n, std::uint64_t seed, std::int64_t epoch) {
    std::vector<std::int64_t> p(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) p[i] = i;
    Philox rng(seed, static_cast<std::uint64_t>(epoch) << 40);
    for (std::int64_t i = n; i > 1; --i) std::swap(p[i - 1], p[rng.below(static_cast<std::uint64_t>(i))]);
    return p;
}

void append_line(const fs::path& p, const std::string& line) {
    std::ofstream out(p, std::ios::app);
    IMRAM_CHECK(out.good(), "cannot write ", p.string());
    out << line << '\n';
}

}  // namespace

Tensor score_split(const models::RetrievalModel& model, const Dataset& d, std::int64_t batch) {
    NoGradGuard no_grad;
    const std::int64_t ni = d.images.size(0), nc = d.num_captions();
    std::vector<Tensor> img_parts, cap_parts;
    std::vector<std::int64_t> lengths;
    std::int64_t L = 1;
    for (const auto& c : d.captions) L = std::max<std::int64_t>(L, static_cast<std::int64_t>(c.size()));
    for (std::int64_t b = 0; b < ni; b += batch)
        img_parts.push_back(model.img_enc.forward(slice(d.images, 0, b, std::min(ni, b + batch))));
    for (std::int64_t b = 0; b < nc; b += batch) {
        std::vector<std::int64_t> idx;
        for (std::int64_t j = b; j < std::min(nc, b + batch); ++j) idx.push_back(j);
        Tensor ids;
        std::vector<std::int64_t> lens;
        pad_captions(d, idx, ids, lens);
        Tensor enc = model.txt_enc.forward(ids, lens);  // (n, L_b, D)
        if (enc.size(1) < L) enc = cat({enc, zeros({enc.size(0), L - enc.size(1), enc.size(2)})}, 1);
        cap_parts.push_back(enc);
        lengths.insert(lengths.end(), lens.begin(), lens.end());
    }
    const models::Encoded e{cat(img_parts, 0), cat(cap_parts, 0), lengths};
    return model.score_matrix_nograd(e);
}

RetrievalMetrics evaluate(const models::RetrievalModel& model, const Dataset& d, Tensor* scores_out) {
    const Tensor s = score_split(model, d);
    if (scores_out) *scores_out = s;
    return retrieval_metrics(s, d.im_div);
}

TrainSummary train(models::RetrievalModel& model, const Dataset& tr, const Dataset& dev, const TrainerOptions& opt) {
    IMRAM_CHECK(opt.batch_size >= 2, "train: batch_size must be at least 2, got ", opt.batch_size);
    IMRAM_CHECK(tr.num_captions() >= opt.batch_size, "train: ", tr.name, " has ", tr.num_captions(),
                " captions, fewer than one batch of ", opt.batch_size);
    fs::create_directories(opt.run_dir);
    const fs::path run(opt.run_dir);
    const fs::path jsonl = run / "metrics.jsonl", csv = run / "metrics.csv";
    fs::remove(jsonl);
    append_line(csv, "epoch,step,lr,train_loss,i2t_r1,i2t_r5,i2t_r10,t2i_r1,t2i_r5,t2i_r10,rsum,seconds");
    Adam adam(model.parameters(), AdamOptions{opt.learning_rate});
    TrainSummary sum;
    std::int64_t bad_in_a_row = 0;
    const std::int64_t steps_per_epoch = tr.num_captions() / opt.batch_size;
    const auto t_start = Clock::now();
    std::vector<std::string> kept;
    for (std::int64_t epoch = 0; epoch < opt.num_epochs; ++epoch) {
        const double lr = step_decay_lr(opt.learning_rate, epoch, opt.lr_update);
        adam.set_lr(lr);
        const auto order = permutation(tr.num_captions(), opt.seed, epoch);
        double loss_sum = 0;
        std::int64_t loss_n = 0;
        const auto t_epoch = Clock::now();
        for (std::int64_t s = 0; s < steps_per_epoch; ++s) {
            if (opt.max_steps > 0 && sum.steps >= opt.max_steps) break;
            const std::vector<std::int64_t> idx(order.begin() + s * opt.batch_size, order.begin() + (s + 1) * opt.batch_size);
            const Batch b = make_batch(tr, idx);
            adam.zero_grad();
            const models::StepResult r =
                models::contrastive_step(model, b.images, b.ids, b.lengths, model.config().margin, opt.chunk_pairs,
                                         /*max_violation=*/epoch >= opt.warmup_epochs);
            const GradClip clip = clip_grad_norm(model.parameters(), opt.grad_clip);
            if (!std::isfinite(r.loss) || !std::isfinite(clip.total_norm)) {
                ++sum.skipped_steps;
                std::fprintf(stderr, "imram: step %lld: non-finite loss or gradient (loss %g, grad norm %g): step skipped\n",
                             static_cast<long long>(sum.steps + 1), r.loss, clip.total_norm);
                IMRAM_CHECK(++bad_in_a_row < opt.max_bad_steps, "training diverged: ", bad_in_a_row,
                            " non-finite steps in a row; lower --learning_rate or check the data");
                continue;
            }
            bad_in_a_row = 0;
            adam.step(clip.scale);
            ++sum.steps;
            loss_sum += r.loss;
            ++loss_n;
            if (opt.log_every > 0 && ((s + 1) % opt.log_every == 0 || s + 1 == steps_per_epoch)) {
                const double per_step = since(t_epoch) / static_cast<double>(s + 1);
                std::fprintf(stderr, "epoch %lld/%lld  step %lld/%lld  loss %.4f  lr %.2e  %.2f s/step  epoch ETA %.0f s\n",
                             static_cast<long long>(epoch + 1), static_cast<long long>(opt.num_epochs),
                             static_cast<long long>(s + 1), static_cast<long long>(steps_per_epoch), r.loss, lr,
                             per_step, per_step * static_cast<double>(steps_per_epoch - s - 1));
            }
        }
        const RetrievalMetrics m = evaluate(model, dev);
        sum.last = m;
        ++sum.epochs;
        const double train_loss = loss_n ? loss_sum / static_cast<double>(loss_n) : NAN;
        std::fprintf(stderr, "epoch %lld: train loss %.4f, %s rsum %.2f (i2t R@1 %.1f, t2i R@1 %.1f), %.1f s\n",
                     static_cast<long long>(epoch + 1), train_loss, dev.name.c_str(), m.rsum(), m.i2t.r1, m.t2i.r1,
                     since(t_epoch));
        char line[512];
        std::snprintf(line, sizeof line, "{\"epoch\": %lld, \"step\": %lld, \"lr\": %.6g, \"train_loss\": %.6f, \"dev\": %s}",
                      static_cast<long long>(epoch + 1), static_cast<long long>(sum.steps), lr, train_loss,
                      m.to_json().c_str());
        append_line(jsonl, line);
        std::snprintf(line, sizeof line, "%lld,%lld,%.6g,%.6f,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f,%.1f",
                      static_cast<long long>(epoch + 1), static_cast<long long>(sum.steps), lr, train_loss, m.i2t.r1,
                      m.i2t.r5, m.i2t.r10, m.t2i.r1, m.t2i.r5, m.t2i.r10, m.rsum(), since(t_start));
        append_line(csv, line);
        const std::map<std::string, std::string> meta = {{"epoch", std::to_string(epoch + 1)},
                                                         {"step", std::to_string(sum.steps)},
                                                         {"dev_rsum", std::to_string(m.rsum())}};
        const std::string ck = (run / ("checkpoint_epoch" + std::to_string(epoch + 1) + ".safetensors")).string();
        models::save_model(ck, model, meta);
        kept.push_back(ck);
        while (static_cast<std::int64_t>(kept.size()) > opt.keep_last) {
            fs::remove(kept.front());
            kept.erase(kept.begin());
        }
        if (m.rsum() > sum.best_rsum) {
            sum.best_rsum = m.rsum();
            models::save_model((run / "model_best.safetensors").string(), model, meta);
        }
        if (opt.max_steps > 0 && sum.steps >= opt.max_steps) break;
    }
    return sum;
}

}  // namespace imram::train
