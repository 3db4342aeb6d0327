// SPDX-License-Identifier: MIT
#include "data/dataset.h"

#include <algorithm>

#include "core/ops.h"

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

Batch make_batch(const Dataset& d, const std::vector<std::int64_t>& idx) {
    Batch b;
    std::vector<std::int64_t> img(idx.size());
    for (std::size_t i = 0; i < idx.size(); ++i) img[i] = d.image_of(idx[i]);
    b.images = index_select(d.images, 0, from_vector(img, {static_cast<std::int64_t>(img.size())}));
    pad_captions(d, idx, b.ids, b.lengths);
    return b;
}

}  // namespace imram::data
