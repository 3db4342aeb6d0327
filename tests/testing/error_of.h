// SPDX-License-Identifier: MIT
// The imram::Error a call throws, for tests that check its kind and message together; fails the
// test when the call throws none.
#pragma once

#include <catch2/catch.hpp>

#include "base/check.h"

namespace imram::testing {

template <class F>
Error error_of(F&& f) {
    try {
        f();
    } catch (const Error& e) {
        return e;
    }
    FAIL("no imram::Error was thrown");
    return Error("unreachable");
}

}  // namespace imram::testing
