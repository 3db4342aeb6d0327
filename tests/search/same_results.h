// SPDX-License-Identifier: MIT
// The search tests' comparison of two indexes' answers: the same items, in the same order, with
// bit-identical scores.
#pragma once

#include <catch2/catch.hpp>
#include <vector>

#include "search/vector_index.h"

namespace imram::testing {

inline void check_same_results(const std::vector<std::vector<search::Neighbor>>& a,
                               const std::vector<std::vector<search::Neighbor>>& b) {
    REQUIRE(a.size() == b.size());
    for (std::size_t q = 0; q < a.size(); ++q) {
        REQUIRE(a[q].size() == b[q].size());
        for (std::size_t r = 0; r < a[q].size(); ++r) {
            CHECK(a[q][r].item == b[q][r].item);
            CHECK(a[q][r].score == b[q][r].score);
        }
    }
}

}  // namespace imram::testing
