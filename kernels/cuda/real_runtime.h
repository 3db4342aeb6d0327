// SPDX-License-Identifier: MIT
// The real CUDA runtime calls the memory layer needs, behind plain C++. Implemented by
// real_runtime_cuda.cpp when the build has the CUDA toolkit, and by real_runtime_none.cpp (every
// call reports that the backend is absent) otherwise.
#pragma once

#include <cstddef>
#include <string>

namespace imram::gpu::real {

void* raw_alloc(int device, std::size_t bytes);  // nullptr when out of memory
void raw_free(int device, void* p);
/// cudaMemcpy with unified addressing: the runtime works out the direction from the pointers.
void copy(void* dst, const void* src, std::size_t bytes);
void zero(int device, void* dst, std::size_t bytes);
void synchronize(int device);
void set_device(int device);
int device_count(std::string* why);
bool compiled();

}  // namespace imram::gpu::real
