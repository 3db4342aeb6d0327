// SPDX-License-Identifier: MIT
// Where a tensor lives and which kernels compute on it.
//   Ref          host memory, naive reference loops (the oracle; float and double)
//   CPU          host memory, Eigen/OpenMP kernels
//   CUDA         device memory on GPU `index` (backend in kernels/cuda)
//   CUDAEmulated host-backed "device" memory, CUDA kernels run by the SIMT emulator
// Ref and CPU share the same memory space, so moving between them is a plain copy.
#pragma once

#include <ostream>
#include <string>

namespace imram {

enum class DeviceType : unsigned char { Ref, CPU, CUDA, CUDAEmulated };

struct Device {
    DeviceType type = DeviceType::CPU;
    int index = 0;

    static constexpr Device ref() { return {DeviceType::Ref, 0}; }
    static constexpr Device cpu() { return {DeviceType::CPU, 0}; }
    static constexpr Device cuda(int i = 0) { return {DeviceType::CUDA, i}; }
    static constexpr Device cuda_emulated() { return {DeviceType::CUDAEmulated, 0}; }

    constexpr bool is_host() const { return type == DeviceType::Ref || type == DeviceType::CPU; }
    constexpr bool operator==(const Device&) const = default;
};

const char* device_type_name(DeviceType t);
/// "cpu", "ref", "cuda", "cuda:N", "cuda_emulated" (or "cuda-emulated"); anything else throws
/// imram::Error listing these.
Device parse_device(const std::string& s);
std::ostream& operator<<(std::ostream& os, Device d);

}  // namespace imram
