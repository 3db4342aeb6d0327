// SPDX-License-Identifier: MIT
#include "eval/evaluate.h"

#include <algorithm>

#include "core/autograd.h"
#include "core/ops.h"
#include "dist/communicator.h"

namespace imram::eval {

models::Encoded encode_split(const models::RetrievalModel& model, const data::Dataset& d, std::int64_t batch,
                             const std::function<void(std::int64_t, std::int64_t)>& on_batch) {
    IMRAM_CHECK(batch >= 1, "encode_split: batch must be positive, got ", batch);
    NoGradGuard no_grad;
    const std::int64_t ni = d.images.size(0), nc = d.num_captions();
    std::vector<Tensor> img_parts, cap_parts;
    std::vector<std::int64_t> lengths;
    std::int64_t L = 1;
    for (const auto& c : d.captions) L = std::max<std::int64_t>(L, static_cast<std::int64_t>(c.size()));
    const Device dev = model.device();  // the data lives on the host; the model may not
    for (std::int64_t b = 0; b < ni; b += batch) {
        img_parts.push_back(model.encode_images(slice(d.images, 0, b, std::min(ni, b + batch)).to(dev)));
        if (on_batch) on_batch(std::min(ni, b + batch), ni + nc);
    }
    for (std::int64_t b = 0; b < nc; b += batch) {
        std::vector<std::int64_t> idx;
        for (std::int64_t j = b; j < std::min(nc, b + batch); ++j) idx.push_back(j);
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
        if (on_batch) on_batch(ni + std::min(nc, b + batch), ni + nc);
    }
    return {cat(img_parts, 0), cat(cap_parts, 0), lengths};
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
    const std::int64_t total = ni + nc + (last - first);
    // Scored in blocks of images so a long split shows its progress; each block is the same
    // computation as a row range of the whole matrix.
    std::vector<Tensor> rows;
    for (std::int64_t b = first; b < last; b += batch) {
        const std::int64_t end = std::min(last, b + batch);
        rows.push_back(model.score_all(models::Encoded{slice(e.images, 0, b, end), e.captions, e.lengths}));
        if (on_progress) on_progress(ni + nc + end - first, total);
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
    const std::int64_t total = ni + d.num_captions() + (last - first);
    return encode_split(model, d, batch, [&](std::int64_t done, std::int64_t) {
        if (on_progress) on_progress(done, total);
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
