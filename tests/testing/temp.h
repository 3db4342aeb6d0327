// SPDX-License-Identifier: MIT
#pragma once

#include <filesystem>
#include <string>

namespace imram::testing {

/// A path in the tests' temporary folder (created on demand).
inline std::string tmp_path(const std::string& name) {
    const auto dir = std::filesystem::temp_directory_path() / "imram_tests";
    std::filesystem::create_directories(dir);
    return (dir / name).string();
}

}  // namespace imram::testing
