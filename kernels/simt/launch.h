// SPDX-License-Identifier: MIT
// The emulated kernel launch: SIMT_LAUNCH(kernel, grid, block, smem_bytes, stream, args...) converts
// the arguments once to the kernel's parameter types, checks pointer arguments against the device
// memory registry, and runs every block synchronously (the stream is ignored). Each emulated thread
// calls the kernel with its own copies of the arguments, as on a GPU.
#pragma once

#include <cstddef>
#include <cstdint>
#include <tuple>
#include <type_traits>
#include <utility>

#include "kernels/simt/keywords.h"
#include "kernels/simt/runtime.h"

using simt_stream_t = void*;

namespace simt::detail {

using KernelId = void (*)();

struct LaunchInfo {
    const char* kernel_name;
    const char* file;  // launch site
    int line;
    KernelId kernel;
    dim3 grid;
    dim3 block;
    size_t dynamic_smem;
    void (*run_thread)(const void* pack);  // calls the kernel once with copies of the arguments
    const void* pack;
};

/// Where the running fiber's built-in variables live (set by the scheduler before each switch).
struct Current {
    const uint3* thread_idx = nullptr;
    uint3 block_idx{};
    dim3 block_dim;
    dim3 grid_dim;
    unsigned char* dynamic_smem = nullptr;
};
// constinit: no dynamic initialisation, so kernels read it directly instead of through a TLS wrapper.
extern thread_local constinit Current tl_current;

/// Runs the launch; throws KernelError.
void launch(const LaunchInfo& info);
/// Throws KernelError naming argument `index` when pointer checks are on and p is a non-null
/// pointer outside every live device_malloc allocation.
void check_pointer_argument(const LaunchInfo& info, int index, const void* p);
void set_max_dynamic_shared(KernelId kernel, size_t bytes);

template <class T>
inline constexpr bool is_data_pointer_v =
    std::is_pointer_v<T> && !std::is_function_v<std::remove_pointer_t<T>>;

template <class To, class From>
To convert_argument(From&& from) {
    return std::forward<From>(from);  // implicit conversion only, like a <<<>>> call
}

template <class... P, class... A>
void launch_kernel(void (*kernel)(P...), const char* name, const char* file, int line, dim3 grid, dim3 block,
                   size_t smem, simt_stream_t /*stream*/, A&&... args) {
    static_assert(sizeof...(P) == sizeof...(A), "SIMT_LAUNCH: argument count differs from the kernel's parameters");
    static_assert((!std::is_reference_v<P> && ...), "kernel parameters are passed by value");
    struct Pack {
        void (*kernel)(P...);
        std::tuple<std::decay_t<P>...> args;
    };
    const Pack pack{kernel, std::tuple<std::decay_t<P>...>(convert_argument<std::decay_t<P>>(std::forward<A>(args))...)};
    LaunchInfo info{name, file, line, reinterpret_cast<KernelId>(kernel), grid, block, smem,
                    [](const void* p) {
                        const Pack& pk = *static_cast<const Pack*>(p);
                        std::apply([&](const auto&... a) { pk.kernel(a...); }, pk.args);
                    },
                    &pack};
    [&]<size_t... I>(std::index_sequence<I...>) {
        (([&] {
             using T = std::tuple_element_t<I, std::tuple<std::decay_t<P>...>>;
             if constexpr (is_data_pointer_v<T>)
                 check_pointer_argument(info, static_cast<int>(I),
                                        const_cast<const void*>(static_cast<const volatile void*>(std::get<I>(pack.args))));
         }()),
         ...);
    }(std::index_sequence_for<P...>{});
    launch(info);
}

}  // namespace simt::detail

/// Raises the dynamic shared memory a kernel may use above the default 48 KiB (as
/// cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, bytes) does on a GPU).
/// Returns 0 on success.
template <class... P>
int simt_set_max_dynamic_shared(void (*kernel)(P...), size_t bytes) {
    simt::detail::set_max_dynamic_shared(reinterpret_cast<simt::detail::KernelId>(kernel), bytes);
    return 0;
}

#define SIMT_LAUNCH(kernel, grid, block, smem_bytes, stream, ...)                                                  \
    ::simt::detail::launch_kernel(kernel, #kernel, __FILE__, __LINE__, grid, block, smem_bytes, stream __VA_OPT__(, ) \
                                      __VA_ARGS__)
