// SPDX-License-Identifier: MIT
#include "base/device.h"

#include "base/check.h"

namespace imram {

const char* device_type_name(DeviceType t) {
    switch (t) {
        case DeviceType::Ref:
            return "ref";
        case DeviceType::CPU:
            return "cpu";
        case DeviceType::CUDA:
            return "cuda";
        case DeviceType::CUDAEmulated:
            return "cuda_emulated";
    }
    return "?";
}

Device parse_device(const std::string& s) {
    if (s == "cpu") return Device::cpu();
    if (s == "ref") return Device::ref();
    if (s == "cuda_emulated" || s == "cuda-emulated") return Device::cuda_emulated();
    if (s == "cuda") return Device::cuda(0);
    if (s.rfind("cuda:", 0) == 0 && s.size() > 5 && s.size() <= 7 &&
        s.find_first_not_of("0123456789", 5) == std::string::npos)
        return Device::cuda(std::stoi(s.substr(5)));
    IMRAM_FAIL("unknown device '", s, "': expected cpu, cuda, cuda:N or cuda-emulated");
}

std::ostream& operator<<(std::ostream& os, Device d) {
    os << device_type_name(d.type);
    if (d.type == DeviceType::CUDA) os << ':' << d.index;
    return os;
}

}  // namespace imram
