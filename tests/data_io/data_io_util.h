// SPDX-License-Identifier: MIT
// Temporary files for the data_io tests: std::filesystem::temp_directory_path()/imram_tests_data,
// one sub-folder per process so that concurrently running test groups never share a file.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace imram::testing {

inline std::filesystem::path data_io_temp_dir() {
    const auto dir = std::filesystem::temp_directory_path() / "imram_tests_data" / std::to_string(::getpid());
    std::filesystem::create_directories(dir);
    return dir;
}

/// Path of `name` inside the per-process temp folder (no file is created).
inline std::string temp_file(const std::string& name) {
    return (data_io_temp_dir() / name).string();
}

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
