// SPDX-License-Identifier: MIT
#include "tests/testing/compare.h"

#include <cmath>
#include <sstream>

namespace imram::testing {

namespace {
Tensor on_host(const Tensor& t) {
    return t.device().is_host() ? t : t.detach().to(Device::cpu());
}
}  // namespace

Diff diff(const Tensor& a_any, const Tensor& b_any) {
    const Tensor a = on_host(a_any), b = on_host(b_any);
    IMRAM_CHECK(a.shape() == b.shape(), "diff: shapes differ ", a.shape(), " vs ", b.shape());
    Diff d;
    for (std::int64_t i = 0; i < a.numel(); ++i) {
        const double x = a.at(i), y = b.at(i);
        d.ref_scale = std::max(d.ref_scale, std::fabs(y));
        const double e = (std::isnan(x) != std::isnan(y)) ? INFINITY : (std::isnan(x) ? 0.0 : std::fabs(x - y));
        if (e > d.max_abs || (d.worst < 0 && e > 0)) {
            d.max_abs = e;
            d.worst = i;
        }
    }
    return d;
}

std::string describe_diff(const Diff& d, const Tensor& a_any, const Tensor& b_any) {
    const Tensor a = on_host(a_any), b = on_host(b_any);
    std::ostringstream s;
    s << "max |a-b| = " << d.max_abs << " (rel " << d.rel() << ", ref scale " << d.ref_scale << ")";
    if (d.worst >= 0) s << " first worst at flat index " << d.worst << ": " << a.at(d.worst) << " vs " << b.at(d.worst);
    return s.str();
}

}  // namespace imram::testing
