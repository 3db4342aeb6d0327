// SPDX-License-Identifier: MIT
// The "imram" entry of the model registry (models/registry.h): full_IMRAM, text_IMRAM, image_IMRAM,
// scan_t2i, scan_i2t and vse, their model files and the official IMRAM and SCAN checkpoints.
#pragma once

#include "models/registry.h"

namespace imram::models {

ModelFamily imram_family();

}  // namespace imram::models
