// SPDX-License-Identifier: MIT
#include "data/precomp.h"

#include <filesystem>

#include "base/check.h"
#include "core/finite.h"
#include "data/captions.h"
#include "io/npy.h"

namespace imram::data {

std::int64_t PrecompSplit::image_of(std::int64_t caption) const {
    IMRAM_CHECK(caption >= 0 && caption < num_captions(), "PrecompSplit::image_of: caption ", caption,
                " out of range [0, ", num_captions(), ")");
    return caption / im_div;
}

PrecompSplit load_precomp(const std::string& data_path, const std::string& data_name, const std::string& split) {
    namespace fs = std::filesystem;
    const fs::path dir = fs::path(data_path) / data_name;
    const std::string ims = (dir / (split + "_ims.npy")).string();
    const std::string feat = (dir / (split + "_feat.npy")).string();
    const std::string caps = (dir / (split + "_caps.txt")).string();

    std::error_code ec;
    std::string features;
    if (fs::exists(ims, ec))
        features = ims;
    else if (fs::exists(feat, ec))
        features = feat;
    IMRAM_CHECK_KIND(!features.empty(), Missing, "load_precomp: no image features for split '", split, "': neither ", ims, " nor ",
                feat, " exists");

    PrecompSplit out;
    out.images = io::load_npy(features);
    IMRAM_CHECK(out.images.dim() == 3, features,
                ": image features must be 3-d (n_images, regions, features), got shape ", out.images.shape());
    // One NaN or Inf feature makes every score of its image NaN or Inf, which ranks as nothing in
    // particular; it is refused here, where the file and the position can still be named. One pass
    // over the (mapped) file, which any evaluation or epoch reads anyway.
    if (const std::int64_t bad = first_non_finite(out.images.data<float>(), out.images.numel()); bad >= 0) {
        const Shape at = unravel_index(bad, out.images.shape());
        IMRAM_FAIL(features, ": image ", at[0], ", region ", at[1], ", feature ", at[2], " is ",
                   non_finite_name(out.images.data<float>()[bad]), "; features must be finite");
    }
    out.captions = read_captions(caps);
    const std::int64_t n_img = out.num_images(), n_cap = out.num_captions();
    if (n_cap == 5 * n_img) {
        out.im_div = 5;
    } else if (n_cap == n_img) {
        out.im_div = 1;
    } else {
        IMRAM_FAIL("load_precomp: ", caps, " has ", n_cap, " captions and ", features, " has ", n_img,
                   " images: expected 5 or 1 captions per image");
    }
    return out;
}

}  // namespace imram::data
