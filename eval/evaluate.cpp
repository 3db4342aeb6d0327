// SPDX-License-Identifier: MIT
#include "eval/evaluate.h"

#include <algorithm>

#include "core/autograd.h"
#include "core/ops.h"
#include "dist/communicator.h"

namespace imram::eval {

namespace {
/// Whether processes that share the job split the encoding of a split of ni images and nc captions
/// (with fewer items than processes every one encodes all).
bool encoding_shared(std::int64_t ni, std::int64_t nc) {
    const dist::Communicator& comm = dist::world();
    return comm.size() > 1 && ni >= comm.size() && nc >= comm.size();
}

/// How many of the split's images and captions this process encodes.
std::int64_t items_encoded_here(std::int64_t ni, std::int64_t nc) {
    if (!encoding_shared(ni, nc)) return ni + nc;
    const dist::Communicator& comm = dist::world();
    const auto [i0, i1] = dist::shard(ni, comm.rank(), comm.size());
    const auto [c0, c1] = dist::shard(nc, comm.rank(), comm.size());
    return (i1 - i0) + (c1 - c0);
}
}  // namespace

models::Encoded encode_split(const models::RetrievalModel& model, const data::Dataset& d, std::int64_t batch,
                             const std::function<void(std::int64_t, std::int64_t)>& on_batch) {
    IMRAM_CHECK(batch >= 1, "encode_split: batch must be positive, got ", batch);
    NoGradGuard no_grad;
    const std::int64_t ni = d.images.size(0), nc = d.num_captions();
    // Processes that share the job (dist::world()) each encode a block of the images and of the
    // captions, and the blocks are gathered; with fewer items than processes every one encodes all.
    const dist::Communicator& comm = dist::world();
    const bool shared = encoding_shared(ni, nc);
    const auto [i0, i1] = shared ? dist::shard(ni, comm.rank(), comm.size()) : std::pair<std::int64_t, std::int64_t>{0, ni};
    const auto [c0, c1] = shared ? dist::shard(nc, comm.rank(), comm.size()) : std::pair<std::int64_t, std::int64_t>{0, nc};
    const std::int64_t mine = (i1 - i0) + (c1 - c0);
    std::vector<Tensor> img_parts, cap_parts;
    std::vector<std::int64_t> lengths;
    std::int64_t L = 1;
    for (const auto& c : d.captions) L = std::max<std::int64_t>(L, static_cast<std::int64_t>(c.size()));
    const Device dev = model.device();  // the data lives on the host; the model may not
    for (std::int64_t b = i0; b < i1; b += batch) {
        img_parts.push_back(model.encode_images(slice(d.images, 0, b, std::min(i1, b + batch)).to(dev)));
        if (on_batch) on_batch(std::min(i1, b + batch) - i0, mine);
    }
    for (std::int64_t b = c0; b < c1; b += batch) {
        std::vector<std::int64_t> idx;
        for (std::int64_t j = b; j < std::min(c1, b + batch); ++j) idx.push_back(j);
        Tensor ids;
        std::vector<std::int64_t> lens;
        data::pad_captions(d, idx, ids, lens);
        Tensor enc = model.encode_captions(ids.to(dev), lens);  // (n, L_b, ...)
        // Per-word encodings: padded to the split's longest caption (a fixed number of rows, as
        // PCME's samples, is left alone).
        if (model.captions_per_word() && enc.dim() == 3 && enc.size(1) < L)
            enc = cat({enc, zeros({enc.size(0), L - enc.size(1), enc.size(2)}, enc.dtype(), enc.device())}, 1);
        cap_parts.push_back(enc);
        lengths.insert(lengths.end(), lens.begin(), lens.end());
        if (on_batch) on_batch((i1 - i0) + std::min(c1, b + batch) - c0, mine);
    }
    if (!shared) return {cat(img_parts, 0), cat(cap_parts, 0), lengths};
    lengths.clear();
    for (const auto& c : d.captions) lengths.push_back(static_cast<std::int64_t>(c.size()));
    return {dist::all_gather_rows(comm, cat(img_parts, 0).to(Device::cpu())).to(dev),
            dist::all_gather_rows(comm, cat(cap_parts, 0).to(Device::cpu())).to(dev), lengths};
}

namespace {
/// The image rows this process scores: all of them, or its block when several processes share the
/// job (dist::world(); the blocks are gathered after).
std::pair<std::int64_t, std::int64_t> my_rows(std::int64_t ni) {
    const dist::Communicator& comm = dist::world();
    return dist::shard(ni, comm.rank(), comm.size());
}

/// Every pair of an encoded split, in blocks of `batch` images when progress is shown or the rows are
/// shared among processes.
Tensor score_encoded(const models::RetrievalModel& model, const models::Encoded& e, std::int64_t batch,
                     const std::function<void(std::int64_t, std::int64_t)>& on_progress) {
    const dist::Communicator& comm = dist::world();
    const std::int64_t ni = e.images.size(0), nc = e.captions.size(0);
    if (!on_progress && comm.size() == 1) return model.score_all(e);
    const auto [first, last] = my_rows(ni);
    const std::int64_t encoded = items_encoded_here(ni, nc), total = encoded + (last - first);
    // Scored in blocks of images so a long split shows its progress; each block is the same
    // computation as a row range of the whole matrix.
    std::vector<Tensor> rows;
    for (std::int64_t b = first; b < last; b += batch) {
        const std::int64_t end = std::min(last, b + batch);
        rows.push_back(model.score_all(models::Encoded{slice(e.images, 0, b, end), e.captions, e.lengths}));
        if (on_progress) on_progress(encoded + end - first, total);
    }
    if (comm.size() == 1) return cat(rows, 0);
    const Tensor mine = rows.empty() ? zeros({0, nc}, DType::F32) : cat(rows, 0).to(Device::cpu());
    return dist::all_gather_rows(comm, mine);
}
}  // namespace

namespace {
/// The split encoded, its progress counted as the first part of (images + captions encoded, then
/// images scored).
models::Encoded encode_for_scoring(const models::RetrievalModel& model, const data::Dataset& d, std::int64_t batch,
                                   const std::function<void(std::int64_t, std::int64_t)>& on_progress) {
    const std::int64_t ni = d.images.size(0);
    const auto [first, last] = my_rows(ni);
    const std::int64_t score_rows = last - first;
    return encode_split(model, d, batch, [&](std::int64_t done, std::int64_t encoded) {
        if (on_progress) on_progress(done, encoded + score_rows);
    });
}
}  // namespace

Tensor score_split(const models::RetrievalModel& model, const data::Dataset& d, std::int64_t batch,
                   const std::function<void(std::int64_t, std::int64_t)>& on_progress) {
    NoGradGuard no_grad;
    return score_encoded(model, encode_for_scoring(model, d, batch, on_progress), batch, on_progress);
}

RetrievalMetrics evaluate(const models::RetrievalModel& model, const data::Dataset& d, Tensor* scores_out,
                          const std::function<void(std::int64_t, std::int64_t)>& on_progress,
                          std::vector<AlternativeMetrics>* alternatives) {
    NoGradGuard no_grad;
    // One encoding serves the model's score and every alternative score (PCME's matmul).
    const models::Encoded e = encode_for_scoring(model, d, 128, on_progress);
    const Tensor s = score_encoded(model, e, 128, on_progress).to(Device::cpu());  // ranking reads every score on the host
    if (alternatives)
        for (const std::string& name : model.alternative_scores()) {
            const Tensor a = model.score_all_alternative(e, name).to(Device::cpu());
            check_scores_finite(a, d.name + " (" + name + ")");
            alternatives->push_back({name, a, retrieval_metrics(a, d.im_div)});
        }
    if (scores_out) *scores_out = s;
    check_scores_finite(s, d.name);
    return retrieval_metrics(s, d.im_div);
}

}  // namespace imram::eval
