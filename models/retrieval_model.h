// SPDX-License-Identifier: MIT
// The retrieval-model interface: what the trainer, the evaluation, the `imram` tool, the converter and
// the embedding API know of a model, and all they know. A model family (models/imram/ today; CAMP and
// PCME next) implements it and registers itself in models/registry.cpp; nothing above models/ names
// a family. docs/adding-a-model.md walks through adding one.
//
// The contract, for every family:
//   - encode_images (N, R, F) and encode_captions (N, L) ids + lengths -> one tensor per side whose
//     first dimension is the item; what the rest holds is the family's (IMRAM: l2-normalised region
//     and word vectors; a probabilistic model: a mean, a variance and samples; a dual encoder: one
//     vector per item). Padded caption positions must not change any score.
//   - score_pairs: scores of chosen (image, caption) pairs with the tape, for the loss.
//   - score_all: every pair of two encoded sets without the tape, for evaluation and negative mining.
//     Callers stream over blocks of images (eval/evaluate.cpp), so its memory is that of one block.
//   - train_step: one batch's loss and parameter gradients (the family's own loss and memory bounds).
//   - config_metadata: the hyper-parameters as strings (official option names), with "family" and
//     "model_mode"; a model file's metadata, from which the registry rebuilds the model.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "nn/module.h"

namespace imram::models {

/// Two encoded sets: images and captions, as the family's encoders laid them out (see above).
struct Encoded {
    Tensor images;                      // (N_img, ...)
    Tensor captions;                    // (N_cap, ...)
    std::vector<std::int64_t> lengths;  // (N_cap) true caption lengths, with <start> and <end>
};

/// Which off-diagonal pairs of a batch are not negatives: B x B, row-major, 1 where image i and caption j
/// belong together although i != j (two captions of one image, or captions that are word for word
/// the same). Empty: every off-diagonal pair is a negative, as in the official code.
using NotNegative = std::vector<std::uint8_t>;

/// How one training step treats its batch (the trainer's schedule; the loss itself is the family's).
struct StepOptions {
    /// The hardest negative of each positive (VSE++'s max_violation); false: every negative's hinge
    /// summed, the warm-up of the demo recipe. A loss without negatives ignores it.
    bool max_violation = true;
    NotNegative not_negative;        // pairs left out of the negatives
    std::int64_t chunk_pairs = 128;  // pairs scored with the tape at a time (bounds the step's memory)
    /// The run's step count before this step: a family that draws noise keys its draws with it, so a
    /// resumed run draws what the uninterrupted one drew.
    std::uint64_t step = 0;
};

/// Wall-clock seconds of a training step's phases, for profiling (bench/imram_step); 0 where a family's
/// step does not measure them. Host time: on CUDA, work still queued when a phase ends is counted in
/// the phase that waits for it.
struct StepPhases {
    double encode = 0;             // both encoders forward, with the tape
    double score_all = 0;          // every B x B pair without the tape, and the loss's choice of pairs
    double pairs_forward = 0;      // the chosen pairs scored again with the tape
    double pairs_backward = 0;     // their backward, down to the encodings
    double encoders_backward = 0;  // the encodings' gradients through the encoders
};

struct StepResult {
    double loss = 0;
    Tensor scores;  // (B, B) every pair of the batch, without the tape (for logging and collapse checks)
    std::int64_t pairs_backpropagated = 0;
    StepPhases phases;
};

/// The collapsed state of a loss (train/collapse.h): with every score of a batch equal (or nearly),
/// the loss is pinned at `pinned_loss`; a step counts as collapsed when its loss is within 5% of the
/// pinned value and its score spread is below `max_spread` or its positives are level with their
/// hardest negatives (mean gap below `max_gap`). pinned_loss 0: this loss has no such plateau
/// to watch for (the check is off).
struct LossPlateau {
    double pinned_loss = 0;
    double max_spread = 0;
    double max_gap = 0;  // or: the mean |positive - hardest negative| of the batch is below this
    const char* pinned_at = "";  // how the pinned value comes about, for the warning ("2 x margin x batch")
};

class RetrievalModel : public nn::Module {
public:
    /// The family's name in model files ("imram") and the mode this model runs ("full_IMRAM").
    virtual std::string family() const = 0;
    virtual std::string mode() const = 0;
    /// One line for logs: the mode and the hyper-parameters that matter most.
    virtual std::string describe() const = 0;
    /// Hyper-parameters as strings under the official option names, with "family" and "model_mode".
    virtual std::map<std::string, std::string> config_metadata() const = 0;

