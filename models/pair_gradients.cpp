// SPDX-License-Identifier: MIT
#include "models/pair_gradients.h"

#include <algorithm>

#include "core/ops.h"
#include "dist/communicator.h"

namespace imram::models {

void check_not_negative(const NotNegative& m, std::int64_t n) {
    IMRAM_CHECK(m.empty() || static_cast<std::int64_t>(m.size()) == n * n, "not_negative: expected ", n * n,
                " entries (B x B) or none, got ", m.size());
}

Tensor excluded_pairs(std::int64_t n, const NotNegative& not_negative, Device dev) {
    std::vector<std::uint8_t> m(static_cast<std::size_t>(n * n), 0);
    for (std::int64_t i = 0; i < n * n; ++i) m[i] = !not_negative.empty() && not_negative[i];
    for (std::int64_t i = 0; i < n; ++i) m[i * n + i] = 1;
    return from_vector(m, {n, n}, dev);
}

EncodedBatch encode_batch(const RetrievalModel& model, const Tensor& features, const Tensor& ids,
                          const std::vector<std::int64_t>& lengths, const char* who) {
    EncodedBatch b;
    const auto t0 = std::chrono::steady_clock::now();
    b.taped = model.encode(features, ids, lengths);
    b.encode_seconds = elapsed_seconds(t0);
    b.n = b.taped.images.size(0);
    IMRAM_CHECK(b.n > 1 && static_cast<std::int64_t>(lengths.size()) == b.n, who,
                ": expected B > 1 images and B captions, got ", b.n, " and ", lengths.size());
    b.leaves = Encoded{b.taped.images.detach().set_requires_grad(), b.taped.captions.detach().set_requires_grad(),
                       b.taped.lengths};
    return b;
}

Tensor score_all_shared(const RetrievalModel& model, const Encoded& e) {
    const dist::Communicator& comm = dist::world();
    if (comm.size() == 1) return model.score_all(e);
    const auto [first, last] = dist::shard(e.images.size(0), comm.rank(), comm.size());
    const std::int64_t nc = e.captions.size(0);
    const Tensor mine = first < last ? model.score_all(Encoded{slice(e.images, 0, first, last), e.captions, e.lengths})
                                           .to(Device::cpu())
                                     : zeros({0, nc}, DType::F32);
    return dist::all_gather_rows(comm, mine);
}

double elapsed_seconds(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::int64_t backprop_pairs(const RetrievalModel& model, const EncodedBatch& b, const PairCoefficients& coef,
                            std::int64_t chunk_pairs, StepPhases* phases) {
    StepPhases local;
    StepPhases& ph = phases != nullptr ? *phases : local;
    using Clock = std::chrono::steady_clock;
    IMRAM_CHECK(chunk_pairs > 0, "chunk_pairs must be positive, got ", chunk_pairs);
    std::vector<std::int64_t> ii, cc;
    std::vector<double> seeds;
    for (const auto& [pair, c] : coef)
        if (c != 0) ii.push_back(pair.first), cc.push_back(pair.second), seeds.push_back(c);
    // Several processes: each back-propagates its contiguous block of the pairs.
    const dist::Communicator& comm = dist::world();
    const auto [first, last] = dist::shard(static_cast<std::int64_t>(ii.size()), comm.rank(), comm.size());
    for (auto at = static_cast<std::size_t>(first); at < static_cast<std::size_t>(last);
         at += static_cast<std::size_t>(chunk_pairs)) {
        const std::size_t end = std::min(static_cast<std::size_t>(last), at + static_cast<std::size_t>(chunk_pairs));
        const std::vector<std::int64_t> ci(ii.begin() + at, ii.begin() + end), cj(cc.begin() + at, cc.begin() + end);
        const std::vector<double> sd(seeds.begin() + at, seeds.begin() + end);
        auto t0 = Clock::now();
        const Tensor s = model.score_pairs(b.leaves, ci, cj);
        ph.pairs_forward += elapsed_seconds(t0);
        t0 = Clock::now();
        s.backward(from_vector(sd, {static_cast<std::int64_t>(sd.size())}, Device::ref()).to(s.dtype()).to(s.device()));
        ph.pairs_backward += elapsed_seconds(t0);
    }
    const auto t0 = Clock::now();
    // An encoder whose parameters are all held fixed (the trainer's --freeze) has no tape to follow.
    if (b.leaves.images.grad().defined() && b.taped.images.requires_grad())
        b.taped.images.backward(b.leaves.images.grad());
    if (b.leaves.captions.grad().defined() && b.taped.captions.requires_grad())
        b.taped.captions.backward(b.leaves.captions.grad());
    ph.encoders_backward += elapsed_seconds(t0);
    return static_cast<std::int64_t>(ii.size());
}

}  // namespace imram::models
