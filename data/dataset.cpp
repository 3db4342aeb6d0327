// SPDX-License-Identifier: MIT
#include "data/dataset.h"

#include <algorithm>

#include "base/check.h"
#include "core/ops.h"
#include "core/rng.h"

namespace imram::data {

void pad_captions(const Dataset& d, const std::vector<std::int64_t>& idx, Tensor& ids, std::vector<std::int64_t>& lengths) {
    std::int64_t L = 1;
    for (auto j : idx) L = std::max<std::int64_t>(L, static_cast<std::int64_t>(d.captions.at(j).size()));
    std::vector<std::int64_t> flat(idx.size() * static_cast<std::size_t>(L), 0);
    lengths.clear();
    for (std::size_t b = 0; b < idx.size(); ++b) {
        const auto& c = d.captions[idx[b]];
        std::copy(c.begin(), c.end(), flat.begin() + static_cast<std::ptrdiff_t>(b * L));
        lengths.push_back(static_cast<std::int64_t>(c.size()));
    }
    ids = from_vector(flat, {static_cast<std::int64_t>(idx.size()), L});
}

std::int64_t truncate_captions(Dataset& d, std::int64_t max_words) {
    IMRAM_CHECK(max_words >= 0, "truncate_captions: max_words must be >= 0, got ", max_words);
    if (max_words == 0) return 0;
    std::int64_t cut = 0;
    for (auto& c : d.captions) {
        const auto words = static_cast<std::int64_t>(c.size()) - 2;  // <start> words <end>
        if (words <= max_words) continue;
        const std::int64_t end = c.back();
        c.resize(static_cast<std::size_t>(max_words + 1));
        c.push_back(end);
        ++cut;
    }
    return cut;
}

namespace {
/// Seeded permutation of [0, n) on its own Philox stream (Fisher-Yates).
std::vector<std::int64_t> permutation(std::int64_t n, std::uint64_t seed, std::uint64_t stream) {
    std::vector<std::int64_t> p(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) p[static_cast<std::size_t>(i)] = i;
    Philox rng(seed, stream);
    for (std::int64_t i = n; i > 1; --i) std::swap(p[static_cast<std::size_t>(i - 1)], p[rng.below(static_cast<std::uint64_t>(i))]);
    return p;
}
}  // namespace

std::vector<std::int64_t> epoch_order(const Dataset& d, std::uint64_t seed, std::int64_t epoch, bool one_per_image) {
    const auto stream = static_cast<std::uint64_t>(epoch) << 40;
    if (!one_per_image) return permutation(d.num_captions(), seed, stream);
    const std::int64_t n_img = d.num_captions() / d.im_div;
    std::vector<std::int64_t> order = permutation(n_img, seed, stream);
    Philox pick(seed, stream | (std::uint64_t{1} << 39));  // a stream apart from the permutation's
    for (auto& i : order) i = i * d.im_div + static_cast<std::int64_t>(pick.below(static_cast<std::uint64_t>(d.im_div)));
    return order;
}

Batch make_batch(const Dataset& d, const std::vector<std::int64_t>& idx) {
    Batch b;
    std::vector<std::int64_t> img(idx.size());
    for (std::size_t i = 0; i < idx.size(); ++i) img[i] = d.image_of(idx[i]);
    b.images = index_select(d.images, 0, from_vector(img, {static_cast<std::int64_t>(img.size())}));
    pad_captions(d, idx, b.ids, b.lengths);
    return b;
}

}  // namespace imram::data
