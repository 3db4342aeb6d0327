// SPDX-License-Identifier: MIT
// `imram encode`: a split's embeddings as .npy files, the arrays the official evaluation's encode
// step produces, for use outside this tool (NumPy, other scorers, a search index):
//   img_emb.npy   (N, R, D) float32   encoded image regions
//   cap_emb.npy   (M, L, D) float32   encoded caption words, zero-padded to the longest caption L
//   cap_lens.npy  (M,)      int32     caption lengths, counting <start> and <end>
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "models/retrieval_model.h"
#include "data/dataset.h"

namespace imram::eval {

struct EncodeSummary {
    Shape images, captions;  // shapes written to img_emb.npy and cap_emb.npy
    bool uncertainty = false;  // img_uncertainty.npy and cap_uncertainty.npy written too
};

/// Encodes `d` with `model` (batches of `batch`, no autograd) and writes the three files into
/// `out_dir` (created when missing; each file atomically). `on_batch` as in encode_split.
EncodeSummary write_embeddings(const models::RetrievalModel& model, const data::Dataset& d, const std::string& out_dir,
                               std::int64_t batch = 128,
                               const std::function<void(std::int64_t, std::int64_t)>& on_batch = {});

}  // namespace imram::eval
