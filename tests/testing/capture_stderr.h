// SPDX-License-Identifier: MIT
// Capturing what code under test writes to stderr (the trainer's progress, warnings and notes).
#pragma once

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>

#include "tests/testing/temp.h"

namespace imram::testing {

/// Runs `fn` with stderr sent to a file; returns what it wrote there.
template <class Fn>
std::string capture_stderr(Fn&& fn) {
    const std::string path = tmp_path("captured_stderr.txt");
    std::fflush(stderr);
    const int saved = ::dup(2);
    std::FILE* f = std::fopen(path.c_str(), "w");
    REQUIRE(f);
    ::dup2(::fileno(f), 2);
    try {
        fn();
    } catch (...) {
        std::fflush(stderr);
        ::dup2(saved, 2);
        ::close(saved);
        std::fclose(f);
        throw;
    }
    std::fflush(stderr);
    ::dup2(saved, 2);
    ::close(saved);
    std::fclose(f);
    std::ifstream in(path);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace imram::testing
