// SPDX-License-Identifier: MIT
#include "tests/testing/op_cases.h"

#include <cmath>

#include "core/rng.h"

namespace imram::testing {

std::vector<OpCase>& registry() {
    static std::vector<OpCase> r;
    return r;
}

const std::vector<OpInfo>& all_ops() {
    static const std::vector<OpInfo> ops = {
#define IMRAM_OP(name, diff) {#name, diff},
#include "core/ops.def"
#undef IMRAM_OP
    };
    return ops;
}

std::vector<Tensor> make_inputs(const OpCase& c, DType dtype, Device dev) {
    std::uint64_t seed = 0x5eed;
    for (char ch : c.op + "/" + c.name) seed = seed * 131 + static_cast<unsigned char>(ch);
    std::vector<Tensor> out;
    for (std::size_t k = 0; k < c.inputs.size(); ++k) {
        const InputSpec& s = c.inputs[k];
        Philox rng(seed, k << 32);
        const std::int64_t n = shape_numel(s.shape);
        Tensor t;
        switch (s.kind) {
            case InputKind::Float:
            case InputKind::SmallInt: {
                std::vector<double> v(n);
                for (auto& x : v) {
                    x = s.lo + (s.hi - s.lo) * rng.uniform();
                    if (s.kind == InputKind::SmallInt) x = std::round(x);
                }
                t = from_vector(v, s.shape, Device::ref()).to(dtype);
                break;
            }
            case InputKind::Index: {
                std::vector<std::int64_t> v(n);
                for (auto& x : v) x = static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(s.bound)));
                t = from_vector(v, s.shape, Device::ref());
                break;
            }
            case InputKind::Mask: {
                std::vector<std::uint8_t> v(n);
                for (auto& x : v) x = rng.uniform() < s.p ? 1 : 0;
                t = from_vector(v, s.shape, Device::ref());
                break;
            }
        }
        out.push_back(t.to(dev));
    }
    return out;
}

}  // namespace imram::testing
