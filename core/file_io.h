// SPDX-License-Identifier: MIT
// Whole-file reads and crash-safe writes.
#pragma once

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

/// Reads a whole file; throws imram::Error naming the path when it cannot be opened or read.
std::string read_file(const std::string& path);

}  // namespace imram
