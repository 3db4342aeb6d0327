// SPDX-License-Identifier: MIT
// A learning-curve picture: training loss and dev rsum per epoch, as a self-contained SVG.
#pragma once

#include <string>
#include <vector>

namespace imram::train {

struct CurvePoint {
    double epoch = 0, loss = 0, rsum = 0;
};

/// Two panels side by side (loss, rsum), axes with min/max labels; empty input gives a note.
std::string learning_curve_svg(const std::vector<CurvePoint>& points, const std::string& title);

}  // namespace imram::train
