// SPDX-License-Identifier: MIT
// One split of the SCAN "precomp" layout (spec section 5): {data_path}/{data_name}/ holds
// {split}_caps.txt (one caption per line, five per image) and the image features, float32
// (n_images, 36, 2048), named {split}_ims.npy by SCAN and {split}_feat.npy by IMRAM's data.py;
// either name is accepted. The features stay memory-mapped (see npy.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace imram::data {

struct PrecompSplit {
    Tensor images;                      // (N, R, F) f32 on Device::cpu(), mmapped; R = 36, F = 2048 for BUTD
    std::vector<std::string> captions;  // N * im_div captions, file order
    std::int64_t im_div = 1;            // 5 when there are five captions per image, 1 when one

    std::int64_t num_images() const { return images.size(0); }
    std::int64_t num_captions() const { return static_cast<std::int64_t>(captions.size()); }
    /// Image index of caption `caption` (caption / im_div); throws when out of range.
    std::int64_t image_of(std::int64_t caption) const;
};

/// Loads `split` (train, dev, test, testall). Throws imram::Error naming the files when the
/// features are missing (both names are listed), are not 3-d, hold a NaN or infinity (the message
/// names the image, region and feature), or when the caption count is neither 5x nor 1x the image count.
PrecompSplit load_precomp(const std::string& data_path, const std::string& data_name, const std::string& split);

}  // namespace imram::data
