// SPDX-License-Identifier: MIT
#include "dist/communicator.h"

#include <algorithm>

#include "base/check.h"
#include "core/ops.h"

namespace imram::dist {

void Communicator::all_reduce_sum(std::vector<double>& values) const {
    if (size() == 1) return;
    const std::vector<double> all = all_gather(values);
    const std::size_t n = values.size();
    IMRAM_CHECK(all.size() == n * static_cast<std::size_t>(size()), "all_reduce_sum: the ranks gave vectors of ",
                "different lengths (", all.size(), " values in all, ", n, " here, ", size(), " ranks)");
    for (std::size_t i = 0; i < n; ++i) {
        double s = all[i];
        for (int r = 1; r < size(); ++r) s += all[static_cast<std::size_t>(r) * n + i];
        values[i] = s;
    }
}

std::pair<std::int64_t, std::int64_t> shard(std::int64_t n, int rank, int size) {
    IMRAM_CHECK(size >= 1 && rank >= 0 && rank < size && n >= 0, "shard: rank ", rank, " of ", size, ", ", n, " rows");
    const std::int64_t base = n / size, extra = n % size;
    const std::int64_t begin = rank * base + std::min<std::int64_t>(rank, extra);
    return {begin, begin + base + (rank < extra ? 1 : 0)};
}

Tensor all_gather_rows(const Communicator& comm, const Tensor& rows) {
    IMRAM_CHECK(rows.dtype() == DType::F32 && rows.dim() >= 1, "all_gather_rows: expected float32 rows, got ",
                rows.describe());
    if (comm.size() == 1) return rows;
    const Tensor host = rows.to(Device::cpu()).contiguous();
    Shape shape = host.shape();
    const std::int64_t per_row = host.size(0) > 0 ? host.numel() / host.size(0) : 0;
    // The trailing shape must agree: gather every rank's (rows, values per row) first.
    const std::vector<double> sizes =
        comm.all_gather(std::vector<double>{static_cast<double>(host.size(0)), static_cast<double>(per_row)});
    std::int64_t total = 0;
    for (int r = 0; r < comm.size(); ++r) {
        const auto n_r = static_cast<std::int64_t>(sizes[2 * static_cast<std::size_t>(r)]);
        const auto w_r = static_cast<std::int64_t>(sizes[2 * static_cast<std::size_t>(r) + 1]);
        IMRAM_CHECK(n_r == 0 || host.size(0) == 0 || w_r == per_row, "all_gather_rows: rank ", r, " has rows of ", w_r,
                    " values, this rank (", comm.rank(), ") ", per_row);
        total += n_r;
    }
    const float* p = host.data<float>();
    const std::vector<float> all = comm.all_gather(std::vector<float>(p, p + host.numel()));
    shape[0] = total;
    return from_vector(all, shape);
}

namespace {
const SingleProcess kSingle;
const Communicator* g_world = &kSingle;
}  // namespace

const Communicator& world() { return *g_world; }
void set_world(const Communicator* c) { g_world = c ? c : &kSingle; }

}  // namespace imram::dist
