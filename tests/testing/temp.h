// SPDX-License-Identifier: MIT
#pragma once

#include <unistd.h>

#include <filesystem>
#include <string>

namespace imram::testing {

/// The tests' temporary folder, one per process, so that test groups ctest runs side by side
/// never share a file (created on demand).
inline std::filesystem::path temp_dir() {
    const auto dir = std::filesystem::temp_directory_path() / "imram_tests" / std::to_string(::getpid());
    std::filesystem::create_directories(dir);
    return dir;
}

/// Path of `name` in temp_dir() (no file is created).
inline std::string tmp_path(const std::string& name) { return (temp_dir() / name).string(); }

}  // namespace imram::testing
