// SPDX-License-Identifier: MIT
// Whole-file reads and crash-safe writes.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

namespace imram {

/// Writes `bytes` to `path` atomically: a temporary file in the same directory, fsync, rename over
/// `path`, fsync of the directory. A crash leaves either the old file or the new one, never a mix.
/// Refuses (ErrorKind::IO) to replace anything but a regular file: a symbolic link, FIFO, device or
/// directory at `path` is left alone. Throws imram::Error (IO) naming the path and the failing step.
void write_file_atomic(const std::string& path, std::string_view bytes);

/// Fault injection for tests: `hook` runs after the temporary file is complete and synced, just
/// before the rename (nullptr: none). A hook that kills the process simulates a crash there.
void set_before_rename_hook(void (*hook)(const char* tmp_path));

/// Opens `path` for reading and returns its descriptor (the caller closes it) and, in `size`, its
/// length. Only a regular file is accepted: a directory, FIFO, socket or device (/dev/zero, a terminal)
/// has no length to bound the read by, so it is refused at once (ErrorKind::Missing, "is a
/// directory", "is a character device") instead of being read forever or reported as "0 bytes". The
/// open does not block on a FIFO without a writer. Throws ErrorKind::Missing when the path cannot be
/// opened.
int open_regular_file(const std::string& path, std::uint64_t& size);

/// Reads a whole regular file (see open_regular_file); the buffer is sized from the file's length as
/// the file system reports it, never from its contents. A file longer than `max_bytes` is refused
/// (ErrorKind::Data) before anything is allocated. Throws imram::Error naming the path.
std::string read_file(const std::string& path,
                      std::uint64_t max_bytes = std::numeric_limits<std::uint64_t>::max());

}  // namespace imram
