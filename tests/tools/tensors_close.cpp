// SPDX-License-Identifier: MIT
// Compares the tensors of two files for the command-line tests: a score matrix that `imram eval
// --save-sims` wrote against the one a reference computed (.npy, float32), or the model and optimizer
// files of two training runs (.safetensors: the same tensor names, each compared).
//
//   imram_tensors_close ACTUAL EXPECTED ATOL [RTOL]
//
// Exit 0 when the shapes (and names) agree and every |actual - expected| <= ATOL + RTOL |expected|
// (RTOL 0 if not given; NaN never passes), 1 when they differ (the largest excess and where it is are
// printed), 2 on bad arguments or unreadable files.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "base/check.h"
#include "core/tensor.h"
#include "io/npy.h"
#include "nn/safetensors.h"

namespace {

using Named = std::vector<std::pair<std::string, imram::Tensor>>;

Named read(const std::string& path) {
    if (path.size() > 4 && path.compare(path.size() - 4, 4, ".npy") == 0) return {{"", imram::io::load_npy(path)}};
    return imram::nn::load_safetensors(path).tensors;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 4 && argc != 5) {
        std::fprintf(stderr, "usage: %s ACTUAL EXPECTED ATOL [RTOL] (.npy or .safetensors)\n", argv[0]);
        return 2;
    }
    auto number = [](const char* text, double& out) {
        char* end = nullptr;
        out = std::strtod(text, &end);
        return end != text && *end == '\0' && out >= 0;
    };
    double atol = 0, rtol = 0;
    if (!number(argv[3], atol) || (argc == 5 && !number(argv[4], rtol))) {
        std::fprintf(stderr, "ATOL, RTOL: expected numbers >= 0, got '%s'%s%s\n", argv[3], argc == 5 ? ", '" : "",
                     argc == 5 ? argv[4] : "");
        return 2;
    }
    try {
        const Named a = read(argv[1]), b = read(argv[2]);
        if (a.size() != b.size()) {
            std::printf("%s has %zu tensors, %s %zu\n", argv[1], a.size(), argv[2], b.size());
            return 1;
        }
        double worst = 0, biggest = 0;  // the largest excess over the tolerance; the largest difference
        std::string where;
        std::int64_t values = 0;
        for (std::size_t t = 0; t < a.size(); ++t) {
            const auto& [name, x] = a[t];
            const auto& [other, y] = b[t];
            if (name != other || x.shape() != y.shape()) {
                std::printf("tensor %zu: %s %s against %s %s: the names or shapes differ\n", t, name.c_str(),
                            x.describe().c_str(), other.c_str(), y.describe().c_str());
                return 1;
            }
            if (x.numel() == 0) continue;
            const std::vector<double> u = x.to_vector<double>(), v = y.to_vector<double>();
            values += x.numel();
            for (std::size_t i = 0; i < u.size(); ++i) {
                // How far past its tolerance this value is (<= 0: within it).
                const double d = std::fabs(u[i] - v[i]) - (atol + rtol * std::fabs(v[i]));
                if (!(d <= worst)) {  // NaN lands here and stays the worst
                    worst = d;
                    where = (name.empty() ? std::string("flat index ") : name + " [") + std::to_string(i) +
                            (name.empty() ? "" : "]") + ": " + std::to_string(u[i]) + " against " + std::to_string(v[i]);
                    if (std::isnan(d)) break;
                }
                biggest = std::max(biggest, std::fabs(u[i] - v[i]));
            }
            if (std::isnan(worst)) break;
        }
        std::printf("%lld values, largest |difference| %.3g (tolerance %.3g + %.3g |expected|)",
                    static_cast<long long>(values), biggest, atol, rtol);
        if (!where.empty()) std::printf("; beyond it by %.3g at %s", worst, where.c_str());
        std::printf("\n");
        return worst <= 0 ? 0 : 1;
    } catch (const imram::Error& e) {
        std::fprintf(stderr, "%s\n", e.message().c_str());
        return 2;
    }
}
