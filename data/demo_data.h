// SPDX-License-Identifier: MIT
// The built-in demo dataset: generated from a seed, in the precomp shapes (36 regions x 2048 features,
// 5 captions per image), so the tool trains and evaluates with no download.
//
// Each image shows 2-3 objects, each with a colour; a region's features are the sum of its object's
// and its colour's fixed random codes plus noise, and the other regions are background. Captions
// say which colour goes with which object ("a red dog next to a blue ball ."). Because features are
// additive, an image and its colour-swapped twin have the same mean region vector (up to noise), and a caption
// and its swapped twin the same bag of words: only matching which word goes with which region
// (cross attention over order-aware word features) tells them apart. Every image has such a twin
// in its split.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/dataset.h"

namespace imram::data {

struct DemoOptions {
    std::int64_t train_images = 600, dev_images = 100, test_images = 100;
    std::int64_t regions = 36, features = 2048;
    std::uint64_t seed = 2020;
};

/// The demo vocabulary in the official JSON layout's order: <pad>, <start>, <end>, <unk>, then words.
std::vector<std::string> demo_words();
/// One split ("train", "dev" or "test") of the demo data.
Dataset demo_split(const std::string& split, const DemoOptions& o = {});

}  // namespace imram::data
