// SPDX-License-Identifier: MIT
// The training loop for any retrieval model (models/retrieval_model.h): epochs over shuffled captions,
// the model's own train_step (the hardest-negative triplet with sparse backward for the imram family),
// gradient clipping, Adam with the step schedule, evaluation on dev every epoch with best-by-rsum,
// atomic checkpoints and metrics files in the run directory.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "models/retrieval_model.h"
#include "data/dataset.h"
#include "eval/evaluate.h"
#include "eval/metrics.h"

namespace imram::train {

struct TrainerOptions {
    std::string run_dir = "runs/demo";
    std::int64_t num_epochs = 2;
    std::int64_t batch_size = 64;
    double learning_rate = 2e-4;
    // The optimizer: "adam" (PyTorch's defaults, as the VSE++ lineage trains), "sgd" (PyTorch's SGD
    // with these settings, as CAMP's later stages train) or "adamp" (AdamP, as PCME trains).
    std::string optimizer = "adam";
    double momentum = 0.9;       // sgd only
    double weight_decay = 0.0;   // sgd and adamp
    bool nesterov = false;       // sgd and adamp
    // The learning rate per epoch: "step" (x0.1 every lr_update epochs, the VSE++ lineage) or "cosine"
    // (PyTorch's CosineAnnealingLR with T_max = num_epochs and eta_min 0, PCME).
    std::string lr_schedule = "step";
    // Comma-separated parameter-name prefixes: only those parameters are optimized (and clipped); the
    // rest stay as they are. Empty: all (CAMP's stage 2 trains its fusion head alone).
    std::string train_only;
    // Comma-separated prefixes of parameters held fixed (applied after train_only): e.g. txt_enc.embed
    // keeps pre-trained word vectors (--word_vectors) as they are, so words that no training caption
    // holds keep their meaning. Empty: none.
    std::string freeze;
    // An epoch of one random caption per image (CAMP's official loader) instead of every caption.
    bool one_caption_per_image = false;
    // PCME's caption drop (data/caption_drop.h): the probability of each training word becoming
    // <unk> and the share of words deleted; 0: off (every family but PCME).
    double caption_drop = 0.0;
    std::int64_t lr_update = 15;
    double grad_clip = 2.0;
    std::uint64_t seed = 1;
    std::int64_t log_every = 10;       // progress lines every N steps
    std::int64_t keep_last = 2;        // epoch checkpoints kept (model_best is kept apart)
    std::int64_t chunk_pairs = 128;    // pairs per backward chunk (memory bound)
    std::int64_t max_steps = 0;        // stop after this many steps in total (0: run every epoch)
    std::int64_t max_bad_steps = 5;    // consecutive non-finite steps before giving up
    std::int64_t warmup_epochs = 0;    // epochs with the summed (VSE0) loss before the hardest negative
    std::int64_t save_every = 0;       // also write checkpoint_last every N steps (0: at epoch ends and stops)
    std::string resume;                // a checkpoint_last.safetensors to continue from, exactly
    bool overwrite = false;            // a fresh run may clear an earlier run's files from run_dir
    std::int64_t val_every = 0;        // also evaluate dev every N steps inside an epoch (logged only; 0: off)
    // Pairs of a batch that belong together (two captions of one image, or word-for-word equal
    // captions) are not used as negatives; the official code uses them (false).
    bool mask_duplicates = false;
    // The no-tape B x B scoring that picks each step's hardest negatives runs its weight products in
    // bf16 (kernels/cpu/bf16.h) where the CPU has it; the tape (the loss's gradients) stays fp32.
    bool bf16_mining = false;
    // The tape's layer products (`linear`'s forward and its two backward products) run with bf16
    // inputs and fp32 accumulation where the CPU has it; weights, gradient sums and the optimizer stay
    // fp32 (kernels/cpu/bf16.h).
    bool bf16_tape = false;
};

struct TrainSummary {
    std::int64_t epochs = 0, steps = 0, skipped_steps = 0;
    double best_rsum = -1;
    eval::RetrievalMetrics last;
    bool interrupted = false;
    int stop_signal = 0;                // SIGINT or SIGTERM when interrupted
    std::int64_t collapsed_epochs = 0;  // epochs whose steps mostly scored every pair alike (train/collapse.h)
    bool last_epoch_collapsed = false;
};

/// Trains `model` in place. Every epoch is checked for the collapse of the loss (train/collapse.h): a
/// collapsed epoch is reported on stderr with what to try, and metrics.jsonl carries a "collapse" record
/// per epoch. Writes run_dir/{metrics.jsonl, metrics.csv, checkpoint_epoch<N>.safetensors,
/// model_best.safetensors, checkpoint_last.safetensors + checkpoint_last.optim.safetensors}. Progress goes
/// to stderr. checkpoint_last holds everything a run needs to continue exactly (weights, Adam moments,
/// epoch, step, best rsum; the data order is a pure function of (seed, epoch)): N steps in one run and
/// N/2 + resume + N/2 give the same bits. SIGINT (Ctrl-C) or SIGTERM finishes the current step,
/// writes checkpoint_last and returns with `interrupted` and `stop_signal` set. The run directory is
/// locked for the call (train/run_dir.h); a fresh run (no resume, or a resume into another directory)
/// refuses a directory holding an earlier run unless `overwrite` is set. checkpoint_last also stores
/// the schedule (learning rate, lr_update, num_epochs, grad_clip, warm-up) and a resume that asks for
/// another learning rate, lr_update, grad_clip or warm-up is refused. grad_clip <= 0: no clipping.
TrainSummary train(models::RetrievalModel& model, const data::Dataset& train_set, const data::Dataset& dev_set,
                   const TrainerOptions& opt);

}  // namespace imram::train
