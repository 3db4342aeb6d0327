// SPDX-License-Identifier: MIT
// The "camp" family of the model registry (models/registry.h): modes camp and camp_xattn.
#pragma once

#include "models/registry.h"

namespace imram::models {

ModelFamily camp_family();

}  // namespace imram::models
