// SPDX-License-Identifier: MIT
// Catch2 v2 main lives in its own translation unit so test files recompile fast.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
