// SPDX-License-Identifier: MIT
#include "models/pair_inputs.h"

namespace imram::models {

Tensor index_tensor(const std::vector<std::int64_t>& v) {
    return from_vector(v, {static_cast<std::int64_t>(v.size())}, Device::ref());
}

Tensor length_mask(const std::vector<std::int64_t>& lengths, std::int64_t L, Device dev) {
    std::vector<std::uint8_t> m(lengths.size() * static_cast<std::size_t>(L));
    for (std::size_t p = 0; p < lengths.size(); ++p)
        for (std::int64_t t = 0; t < L; ++t) m[p * L + t] = t < lengths[p] ? 1 : 0;
    return from_vector(m, {static_cast<std::int64_t>(lengths.size()), L}, dev);
}

}  // namespace imram::models
