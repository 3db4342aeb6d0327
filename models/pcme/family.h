// SPDX-License-Identifier: MIT
// The "pcme" family of the model registry (models/registry.h): mode pcme.
#pragma once

#include "models/registry.h"

namespace imram::models {

ModelFamily pcme_family();

}  // namespace imram::models
