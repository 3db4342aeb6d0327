// SPDX-License-Identifier: MIT
// A split ready for training or evaluation: image features and tokenised captions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "data/labels.h"

namespace imram::data {

struct Dataset {
    std::string name;                                 // for logs ("demo/train", "f30k_precomp/dev")
    Tensor images;                                    // (N_img, R, F) f32, possibly memory-mapped
    std::vector<std::vector<std::int64_t>> captions;  // token ids with <start> ... <end>
    std::vector<std::string> texts;                   // the caption strings (for search and logs)
    std::int64_t im_div = 5;                          // captions per image (5, or 1 when 1:1)
    std::int64_t file_images = 0;                     // images in the split's file, before the dev split's cut (0: demo)
    ImageLabels labels;                               // per-image class labels for PMRP (docs/pmrp.md); none: empty
    std::int64_t vocab_size = 0;

    std::int64_t num_captions() const { return static_cast<std::int64_t>(captions.size()); }
    std::int64_t image_of(std::int64_t caption) const { return caption / im_div; }
};

/// Keeps the first `max_words` tokens of every caption longer than that (<start> and <end> stay), as
/// CAMP's loader truncates to 47 words; returns how many captions were cut. max_words 0: no limit.
std::int64_t truncate_captions(Dataset& d, std::int64_t max_words);

/// The captions of one training epoch in their order: every caption (a seeded permutation), or with
/// `one_per_image` one caption per image, drawn at random, with the images in a seeded permutation (the
/// official CAMP loader's epoch: a batch never holds two captions of one image). Depends only on
/// (seed, epoch), so a resumed run draws the same.
std::vector<std::int64_t> epoch_order(const Dataset& d, std::uint64_t seed, std::int64_t epoch, bool one_per_image);

/// A batch: images (B, R, F), padded ids (B, L) int64 and true lengths, for captions `idx` and their images.
struct Batch {
    Tensor images, ids;
    std::vector<std::int64_t> lengths;
};
Batch make_batch(const Dataset& d, const std::vector<std::int64_t>& caption_idx);

/// Padded ids (n, L) and lengths of the given captions.
void pad_captions(const Dataset& d, const std::vector<std::int64_t>& caption_idx, Tensor& ids,
                  std::vector<std::int64_t>& lengths);

}  // namespace imram::data
