// SPDX-License-Identifier: MIT
#include "cli/gallery.h"

#include <filesystem>

#include "data/captions.h"
#include "io/npy.h"

namespace imram::cli {

std::int64_t Gallery::size() const {
    return side == "images" ? features.size(0) : static_cast<std::int64_t>(texts.size());
}

Gallery load_gallery(const Common& c, const std::string& side, const std::string& split, const std::string& file) {
    IMRAM_CHECK_KIND(side == "images" || side == "captions", Usage, "--side must be images or captions, got '", side,
                     "'");
    Gallery g;
    g.side = side;
    if (file.empty()) {
        g.split = load_split(c, split);
        g.from_split = true;
        g.source = g.split.name;
        g.features = g.split.images;
        g.texts = g.split.texts;
        return g;
    }
    if (!std::filesystem::exists(file)) throw Error::missing("--gallery: cannot open " + file);
    g.source = file;
    if (side == "images") {
        g.features = io::load_npy(file);
        IMRAM_CHECK(g.features.dim() == 3 && g.features.size(0) >= 1, file,
                    ": expected image features (N >= 1, R, F), got ", g.features.describe());
    } else {
        g.texts = data::read_captions(file);
        IMRAM_CHECK(!g.texts.empty(), file, ": no captions (expected one caption per line)");
    }
    return g;
}

}  // namespace imram::cli
