// SPDX-License-Identifier: MIT
// A planted wrong-way include: core/ may not reach up into train/. tests/CMakeLists.txt checks that
// the layer check fails on this tree.
#pragma once
#include "train/trainer.h"
