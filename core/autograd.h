// SPDX-License-Identifier: MIT
// Tape autograd. Every differentiable op appends a Node in creation order (a topological order);
// backward() walks the tape in reverse from the root's node. Gradients accumulate into leaves' .grad().
//
// Ownership: a tensor owns the node that produced it (grad_fn); the node owns its inputs; the tape holds
// weak references for ordering only, so a graph dies with its outputs and nothing leaks between steps.
// A backward lambda must not capture its own outputs undetached (that would make a cycle): capture
// `y.detach()` instead.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace imram::autograd {

/// Receives dL/d(outputs) (zeros for outputs no gradient reached) and returns dL/d(inputs), one per input
/// in the order given to record(); an undefined Tensor means "no gradient for this input".
using BackwardFn = std::function<std::vector<Tensor>(const std::vector<Tensor>& grad_outputs)>;

struct Node {
    std::string name;
    std::uint64_t seq = 0;
    std::vector<std::shared_ptr<TensorImpl>> inputs;  // null where the input needs no gradient
    std::vector<std::uint64_t> output_ids;
    std::vector<Shape> output_shapes;
    std::vector<DType> output_dtypes;
    Device device{};
    BackwardFn backward;
    bool released = false;  // saved tensors freed by a backward pass without retain_graph
};

/// True unless a NoGradGuard is alive on this thread.
bool grad_enabled();

/// Disables recording on this thread for its lifetime (evaluation, optimizer updates, backward itself).
class NoGradGuard {
public:
    NoGradGuard();
    ~NoGradGuard();
    NoGradGuard(const NoGradGuard&) = delete;
    NoGradGuard& operator=(const NoGradGuard&) = delete;

private:
    bool prev_;
};

/// True when grad mode is on and any of `inputs` requires grad: the op should then call record().
bool any_requires_grad(const std::vector<Tensor>& inputs);

/// Appends a node: `outputs` become non-leaves that require grad. No-op when any_requires_grad is false.
void record(const char* name, const std::vector<Tensor>& inputs, const std::vector<Tensor>& outputs, BackwardFn fn);

/// Runs the reverse pass (see Tensor::backward).
void backward(const Tensor& root, const Tensor& seed, bool retain_graph);

/// Number of live nodes on this thread's tape (for tests and leak checks).
std::size_t tape_size();
/// Releases every node on this thread's tape: later backward calls through them fail clearly.
void clear_tape();

}  // namespace imram::autograd

namespace imram {
using autograd::NoGradGuard;
}
