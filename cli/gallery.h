// SPDX-License-Identifier: MIT
// The gallery a first-stage index is built over and searched in: a split of the data (images or
// captions), or a file of its own (a .npy of image features, memory-mapped; a text file of captions).
#pragma once

#include <string>
#include <vector>

#include "cli/common.h"

namespace imram::cli {

struct Gallery {
    std::string side;                // "images" or "captions"
    std::string source;              // the file, or the split's name, for messages and the index
    Tensor features;                 // images: (N, R, F), possibly memory-mapped
    std::vector<std::string> texts;  // captions: one per item
    data::Dataset split;             // when read from a split: for showing an image's first caption
    bool from_split = false;
    std::int64_t size() const;
};

/// `file` empty: the split `split` of the data options; else the file (images: .npy, captions: text).
Gallery load_gallery(const Common& c, const std::string& side, const std::string& split, const std::string& file);

}  // namespace imram::cli
