// SPDX-License-Identifier: MIT
#include "data/caption_drop.h"

#include <algorithm>

#include "core/ops.h"
#include "data/vocab.h"

namespace imram::data {

std::vector<std::int64_t> drop_words(const std::vector<std::int64_t>& caption, double p, Philox& rng) {
    IMRAM_CHECK(p >= 0 && p < 1, "caption drop: the probability must be in [0, 1), got ", p);
    IMRAM_CHECK(caption.size() >= 2, "caption drop: a caption has <start> and <end>, got ", caption.size(), " ids");
    if (p == 0) return caption;
    std::vector<std::int64_t> words(caption.begin() + 1, caption.end() - 1);
    // Kept when the draw exceeds p (the official `random.random() > p`), otherwise <unk>.
    for (auto& w : words)
        if (!(rng.uniform() > p)) w = Vocab::kUnk;
    // int(n * p) deletions at uniform positions of what is left (Python's randrange, popped in turn).
    const auto n_delete = static_cast<std::size_t>(static_cast<double>(words.size()) * p);
    for (std::size_t d = 0; d < n_delete; ++d)
        words.erase(words.begin() + static_cast<std::ptrdiff_t>(rng.below(words.size())));
    std::vector<std::int64_t> out;
    out.reserve(words.size() + 2);
    out.push_back(caption.front());
    out.insert(out.end(), words.begin(), words.end());
    out.push_back(caption.back());
    return out;
}

void drop_batch_words(Batch& b, double p, std::uint64_t seed, std::uint64_t step) {
    if (p == 0) return;
    const std::int64_t n = b.ids.size(0), L = b.ids.size(1);
    IMRAM_CHECK(static_cast<std::int64_t>(b.lengths.size()) == n, "caption drop: ", n, " captions but ",
                b.lengths.size(), " lengths");
    const std::vector<std::int64_t> ids = b.ids.to_vector<std::int64_t>();
    // A key apart from the data order's and the model's streams; 2^20 positions a step, 2^12 draws a caption.
    const std::uint64_t key = seed ^ 0x6361707469646f70ULL;  // "captidop"
    std::vector<std::vector<std::int64_t>> dropped(static_cast<std::size_t>(n));
    std::int64_t longest = 1;
    for (std::int64_t i = 0; i < n; ++i) {
        const auto row = ids.begin() + i * L;
        Philox rng(key, ((step << 20) | static_cast<std::uint64_t>(i)) << 12);
        dropped[static_cast<std::size_t>(i)] =
            drop_words(std::vector<std::int64_t>(row, row + b.lengths[static_cast<std::size_t>(i)]), p, rng);
        longest = std::max<std::int64_t>(longest, static_cast<std::int64_t>(dropped[static_cast<std::size_t>(i)].size()));
    }
    std::vector<std::int64_t> flat(static_cast<std::size_t>(n * longest), Vocab::kPad);
    for (std::int64_t i = 0; i < n; ++i) {
        const auto& c = dropped[static_cast<std::size_t>(i)];
        std::copy(c.begin(), c.end(), flat.begin() + i * longest);
        b.lengths[static_cast<std::size_t>(i)] = static_cast<std::int64_t>(c.size());
    }
    b.ids = from_vector(flat, {n, longest});
}

}  // namespace imram::data
