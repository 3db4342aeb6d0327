// SPDX-License-Identifier: MIT
#include "dist/mpi_communicator.h"

#include <mpi.h>

#include <cstdlib>
#include <limits>

#include "base/check.h"

namespace imram::dist {
namespace {

void check_mpi(int rc, const char* what) {
    if (rc == MPI_SUCCESS) return;
    char text[MPI_MAX_ERROR_STRING];
    int len = 0;
    MPI_Error_string(rc, text, &len);
    throw Error(std::string("MPI: ") + what + " failed: " + std::string(text, static_cast<std::size_t>(len)),
                ErrorKind::Unavailable);
}

int count_of(std::size_t n, const char* what) {
    IMRAM_CHECK(n <= static_cast<std::size_t>(std::numeric_limits<int>::max()), "MPI: ", what, ": ", n,
                " values from one rank, more than one message carries (2^31 - 1)");
    return static_cast<int>(n);
}

class MpiCommunicator final : public Communicator {
public:
    MpiCommunicator() {
        int provided = 0;
        check_mpi(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
        // Errors come back as codes and become imram::Error, instead of aborting inside MPI.
        MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
        MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
        MPI_Comm_size(MPI_COMM_WORLD, &size_);
        char version[MPI_MAX_LIBRARY_VERSION_STRING];
        int len = 0;
        MPI_Get_library_version(version, &len);
        library_.assign(version, static_cast<std::size_t>(len));
        if (const auto comma = library_.find(','); comma != std::string::npos) library_.resize(comma);
    }
    ~MpiCommunicator() override {
        int finalized = 0;
        MPI_Finalized(&finalized);
        if (!finalized) MPI_Finalize();
    }
    int rank() const override { return rank_; }
    int size() const override { return size_; }
    std::string describe() const override {
        std::string s = "MPI, ";
        s += std::to_string(size_);
        s += size_ == 1 ? " process (" : " processes (";
        s += library_;
        s += ")";
        return s;
    }
    std::vector<float> all_gather(const std::vector<float>& values) const override {
        return gather_all(values, MPI_FLOAT);
    }
    std::vector<double> all_gather(const std::vector<double>& values) const override {
        return gather_all(values, MPI_DOUBLE);
    }
    void broadcast(std::vector<std::uint8_t>& bytes, int root) const override {
        unsigned long long n = bytes.size();
        check_mpi(MPI_Bcast(&n, 1, MPI_UNSIGNED_LONG_LONG, root, MPI_COMM_WORLD), "MPI_Bcast (size)");
        bytes.resize(static_cast<std::size_t>(n));
        check_mpi(MPI_Bcast(bytes.data(), count_of(bytes.size(), "broadcast"), MPI_BYTE, root, MPI_COMM_WORLD),
                  "MPI_Bcast");
    }
    void barrier() const override { check_mpi(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier"); }

private:
    template <class T>
    std::vector<T> gather_all(const std::vector<T>& values, MPI_Datatype type) const {
        const int mine = count_of(values.size(), "all_gather");
        std::vector<int> counts(static_cast<std::size_t>(size_)), offsets(static_cast<std::size_t>(size_));
        check_mpi(MPI_Allgather(&mine, 1, MPI_INT, counts.data(), 1, MPI_INT, MPI_COMM_WORLD), "MPI_Allgather (counts)");
        std::size_t total = 0;
        for (int r = 0; r < size_; ++r) {
            offsets[static_cast<std::size_t>(r)] = count_of(total, "all_gather (offset)");
            total += static_cast<std::size_t>(counts[static_cast<std::size_t>(r)]);
        }
        std::vector<T> out(total);
        check_mpi(MPI_Allgatherv(values.data(), mine, type, out.data(), counts.data(), offsets.data(), type,
                                 MPI_COMM_WORLD),
                  "MPI_Allgatherv");
        return out;
    }

    int rank_ = 0, size_ = 1;
    std::string library_;
};

}  // namespace

std::unique_ptr<Communicator> mpi_world_if_launched() {
    if (!std::getenv("OMPI_COMM_WORLD_SIZE") && !std::getenv("PMI_SIZE") && !std::getenv("PMIX_RANK")) return nullptr;
    return std::make_unique<MpiCommunicator>();
}

void abort_all(int code) {
    int initialized = 0, finalized = 0;
    MPI_Initialized(&initialized);
    MPI_Finalized(&finalized);
    if (initialized && !finalized) MPI_Abort(MPI_COMM_WORLD, code);
}

}  // namespace imram::dist
