// SPDX-License-Identifier: MIT
// The three harnesses over the op-case registry: gradcheck, backend parity, and coverage of ops.def.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cfloat>
#include <cmath>
#include <map>

#include "core/autograd.h"
#include "tests/testing/compare.h"
#include "tests/testing/gradcheck.h"
#include "tests/testing/op_cases.h"
#include "tests/testing/parity_backends.h"

using namespace imram;
using namespace imram::testing;

namespace {

/// Random f64 weights per floating output, so loss = sum_i <w_i, out_i> probes every output element.
std::vector<Tensor> output_weights(const std::vector<Tensor>& outs) {
    std::vector<Tensor> w;
    for (std::size_t i = 0; i < outs.size(); ++i)
        w.push_back(is_floating(outs[i].dtype()) ? randn(outs[i].shape(), 77, i * 1000003, DType::F64, Device::ref())
                                                 : Tensor());
    return w;
}

Tensor weighted_loss(const std::vector<Tensor>& outs, const std::vector<Tensor>& w) {
    Tensor loss;
    for (std::size_t i = 0; i < outs.size(); ++i) {
        if (!w[i].defined()) continue;
        Tensor wi = w[i].to(outs[i].dtype()).to(outs[i].device());
        Tensor term = sum(mul(outs[i], wi));
        loss = loss.defined() ? add(loss, term) : term;
    }
    return loss;
}

bool differentiable_input(const OpCase& c, std::size_t k) {
    return c.inputs[k].kind == InputKind::Float && !c.inputs[k].no_grad;
}

struct Run {
    std::vector<Tensor> outs, grads;
};

/// Runs a case's forward and backward in (dtype, device) with the given output weights.
Run run_case(const OpCase& c, DType dtype, Device dev, const std::vector<Tensor>& w) {
    std::vector<Tensor> in = make_inputs(c, dtype, dev);
    for (std::size_t k = 0; k < in.size(); ++k)
        if (differentiable_input(c, k) && c.gradcheck) in[k].set_requires_grad();
    Run r;
    r.outs = c.fn(in);
    if (c.gradcheck) {
        Tensor loss = weighted_loss(r.outs, w);
        if (loss.requires_grad()) loss.backward();
        for (std::size_t k = 0; k < in.size(); ++k)
            if (differentiable_input(c, k))
                r.grads.push_back(in[k].grad().defined() ? in[k].grad() : zeros_like(in[k]));
    }
    return r;
}

}  // namespace

TEST_CASE("gradcheck: analytic gradients match central differences (ref, f64)", "[grad]") {
    for (const OpCase& c : registry()) {
        if (!c.gradcheck) continue;
        DYNAMIC_SECTION(c.op << "/" << c.name) {
            std::vector<Tensor> in = make_inputs(c, DType::F64, Device::ref());
            for (std::size_t k = 0; k < in.size(); ++k)
                if (differentiable_input(c, k)) in[k].set_requires_grad();
            const std::vector<Tensor> w = output_weights(c.fn(in));
            std::vector<Tensor*> wrt;
            for (std::size_t k = 0; k < in.size(); ++k)
                if (differentiable_input(c, k)) wrt.push_back(&in[k]);
            const GradcheckResult r = gradcheck([&] { return weighted_loss(c.fn(in), w); }, wrt);
            INFO(r.first_failure);
            CHECK(r.checked > 0);
            CHECK(r.ok);
        }
    }
}

TEST_CASE("parity: every backend matches the f64 reference", "[parity]") {
    const std::vector<Device> backends = parity_backends();
    for (const OpCase& c : registry()) {
        for (Device dev : backends) {
            DYNAMIC_SECTION(c.op << "/" << c.name << " on " << dev) {
                std::vector<Tensor> probe = make_inputs(c, DType::F64, Device::ref());
                const Run oracle = [&] {
                    std::vector<Tensor> outs = c.fn(probe);
                    return run_case(c, DType::F64, Device::ref(), output_weights(outs));
                }();
                const std::vector<Tensor> w = output_weights(oracle.outs);
                const Run naive = run_case(c, DType::F32, Device::ref(), w);
                const Run fast = run_case(c, DType::F32, dev, w);
                REQUIRE(fast.outs.size() == oracle.outs.size());
                REQUIRE(fast.grads.size() == oracle.grads.size());
                auto check = [&](const Tensor& got, const Tensor& want, const Tensor& baseline, const char* what,
                                 std::size_t i) {
                    REQUIRE(got.shape() == want.shape());
                    REQUIRE(got.dtype() == baseline.dtype());
                    const Diff d = diff(got, want), d0 = diff(baseline, want);
                    INFO(what << " " << i << ": " << dev << " " << describe_diff(d, got, want) << "; ref<f32> rel "
                              << d0.rel());
                    if (c.exact || !is_floating(got.dtype())) {
                        REQUIRE(d.max_abs == 0.0);
                    } else {
                        // No worse than twice the naive same-precision error, with a floor of a few f32 ulps.
                        REQUIRE(d.rel() <= std::max(2.0 * d0.rel(), 16.0 * FLT_EPSILON));
                    }
                };
                for (std::size_t i = 0; i < fast.outs.size(); ++i)
                    check(fast.outs[i], oracle.outs[i], naive.outs[i], "output", i);
                for (std::size_t i = 0; i < fast.grads.size(); ++i)
                    check(fast.grads[i], oracle.grads[i], naive.grads[i], "grad of input", i);
            }
        }
    }
}

TEST_CASE("coverage: every op in ops.def has parity and gradcheck cases", "[coverage]") {
    // Parity runs every case on every backend listed here, so the cases below cover the CUDA
    // kernels as much as the cpu ones: through the SIMT emulator in the main test binary (cpu and
    // cuda_emulated), on the device itself in the real-GPU binary (cuda:0 alone).
    const std::vector<Device>& backends = parity_backends();
    const bool real_gpu = std::any_of(backends.begin(), backends.end(),
                                      [](const Device& d) { return d.type == DeviceType::CUDA; });
    if (!real_gpu) {
        CHECK(std::find(backends.begin(), backends.end(), Device::cuda_emulated()) != backends.end());
        CHECK(std::find(backends.begin(), backends.end(), Device::cpu()) != backends.end());
    }
    std::map<std::string, std::pair<int, int>> counts;  // op -> (cases, gradcheck cases)
    for (const OpCase& c : registry()) {
        counts[c.op].first++;
        counts[c.op].second += c.gradcheck ? 1 : 0;
    }
    for (const OpInfo& op : all_ops()) {
        INFO("op '" << op.name << "' (add IMRAM_OP_CASE entries in tests/core/ops/)");
        CHECK(counts[op.name].first > 0);
        if (op.differentiable) CHECK(counts[op.name].second > 0);
    }
    for (const auto& entry : counts) {
        const std::string& name = entry.first;  // a named variable: clang 14 cannot capture structured bindings
        INFO("case registered for '" << name << "', which is not in core/ops.def");
        CHECK(std::any_of(all_ops().begin(), all_ops().end(), [&](const OpInfo& o) { return name == o.name; }));
    }
}
