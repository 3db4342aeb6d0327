// SPDX-License-Identifier: MIT
// File helpers for the tests that read files (data/, io/); paths come from the shared per-process temp folder.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>

#include "tests/testing/temp.h"

namespace imram::testing {

/// Path of `name` inside the per-process temp folder (no file is created).
inline std::string temp_file(const std::string& name) { return tmp_path(name); }

/// Writes `bytes` to `path` verbatim and returns the path.
inline std::string write_bytes(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    return path;
}

inline std::string read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace imram::testing
