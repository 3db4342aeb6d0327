// SPDX-License-Identifier: MIT
#include "core/autograd.h"

#include <algorithm>
#include <unordered_map>

#include "core/ops.h"

namespace imram::autograd {
namespace {

thread_local bool t_grad_enabled = true;

struct Tape {
    std::vector<std::weak_ptr<Node>> nodes;  // ascending seq
    std::uint64_t next_seq = 1;
    std::size_t live_after_prune = 0;

    void push(const std::shared_ptr<Node>& n) {
        n->seq = next_seq++;
        nodes.push_back(n);
        // Amortised pruning of dead entries keeps the tape proportional to the live graph.
        if (nodes.size() > 2 * live_after_prune + 1024) prune();
    }
    void prune() {
        std::erase_if(nodes, [](const std::weak_ptr<Node>& w) { return w.expired(); });
        live_after_prune = nodes.size();
    }
};
thread_local Tape t_tape;

/// A leaf's gradient is summed in place when nothing else can see it: no other handle on it and no
/// view of its storage (a caller may hold what grad() returned). A weight used at every step of a
/// recurrence (the GRU's) then costs one addition per use, not a fresh buffer and a copy of the sum.
void accumulate_leaf(TensorImpl& leaf, const Tensor& g) {
    if (!leaf.grad) {
        leaf.grad = g.clone().impl_ptr();  // own copy: g may be shared with other nodes
        return;
    }
    if (leaf.grad.use_count() == 1 && leaf.grad->storage.use_count() == 1) {
        Tensor acc(leaf.grad);
        if (acc.is_contiguous()) {
            add_(acc, g);  // g has the leaf's shape: backward() checks every input gradient's shape
            return;
        }
    }
    leaf.grad = add(Tensor(leaf.grad), g).impl_ptr();
}

}  // namespace

bool grad_enabled() {
    return t_grad_enabled;
}
NoGradGuard::NoGradGuard() : prev_(t_grad_enabled) {
    t_grad_enabled = false;
}
NoGradGuard::~NoGradGuard() {
    t_grad_enabled = prev_;
}

bool any_requires_grad(const std::vector<Tensor>& inputs) {
    if (!t_grad_enabled) return false;
    return std::any_of(inputs.begin(), inputs.end(), [](const Tensor& t) { return t.defined() && t.requires_grad(); });
}

void record(const char* name, const std::vector<Tensor>& inputs, const std::vector<Tensor>& outputs, BackwardFn fn) {
    if (!any_requires_grad(inputs)) return;
    auto node = std::make_shared<Node>();
    node->name = name;
    for (const Tensor& t : inputs) node->inputs.push_back(t.defined() && t.requires_grad() ? t.impl_ptr() : nullptr);
    for (const Tensor& t : outputs) {
        node->output_ids.push_back(t.impl().id);
        node->output_shapes.push_back(t.shape());
        node->output_dtypes.push_back(t.dtype());
        node->device = t.device();
    }
    node->backward = std::move(fn);
    t_tape.push(node);
    for (const Tensor& t : outputs) {
        if (!is_floating(t.dtype())) continue;  // index outputs (e.g. argmax) carry no gradient
        t.impl().requires_grad = true;
        t.impl().grad_fn = node;
    }
}

void backward(const Tensor& root, const Tensor& seed_in, bool retain_graph) {
    IMRAM_CHECK(root.requires_grad(), "backward: the tensor ", root.describe(),
                " does not require grad; did you call set_requires_grad() on a parameter, or compute it under "
                "NoGradGuard?");
    Tensor seed = seed_in;
    if (!seed.defined()) {
        IMRAM_CHECK(root.numel() == 1, "backward: implicit seed needs a one-element tensor, got ", root.describe(),
                    "; pass a seed gradient of the same shape");
        seed = ones(root.shape(), root.dtype(), root.device());
    }
    IMRAM_CHECK(seed.shape() == root.shape() && seed.dtype() == root.dtype(), "backward: seed ", seed.describe(),
                " does not match the tensor ", root.describe());
    NoGradGuard no_grad;
    if (root.is_leaf()) {
        accumulate_leaf(root.impl(), seed);
        return;
    }
    const std::shared_ptr<Node> start = root.impl().grad_fn;
    IMRAM_CHECK(!start->released, "backward: trying to backward through the graph a second time (node '", start->name,
                "'); its saved tensors were freed by the first backward. Pass retain_graph=true to the first call.");
    std::unordered_map<std::uint64_t, Tensor> grads;
    grads.emplace(root.impl().id, seed);

    // Nodes are in ascending seq; everything that can reach the root was created no later than it.
    std::vector<std::shared_ptr<Node>> order;
    for (const auto& w : t_tape.nodes)
        if (auto n = w.lock(); n && n->seq <= start->seq) order.push_back(std::move(n));

    for (auto it = order.rbegin(); it != order.rend(); ++it) {
        Node& node = **it;
        bool reached = false;
        for (auto id : node.output_ids) reached = reached || grads.count(id) > 0;
        if (!reached) continue;
        IMRAM_CHECK(!node.released, "backward: node '", node.name,
                    "' was already released by an earlier backward; pass retain_graph=true to keep it");
        std::vector<Tensor> gout;
        for (std::size_t i = 0; i < node.output_ids.size(); ++i) {
            auto g = grads.find(node.output_ids[i]);
            if (g != grads.end()) {
                gout.push_back(g->second);
                grads.erase(g);
            } else {
                gout.push_back(zeros(node.output_shapes[i], node.output_dtypes[i], node.device));
            }
        }
        std::vector<Tensor> gin = node.backward(gout);
        IMRAM_CHECK(gin.size() == node.inputs.size(), "backward of '", node.name, "' returned ", gin.size(),
                    " gradients for ", node.inputs.size(), " inputs");
        for (std::size_t i = 0; i < gin.size(); ++i) {
            const auto& in = node.inputs[i];
            if (!in || !gin[i].defined()) continue;
            IMRAM_CHECK(gin[i].shape() == in->shape, "backward of '", node.name, "': gradient ", i, " has shape ",
                        gin[i].shape(), " but the input has shape ", in->shape);
            if (!in->grad_fn) {
                accumulate_leaf(*in, gin[i]);
            } else {
                auto [pos, fresh] = grads.emplace(in->id, gin[i]);
                if (!fresh) pos->second = add(pos->second, gin[i]);
            }
        }
        if (!retain_graph) {
            node.released = true;
            node.backward = nullptr;
            node.inputs.clear();
        }
    }
}

std::size_t tape_size() {
    t_tape.prune();
    return t_tape.nodes.size();
}

void clear_tape() {
    for (auto& w : t_tape.nodes)
        if (auto n = w.lock()) {
            n->released = true;
            n->backward = nullptr;
            n->inputs.clear();
        }
    t_tape.nodes.clear();
    t_tape.live_after_prune = 0;
}

}  // namespace imram::autograd
