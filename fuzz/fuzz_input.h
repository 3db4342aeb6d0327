// SPDX-License-Identifier: MIT
// Shared by the fuzz targets: the input as a file, for parsers that take a path.
//
// The file is a memfd (an anonymous in-memory file) reached through /proc/self/fd: the parsers open,
// stat and mmap it like a real file, but nothing touches the disk, and one file is reused across the
// millions of inputs of a fuzzing run.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace imram::fuzz {

/// Replaces the memfd's content with `data` and returns a path that opens it.
inline std::string as_file(const std::uint8_t* data, std::size_t size) {
    static const int fd = ::memfd_create("imram_fuzz_input", MFD_CLOEXEC);
    if (fd < 0) {
        std::perror("memfd_create");
        std::abort();
    }
    if (::ftruncate(fd, 0) != 0 || (size > 0 && ::pwrite(fd, data, size, 0) != static_cast<ssize_t>(size))) {
        std::perror("writing the fuzz input");
        std::abort();
    }
    return "/proc/self/fd/" + std::to_string(fd);
}

/// Aborts (a finding for libFuzzer and the replay test alike) when an invariant of a parsed result fails.
inline void require(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "fuzz invariant violated: %s\n", what);
        std::abort();
    }
}

}  // namespace imram::fuzz
