// SPDX-License-Identifier: MIT
#include "tests/testing/parity_backends.h"

namespace imram::testing {

std::vector<Device>& parity_backends() {
    static std::vector<Device> b = {Device::cpu(), Device::cuda_emulated()};
    return b;
}

}  // namespace imram::testing
