// SPDX-License-Identifier: MIT
// Warp intrinsics as rendezvous of exactly the lanes named in the mask (not the whole block, so a
// shuffle inside `if (warp == 0)` works). The last lane to arrive computes every lane's result and
// carries on; the others resume in schedule order. The mask rules CUDA states as "undefined" are
// errors here: lanes that do not exist, a caller outside its mask, lanes disagreeing on the mask, an
// exited lane in the mask, and a shuffle reading a lane outside the mask.
#include <bit>
#include <sstream>
#include <stdexcept>

#include "kernels/simt/block.h"
#include "kernels/simt/intrinsics.h"

namespace simt::detail {

namespace {
template <class... A>
std::string cat(const A&... a) {
    std::ostringstream s;
    (s << ... << a);
    return s.str();
}
std::string hex(unsigned v) {
    std::ostringstream s;
    s << "0x" << std::hex << v;
    return s.str();
}
bool is_shuffle(int op) { return op == kShfl || op == kShflUp || op == kShflDown || op == kShflXor; }
}  // namespace

const char* warp_op_name(int op) {
    static const char* const names[] = {"__shfl_sync", "__shfl_up_sync", "__shfl_down_sync", "__shfl_xor_sync",
                                        "__ballot_sync", "__any_sync",    "__all_sync",       "__syncwarp"};
    return op >= 0 && op < kWarpOpCount ? names[op] : "warp operation";
}

uint64_t Block::warp_exchange(int op, unsigned mask, uint64_t value, int arg, int width, const char* file, int line) {
    ThreadSlot& t = *current_;
    WarpState& w = warps_[static_cast<size_t>(t.warp)];
    const unsigned bit = 1u << t.lane;
    const std::string where = cat(warp_op_name(op), " at ", file, ":", line, ": ");
    if (mask & ~w.lanes)
        violate(cat(where, "mask ", hex(mask), " names lanes that do not exist (warp ", t.warp, " has ",
                    std::popcount(w.lanes), " lane(s); block size ", n_, ")"));
    if (!(mask & bit)) violate(cat(where, "calling lane ", t.lane, " (", thread_name(t), ") is not in mask ", hex(mask)));
    if (mask & w.exited)
        violate(cat(where, "mask ", hex(mask), " names lanes that have already exited: ", hex(mask & w.exited)));
    if (is_shuffle(op) && (width < 1 || width > 32 || (width & (width - 1)) != 0))
        violate(cat(where, "width ", width, " is not a power of two between 1 and 32"));
    size_t gi = w.pending.size();
    for (size_t i = 0; i < w.pending.size(); ++i) {
        const WarpGroup& g = w.pending[i];
        if (!(g.mask & mask)) continue;
        if (g.mask != mask)
            violate(cat(where, "lanes disagree on the mask: lane ", t.lane, " passes ", hex(mask), " while lanes ",
                        hex(g.arrived), " wait with mask ", hex(g.mask), " at ", g.file, ":", g.line));
        if (g.op != op)
            violate(cat(where, "lanes of mask ", hex(mask), " meet at different warp operations: lane ", t.lane,
                        " here, lanes ", hex(g.arrived), " at ", warp_op_name(g.op), " (", g.file, ":", g.line, ")"));
        gi = i;
        break;
    }
    if (gi == w.pending.size()) w.pending.push_back(WarpGroup{op, mask, 0, file, line});
    t.in = value;
    t.arg = arg;
    t.width = width;
    w.pending[gi].arrived |= bit;
    if (w.pending[gi].arrived == mask) {
        complete_warp_group(w, gi);
        return t.out;
    }
    suspend_as(Wait::Warp, op, file, line, mask);
    return t.out;
}

void Block::complete_warp_group(WarpState& w, size_t gi) {
    const WarpGroup g = w.pending[gi];
    const int base = current_->warp * 32;
    auto slot = [&](int lane) -> ThreadSlot& { return threads_[static_cast<size_t>(base + lane)]; };
    uint64_t votes = 0;
    for (int l = 0; l < 32; ++l)
        if ((g.mask >> l & 1u) && slot(l).in != 0) votes |= 1ull << l;
    for (int l = 0; l < 32; ++l) {
        if (!(g.mask >> l & 1u)) continue;
        ThreadSlot& s = slot(l);
        const int wd = s.width;
        int src = l;
        switch (g.op) {
            case kShfl: src = (l & ~(wd - 1)) + (s.arg & (wd - 1)); break;
            case kShflUp: src = (l & (wd - 1)) >= s.arg ? l - s.arg : l; break;
            case kShflDown: src = (l & (wd - 1)) + s.arg < wd ? l + s.arg : l; break;
            case kShflXor: {
                const int x = l ^ s.arg;
                src = (x >= 0 && x < (l / wd + 1) * wd) ? x : l;  // later segments: keep own value
                break;
            }
            default: break;
        }
        if (is_shuffle(g.op)) {
            if (src != l && !(g.mask >> src & 1u))
                violate(cat(warp_op_name(g.op), " at ", g.file, ":", g.line, ": lane ", l, " reads lane ", src,
                            ", which is not in mask ", hex(g.mask)));
            s.out = slot(src).in;
        } else if (g.op == kBallot) {
            s.out = votes;
        } else if (g.op == kAny) {
            s.out = votes != 0;
        } else if (g.op == kAll) {
            s.out = votes == g.mask;
        } else {
            s.out = 0;
        }
    }
    w.pending.erase(w.pending.begin() + static_cast<std::ptrdiff_t>(gi));
    ++counters_->warp_ops;
    scratch_.clear();
    for (int l = 0; l < 32; ++l)
        if ((g.mask >> l & 1u) && l != current_->lane) scratch_.push_back(base + l);
    release_in_order(scratch_);
}

unsigned Block::active_mask() const {
    const WarpState& w = warps_[static_cast<size_t>(current_->warp)];
    return w.lanes & ~w.exited;
}

uint64_t warp_exchange(int op, unsigned mask, uint64_t value, int arg, int width, const char* file, int line) {
    Block* b = current_block();
    if (!b) throw std::logic_error(cat("simt: ", warp_op_name(op), " called outside a kernel (", file, ":", line, ")"));
    return b->warp_exchange(op, mask, value, arg, width, file, line);
}

unsigned active_mask() {
    Block* b = current_block();
    if (!b) throw std::logic_error("simt: __activemask called outside a kernel");
    return b->active_mask();
}

}  // namespace simt::detail
