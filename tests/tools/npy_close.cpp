// SPDX-License-Identifier: MIT
// Compares two float32 .npy files for the command-line tests (a score matrix that `imram eval
// --save-sims` wrote against the one a reference computed):
//
//   imram_npy_close ACTUAL.npy EXPECTED.npy MAX_ABS_DIFF
//
// Exit 0 when the shapes are equal and every |actual - expected| <= MAX_ABS_DIFF (NaN never passes),
// 1 when they differ (the largest difference and where it is are printed), 2 on bad arguments or files.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "base/check.h"
#include "io/npy.h"

int main(int argc, char** argv) {
    if (argc != 4) {
        std::fprintf(stderr, "usage: %s ACTUAL.npy EXPECTED.npy MAX_ABS_DIFF\n", argv[0]);
        return 2;
    }
    char* end = nullptr;
    const double tol = std::strtod(argv[3], &end);
    if (end == argv[3] || *end != '\0' || !(tol >= 0)) {
        std::fprintf(stderr, "MAX_ABS_DIFF: expected a number >= 0, got '%s'\n", argv[3]);
        return 2;
    }
    try {
        const imram::Tensor a = imram::io::load_npy(argv[1]), b = imram::io::load_npy(argv[2]);
        if (a.shape() != b.shape()) {
            std::printf("%s is %s, %s is %s: the shapes differ\n", argv[1], a.describe().c_str(), argv[2],
                        b.describe().c_str());
            return 1;
        }
        const float* pa = a.data<float>();
        const float* pb = b.data<float>();
        double worst = 0;
        std::int64_t at = -1;
        for (std::int64_t i = 0; i < a.numel(); ++i) {
            const double d = std::fabs(static_cast<double>(pa[i]) - static_cast<double>(pb[i]));
            if (!(d <= worst)) {  // NaN lands here and stays the worst
                worst = d;
                at = i;
                if (std::isnan(d)) break;
            }
        }
        std::printf("%lld values, largest |difference| %.3g (tolerance %.3g)", static_cast<long long>(a.numel()),
                    worst, tol);
        if (at >= 0) std::printf(" at flat index %lld", static_cast<long long>(at));
        std::printf("\n");
        return worst <= tol ? 0 : 1;
    } catch (const imram::Error& e) {
        std::fprintf(stderr, "%s\n", e.message().c_str());
        return 2;
    }
}