    /// F: feature values per region the image encoder takes; V: the vocabulary size the text encoder takes.
    virtual std::int64_t image_feature_size() const = 0;
    virtual std::int64_t vocab_size() const = 0;
    /// The (V, word_dim) table the text encoder looks words up in (--word_vectors writes rows of it).
    virtual const Tensor& word_embedding() const = 0;
    /// The loss's margin; 0 when it has none.
    virtual double margin() const = 0;
    /// Where this model's loss sits when every score of a batch of B is the same: the collapsed state
    /// the trainer watches for (train/collapse.h).
    virtual LossPlateau loss_plateau(std::int64_t batch, bool max_violation) const = 0;
    /// Where the parameters live (inputs are moved there by the callers).
    virtual Device device() const = 0;
    /// Whether gradient clipping covers the parameter `name` (all do, unless a family's official code
    /// leaves some out: PCME's criterion.negative_scale and criterion.shift).
    virtual bool clipped(const std::string& name) const {
        (void)name;
        return true;
    }

    /// features (N, R, F) -> encoded images; differentiable.
    virtual Tensor encode_images(const Tensor& features) const = 0;
    /// ids (N, L) integer with `lengths` (N) -> encoded captions; differentiable.
    virtual Tensor encode_captions(const Tensor& ids, const std::vector<std::int64_t>& lengths) const = 0;
    /// Whether encode_captions gives one row per word position ((N, L_batch, ...), so batches of
    /// different lengths are joined by padding to the longest caption: IMRAM, SCAN, CAMP), rather
    /// than a fixed number of rows per caption (PCME's mu, log-sigma and K samples: never padded,
    /// or the padding's zero rows would count as samples).
    virtual bool captions_per_word() const { return true; }
    /// Both, checking that the batch is well formed.
    Encoded encode(const Tensor& image_features, const Tensor& caption_ids,
                   const std::vector<std::int64_t>& lengths) const;

    /// Scores of the pairs (image img_idx[p], caption cap_idx[p]) -> (P), with the tape.
    virtual Tensor score_pairs(const Encoded& e, const std::vector<std::int64_t>& img_idx,
                               const std::vector<std::int64_t>& cap_idx) const = 0;
    /// Every (image, caption) pair -> (N_img, N_cap), without the tape.
    virtual Tensor score_all(const Encoded& e) const = 0;
    /// The name of score_all's score in reports ("score"; PCME: "matching_prob").
    virtual std::string score_name() const { return "score"; }
    /// Other scores the family's official code evaluates with (PCME: "matmul"); evaluation reports
    /// recall with each of them too. Empty for most families.
    virtual std::vector<std::string> alternative_scores() const { return {}; }
    /// Every pair with the alternative score `name` (one of alternative_scores()), without the tape.
    virtual Tensor score_all_alternative(const Encoded& e, const std::string& name) const;
    /// Whether uncertainty() gives a value (PCME) or an undefined tensor (the others).
    virtual bool has_uncertainty() const { return false; }
    /// Per-item uncertainty of one encoded side (images or captions of an Encoded) -> (N), or an
    /// undefined tensor when the family has no notion of it (PCME: the mean of sigma over dimensions).
    virtual Tensor uncertainty(const Tensor& encoded) const {
        (void)encoded;
        return Tensor();
    }

    /// Whether the family is (or holds) a dual encoder: one vector per item whose inner products rank
    /// pairs as one of its scores, so that a first-stage index (search/) can be built over a gallery.
    /// VSE++: exactly its score; PCME: the samples' means, ranked as its "matmul" score.
    virtual bool has_item_vectors() const { return false; }
    /// Item vectors (N, E) of encoded images / captions (an Encoded's sides), without the tape.
    /// Throws for a family without them (cross attention needs every pair: IMRAM, SCAN, CAMP).
    virtual Tensor image_vectors(const Tensor& encoded_images) const;
    virtual Tensor caption_vectors(const Tensor& encoded_captions, const std::vector<std::int64_t>& lengths) const;

    /// One batch (B images and their B captions, positives on the diagonal): computes the loss and
    /// accumulates its gradients into the parameters.
    virtual StepResult train_step(const Tensor& image_features, const Tensor& caption_ids,
                                  const std::vector<std::int64_t>& lengths, const StepOptions& opt) const = 0;
};

}  // namespace imram::models
