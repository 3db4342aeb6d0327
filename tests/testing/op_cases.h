// SPDX-License-Identifier: MIT
// The op-case registry: each op registers a few shaped cases once; the harnesses then run, for every
// case, a finite-difference gradcheck (ref backend, f64) and a parity check of every backend against
// the f64 reference (forward outputs and input gradients). See docs/testing.md.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/ops.h"

namespace imram::testing {

enum class InputKind {
    Float,     // uniform in [lo, hi), differentiable unless `no_grad`
    SmallInt,  // floating, integers in [lo, hi]: products are exact in f32 (GEMM index bugs show exactly)
    Index,     // i64 in [0, bound)
    Mask,      // bool, true with probability p
};

struct InputSpec {
    Shape shape;
    InputKind kind = InputKind::Float;
    double lo = -1.0, hi = 1.0;
    std::int64_t bound = 0;
    double p = 0.5;
    bool no_grad = false;
};

inline InputSpec F(Shape s, double lo = -1.0, double hi = 1.0) {
    return {std::move(s), InputKind::Float, lo, hi};
}
inline InputSpec Ints(Shape s, double lo = -4, double hi = 4) {
    return {std::move(s), InputKind::SmallInt, lo, hi};
}
inline InputSpec Idx(Shape s, std::int64_t bound) {
    return {std::move(s), InputKind::Index, 0, 0, bound};
}
inline InputSpec Mask(Shape s, double p = 0.6) {
    return {std::move(s), InputKind::Mask, 0, 0, 0, p};
}

using OpFn = std::function<std::vector<Tensor>(const std::vector<Tensor>&)>;

struct OpCase {
    std::string op;    // the name in core/ops.def
    std::string name;  // what this case exercises
    std::vector<InputSpec> inputs;
    OpFn fn;
    bool gradcheck = true;
    bool exact = false;  // outputs must match the reference bit for bit (SmallInt inputs)
};

std::vector<OpCase>& registry();

struct Register {
    explicit Register(OpCase c) { registry().push_back(std::move(c)); }
};

/// Inputs of a case in `dtype` on `dev`, reproducible from the case's position and name.
std::vector<Tensor> make_inputs(const OpCase& c, DType dtype, Device dev);

/// Every name listed in core/ops.def, with its differentiable flag.
struct OpInfo {
    const char* name;
    bool differentiable;
};
const std::vector<OpInfo>& all_ops();

}  // namespace imram::testing

#define IMRAM_CONCAT_INNER(a, b) a##b
#define IMRAM_CONCAT(a, b) IMRAM_CONCAT_INNER(a, b)
/// Registers one case at static-initialisation time: IMRAM_OP_CASE({"add", "broadcast", {F({2,3}), F({3})}, fn});
#define IMRAM_OP_CASE(...) \
    static const ::imram::testing::Register IMRAM_CONCAT(imram_op_case_, __LINE__)(::imram::testing::OpCase __VA_ARGS__)
