// SPDX-License-Identifier: MIT
// Processes that work on one job together (docs/distributed.md): the collectives the engine needs,
// behind one interface, so that the code above runs unchanged in one process (SingleProcess) or in
// several started by mpirun (MpiCommunicator, dist/mpi_communicator.h, in the `imram` tool when
// built with MPI).
//
// Every collective is called by every rank, in the same order. Results are the same bits on every
// rank, and reductions sum in rank order, so a run is reproducible for a given number of processes.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/tensor.h"

namespace imram::dist {

class Communicator {
public:
    virtual ~Communicator() = default;
    /// This process's place, 0 .. size() - 1; rank 0 writes files and prints.
    virtual int rank() const = 0;
    virtual int size() const = 0;
    /// For logs: "single process", "MPI, 2 processes (Open MPI v4.1.4)".
    virtual std::string describe() const = 0;

    /// Every rank's values (their counts may differ), concatenated in rank order, on every rank.
    virtual std::vector<float> all_gather(const std::vector<float>& values) const = 0;
    virtual std::vector<double> all_gather(const std::vector<double>& values) const = 0;
    /// root's bytes on every rank (the others' `bytes` are replaced, whatever their size).
    virtual void broadcast(std::vector<std::uint8_t>& bytes, int root) const = 0;
    virtual void barrier() const = 0;

    /// Element-wise sum over the ranks of equally long vectors, summed in rank order (0 + 1 + ...), so
    /// every rank gets the same bits and a rerun with the same number of processes too.
    void all_reduce_sum(std::vector<double>& values) const;
};

/// The rows [begin, end) of n that rank `rank` of `size` takes: contiguous blocks in rank order, the
/// first n % size ranks one row more.
std::pair<std::int64_t, std::int64_t> shard(std::int64_t n, int rank, int size);

/// Each rank's block of rows (n_r, ...) of a float32 matrix on the host, the blocks of all ranks
/// stacked in rank order (sum n_r, ...) on every rank. The trailing dimensions must agree.
Tensor all_gather_rows(const Communicator& comm, const Tensor& rows);

/// One process: every collective is the identity.
class SingleProcess final : public Communicator {
public:
    int rank() const override { return 0; }
    int size() const override { return 1; }
    std::string describe() const override { return "single process"; }
    std::vector<float> all_gather(const std::vector<float>& values) const override { return values; }
    std::vector<double> all_gather(const std::vector<double>& values) const override { return values; }
    void broadcast(std::vector<std::uint8_t>&, int) const override {}
    void barrier() const override {}
};

/// The process's communicator: SingleProcess unless set_world installed another (the `imram` tool
/// does, when mpirun started it).
const Communicator& world();
/// Installs `c` as world() for the rest of the process (it must outlive every use).
void set_world(const Communicator* c);

}  // namespace imram::dist
