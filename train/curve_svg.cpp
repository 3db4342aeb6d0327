// SPDX-License-Identifier: MIT
#include "train/curve_svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace imram::train {
namespace {

std::string fmt(double v) {
    char b[32];
    std::snprintf(b, sizeof b, "%.4g", v);
    return b;
}

void panel(std::ostringstream& s, double x0, const std::vector<CurvePoint>& pts, double CurvePoint::*field,
           const char* label, const char* colour) {
    const double w = 400, h = 260, left = x0 + 60, top = 40, pw = w - 80, ph = h - 80;
    double lo = 1e300, hi = -1e300, e0 = pts.front().epoch, e1 = pts.back().epoch;
    for (const auto& p : pts) lo = std::min(lo, p.*field), hi = std::max(hi, p.*field);
    if (hi - lo < 1e-12) hi = lo + 1;
    if (e1 - e0 < 1e-12) e1 = e0 + 1;
    auto X = [&](double e) { return left + (e - e0) / (e1 - e0) * pw; };
    auto Y = [&](double v) { return top + ph - (v - lo) / (hi - lo) * ph; };
    s << "<rect x='" << left << "' y='" << top << "' width='" << pw << "' height='" << ph
      << "' fill='none' stroke='#999'/>\n";
    s << "<text x='" << left + pw / 2 << "' y='" << top - 12 << "' text-anchor='middle' font-size='14'>" << label
      << "</text>\n";
    s << "<text x='" << left - 6 << "' y='" << top + 4 << "' text-anchor='end' font-size='11'>" << fmt(hi) << "</text>\n";
    s << "<text x='" << left - 6 << "' y='" << top + ph << "' text-anchor='end' font-size='11'>" << fmt(lo) << "</text>\n";
    s << "<text x='" << left << "' y='" << top + ph + 16 << "' text-anchor='middle' font-size='11'>" << fmt(e0) << "</text>\n";
    s << "<text x='" << left + pw << "' y='" << top + ph + 16 << "' text-anchor='middle' font-size='11'>" << fmt(e1)
      << "</text>\n";
    s << "<text x='" << left + pw / 2 << "' y='" << top + ph + 32 << "' text-anchor='middle' font-size='12'>epoch</text>\n";
    s << "<polyline fill='none' stroke='" << colour << "' stroke-width='2' points='";
    for (const auto& p : pts) s << X(p.epoch) << ',' << Y(p.*field) << ' ';
    s << "'/>\n";
    for (const auto& p : pts) s << "<circle cx='" << X(p.epoch) << "' cy='" << Y(p.*field) << "' r='3' fill='" << colour << "'/>\n";
}

}  // namespace

std::string learning_curve_svg(const std::vector<CurvePoint>& pts, const std::string& title) {
    std::ostringstream s;
    s << "<svg xmlns='http://www.w3.org/2000/svg' width='800' height='300' font-family='sans-serif'>\n";
    s << "<rect width='800' height='300' fill='white'/>\n";
    s << "<text x='400' y='18' text-anchor='middle' font-size='15'>" << title << "</text>\n";
    if (pts.empty()) {
        s << "<text x='400' y='150' text-anchor='middle'>no finished epoch yet</text>\n";
    } else {
        panel(s, 0, pts, &CurvePoint::loss, "training loss", "#c0392b");
        panel(s, 400, pts, &CurvePoint::rsum, "dev rsum", "#2471a3");
    }
    s << "</svg>\n";
    return s.str();
}

}  // namespace imram::train
