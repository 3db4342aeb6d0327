// SPDX-License-Identifier: MIT
// Host code only (no kernels): compiled by nvcc with the CUDA toolkit's headers, like the project's
// other CUDA translation units.
#include "dist/nccl_communicator.h"

#include <cuda_runtime.h>
#include <nccl.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "base/check.h"

namespace imram::dist {
namespace {

void check_cuda(cudaError_t rc, const char* what) {
    if (rc == cudaSuccess) return;
    throw Error(std::string("NCCL communicator: ") + what + ": " + cudaGetErrorString(rc), ErrorKind::Unavailable);
}

void check_nccl(ncclResult_t rc, const char* what) {
    if (rc == ncclSuccess) return;
    throw Error(std::string("NCCL: ") + what + ": " + ncclGetErrorString(rc), ErrorKind::Unavailable);
}

/// A device buffer of `bytes`, freed with the owner.
class DeviceBuffer {
public:
    explicit DeviceBuffer(std::size_t bytes) {
        if (bytes > 0) check_cuda(cudaMalloc(&p_, bytes), "cudaMalloc");
    }
    ~DeviceBuffer() {
        if (p_) cudaFree(p_);
    }
    DeviceBuffer(const DeviceBuffer&) = delete;
    DeviceBuffer& operator=(const DeviceBuffer&) = delete;
    void* get() const { return p_; }

private:
    void* p_ = nullptr;
};

class NcclCommunicator final : public Communicator {
public:
    NcclCommunicator(const Communicator& bootstrap, int device) : boot_(bootstrap), device_(device) {
        check_cuda(cudaSetDevice(device_), "cudaSetDevice");
        ncclUniqueId id;
        std::vector<std::uint8_t> bytes(sizeof id);
        if (boot_.rank() == 0) {
            check_nccl(ncclGetUniqueId(&id), "ncclGetUniqueId");
            std::memcpy(bytes.data(), &id, sizeof id);
        }
        boot_.broadcast(bytes, 0);
        IMRAM_CHECK(bytes.size() == sizeof id, "NCCL: the unique id arrived with ", bytes.size(), " bytes");
        std::memcpy(&id, bytes.data(), sizeof id);
        check_nccl(ncclCommInitRank(&comm_, boot_.size(), id, boot_.rank()), "ncclCommInitRank");
        check_cuda(cudaStreamCreate(&stream_), "cudaStreamCreate");
    }
    ~NcclCommunicator() override {
        if (stream_) cudaStreamDestroy(stream_);
        if (comm_) ncclCommDestroy(comm_);
    }
    int rank() const override { return boot_.rank(); }
    int size() const override { return boot_.size(); }
    std::string describe() const override {
        int v = 0;
        ncclGetVersion(&v);
        std::string s = "NCCL ";
        s += std::to_string(v / 10000) + "." + std::to_string((v / 100) % 100) + "." + std::to_string(v % 100);
        s += ", ";
        s += std::to_string(size());
        s += " GPUs (started by ";
        s += boot_.describe();
        s += ")";
        return s;
    }
    std::vector<float> all_gather(const std::vector<float>& values) const override {
        return gather_all(values, ncclFloat32);
    }
    std::vector<double> all_gather(const std::vector<double>& values) const override {
        return gather_all(values, ncclFloat64);
    }
    void broadcast(std::vector<std::uint8_t>& bytes, int root) const override {
        // The size through the bootstrap, the bytes through NCCL.
        std::vector<double> n{static_cast<double>(bytes.size())};
        const std::vector<double> all = boot_.all_gather(n);
        bytes.resize(static_cast<std::size_t>(all[static_cast<std::size_t>(root)]));
        if (bytes.empty()) return;
        DeviceBuffer buf(bytes.size());
        check_cuda(cudaMemcpy(buf.get(), bytes.data(), bytes.size(), cudaMemcpyHostToDevice), "cudaMemcpy");
        check_nccl(ncclBroadcast(buf.get(), buf.get(), bytes.size(), ncclUint8, root, comm_, stream_), "ncclBroadcast");
        check_cuda(cudaStreamSynchronize(stream_), "cudaStreamSynchronize");
        check_cuda(cudaMemcpy(bytes.data(), buf.get(), bytes.size(), cudaMemcpyDeviceToHost), "cudaMemcpy");
    }
    void barrier() const override { boot_.barrier(); }

private:
    /// NCCL's all-gather takes one count from every rank: each rank's values are padded to the
    /// largest count (the counts come through the bootstrap), gathered, then packed in rank order.
    template <class T>
    std::vector<T> gather_all(const std::vector<T>& values, ncclDataType_t type) const {
        const std::vector<double> counts = boot_.all_gather(std::vector<double>{static_cast<double>(values.size())});
        std::size_t most = 0;
        for (double c : counts) most = std::max(most, static_cast<std::size_t>(c));
        std::vector<T> out;
        if (most == 0) return out;
        const auto p = static_cast<std::size_t>(size());
        DeviceBuffer send(most * sizeof(T)), recv(most * p * sizeof(T));
        check_cuda(cudaMemset(send.get(), 0, most * sizeof(T)), "cudaMemset");
        if (!values.empty())
            check_cuda(cudaMemcpy(send.get(), values.data(), values.size() * sizeof(T), cudaMemcpyHostToDevice),
                       "cudaMemcpy");
        check_nccl(ncclAllGather(send.get(), recv.get(), most, type, comm_, stream_), "ncclAllGather");
        check_cuda(cudaStreamSynchronize(stream_), "cudaStreamSynchronize");
        std::vector<T> padded(most * p);
        check_cuda(cudaMemcpy(padded.data(), recv.get(), padded.size() * sizeof(T), cudaMemcpyDeviceToHost), "cudaMemcpy");
        for (std::size_t r = 0; r < p; ++r) {
            const auto n = static_cast<std::size_t>(counts[r]);
            out.insert(out.end(), padded.begin() + static_cast<std::ptrdiff_t>(r * most),
                       padded.begin() + static_cast<std::ptrdiff_t>(r * most + n));
        }
        return out;
    }

    const Communicator& boot_;
    int device_ = 0;
    ncclComm_t comm_ = nullptr;
    cudaStream_t stream_ = nullptr;
};

}  // namespace

std::unique_ptr<Communicator> make_nccl_communicator(const Communicator& bootstrap, int cuda_device) {
    return std::make_unique<NcclCommunicator>(bootstrap, cuda_device);
}

}  // namespace imram::dist
