// SPDX-License-Identifier: MIT
// Host twins of the CUB primitives (kernels/cuda/primitives.h) for the emulated device.
#include <algorithm>
#include <cstring>
#include <numeric>
#include <vector>

#include "kernels/cuda/error.h"
#include "kernels/cuda/primitives.h"
#include "kernels/simt/emulator.h"

namespace imram::cuda_emu::prim {
namespace {

template <class T>
void check_device(const T* p, long long n, const char* name) {
    if (n <= 0) return;
    IMRAM_GPU_CHECK(simt::is_device_range(p, static_cast<std::size_t>(n) * sizeof(T)), "cub (emulated): ", name,
                    " is not device memory covering ", n, " elements");
}

}  // namespace

void segmented_sort_desc(const float* keys_in, float* keys_out, const std::int32_t* values_in, std::int32_t* values_out,
                         int num_items, int num_segments, const int* begin_offsets, const int* end_offsets) {
    IMRAM_GPU_CHECK(num_items >= 0 && num_segments >= 0, "cub segmented sort (emulated): negative sizes");
    check_device(keys_in, num_items, "keys_in");
    check_device(keys_out, num_items, "keys_out");
    check_device(values_in, num_items, "values_in");
    check_device(values_out, num_items, "values_out");
    check_device(begin_offsets, num_segments, "begin_offsets");
    check_device(end_offsets, num_segments, "end_offsets");
    // Items outside every segment are left as they were in the output, as CUB does.
    std::vector<int> order;
    for (int s = 0; s < num_segments; ++s) {
        const int b = begin_offsets[s], e = end_offsets[s];
        if (e <= b) continue;
        IMRAM_GPU_CHECK(b >= 0 && e <= num_items, "cub segmented sort (emulated): segment ", s, " [", b, ", ", e,
                        ") outside ", num_items, " items");
        order.resize(e - b);
        std::iota(order.begin(), order.end(), b);
        // Radix order for floats: -0.0 sorts below +0.0 and NaNs by their bits; the engine's
        // scores are finite, so plain '>' with a stable sort matches CUB on them.
        std::stable_sort(order.begin(), order.end(), [&](int x, int y) { return keys_in[x] > keys_in[y]; });
        std::vector<float> k(e - b);
        std::vector<std::int32_t> v(e - b);
        for (int i = 0; i < e - b; ++i) k[i] = keys_in[order[i]], v[i] = values_in[order[i]];
        std::memcpy(keys_out + b, k.data(), k.size() * sizeof(float));
        std::memcpy(values_out + b, v.data(), v.size() * sizeof(std::int32_t));
    }
}

void segmented_sum(const float* x, float* out, int num_segments, const int* begin_offsets, const int* end_offsets) {
    IMRAM_GPU_CHECK(num_segments >= 0, "cub segmented sum (emulated): negative segment count");
    check_device(out, num_segments, "out");
    check_device(begin_offsets, num_segments, "begin_offsets");
    check_device(end_offsets, num_segments, "end_offsets");
    for (int s = 0; s < num_segments; ++s) {
        const int b = begin_offsets[s], e = end_offsets[s];
        float acc = 0;
        if (e > b) {
            check_device(x + b, e - b, "x");
            for (int i = b; i < e; ++i) acc += x[i];
        }
        out[s] = acc;
    }
}

}  // namespace imram::cuda_emu::prim
