// SPDX-License-Identifier: MIT
// The collectives' contracts, with a stand-in for the other ranks (the MPI implementation itself runs
// under mpirun in the CLI tests: cli_mpi_*).
#include <catch2/catch.hpp>

#include "core/ops.h"
#include "dist/communicator.h"

using namespace imram;

namespace {
/// Rank `rank` of `others.size()` ranks whose all_gather contributions are fixed: entry r is what rank
/// r gives (this rank's own entry is replaced by what it passes).
class FakeRanks final : public dist::Communicator {
public:
    FakeRanks(int rank, std::vector<std::vector<double>> others) : rank_(rank), others_(std::move(others)) {}
    int rank() const override { return rank_; }
    int size() const override { return static_cast<int>(others_.size()); }
    std::string describe() const override { return "fake"; }
    std::vector<double> all_gather(const std::vector<double>& mine) const override {
        std::vector<double> out;
        for (int r = 0; r < size(); ++r) {
            const auto& v = r == rank_ ? mine : others_[static_cast<std::size_t>(r)];
            out.insert(out.end(), v.begin(), v.end());
        }
        return out;
    }
    std::vector<float> all_gather(const std::vector<float>& mine) const override {
        std::vector<float> out;
        for (int r = 0; r < size(); ++r) {
            if (r == rank_) {
                out.insert(out.end(), mine.begin(), mine.end());
            } else {
                for (double v : float_rows_[static_cast<std::size_t>(r)]) out.push_back(static_cast<float>(v));
            }
        }
        return out;
    }
    void broadcast(std::vector<std::uint8_t>&, int) const override {}
    void barrier() const override {}
    std::vector<std::vector<double>> float_rows_;  // what the other ranks give to the float all_gather

private:
    int rank_;
    std::vector<std::vector<double>> others_;
};
}  // namespace

TEST_CASE("dist: shard splits rows into contiguous blocks in rank order, sizes within one", "[core]") {
    for (std::int64_t n = 0; n <= 23; ++n)
        for (int p = 1; p <= 5; ++p) {
            std::int64_t next = 0, smallest = n, largest = 0;
            for (int r = 0; r < p; ++r) {
                const auto [b, e] = dist::shard(n, r, p);
                REQUIRE(b == next);
                REQUIRE(e >= b);
                smallest = std::min(smallest, e - b), largest = std::max(largest, e - b);
                next = e;
            }
            REQUIRE(next == n);
            REQUIRE(largest - smallest <= 1);
        }
    CHECK(dist::shard(10, 0, 3) == std::pair<std::int64_t, std::int64_t>{0, 4});
    CHECK(dist::shard(10, 2, 3) == std::pair<std::int64_t, std::int64_t>{7, 10});
    CHECK_THROWS_WITH(dist::shard(10, 3, 3), Catch::Contains("rank 3 of 3"));
}

TEST_CASE("dist: all_reduce_sum adds in rank order on every rank; one process is the identity", "[core]") {
    // 1e16 + 1 - 1e16: the order of the sum shows in the result (0 in rank order 0, 1, 2).
    const std::vector<std::vector<double>> given{{1e16, 2}, {1, 3}, {-1e16, 4}};
    for (int me = 0; me < 3; ++me) {
        const FakeRanks comm(me, given);
        std::vector<double> v = given[static_cast<std::size_t>(me)];
        comm.all_reduce_sum(v);
        CHECK(v == std::vector<double>{(1e16 + 1) - 1e16, 9});
    }
    const FakeRanks uneven(0, {{1, 2}, {3}});
    std::vector<double> v{1, 2};
    CHECK_THROWS_WITH(uneven.all_reduce_sum(v), Catch::Contains("different lengths"));
    const dist::SingleProcess one;
    std::vector<double> w{1.5, -2};
    one.all_reduce_sum(w);
    CHECK(w == std::vector<double>{1.5, -2});
    CHECK(dist::world().size() == 1);
}

TEST_CASE("dist: all_gather_rows stacks the ranks' row blocks in rank order", "[core]") {
    // Rank 1 of 3: rank 0 gives 2 rows of 3 values, rank 2 none, this rank 1 row.
    FakeRanks comm(1, {{2, 3}, {}, {0, 3}});
    comm.float_rows_ = {{1, 2, 3, 4, 5, 6}, {}, {}};
    const Tensor mine = from_vector(std::vector<float>{7, 8, 9}, {1, 3});
    const Tensor all = dist::all_gather_rows(comm, mine);
    CHECK(all.shape() == Shape{3, 3});
    CHECK(all.to_vector<float>() == std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8, 9});
    // Rows of another width from another rank are refused.
    const FakeRanks wide(1, {{2, 4}, {}, {0, 3}});
    CHECK_THROWS_WITH(dist::all_gather_rows(wide, mine), Catch::Contains("rank 0 has rows of 4 values"));
    CHECK_THROWS_WITH(dist::all_gather_rows(comm, from_vector(std::vector<double>{1}, {1})),
                      Catch::Contains("expected float32 rows"));
    // One process: the rows as they are.
    CHECK(dist::all_gather_rows(dist::SingleProcess{}, mine).to_vector<float>() == std::vector<float>{7, 8, 9});
}
