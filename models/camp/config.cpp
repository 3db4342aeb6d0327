// SPDX-License-Identifier: MIT
#include "models/camp/config.h"

#include "base/check.h"
#include "models/options.h"

namespace imram::models {

const char* camp_mode_name(CampMode m) { return m == CampMode::Gated ? "camp" : "camp_xattn"; }

void CampConfig::validate() const {
    IMRAM_CHECK(vocab_size > 4, "vocab_size must exceed the 4 special tokens, got ", vocab_size);
    IMRAM_CHECK(word_dim > 0 && img_dim > 0 && embed_size > 0, "word_dim, img_dim and embed_size must be positive");
}

std::map<std::string, std::string> CampConfig::to_metadata() const {
    return {{"family", "camp"},
            {"model_mode", camp_mode_name(mode)},
            {"vocab_size", std::to_string(vocab_size)},
            {"word_dim", std::to_string(word_dim)},
            {"img_dim", std::to_string(img_dim)},
            {"embed_size", std::to_string(embed_size)}};
}

CampConfig CampConfig::from_options(const std::map<std::string, std::string>& m, const std::string& src) {
    CampConfig c;
    if (auto it = m.find("model_mode"); it != m.end()) {
        if (it->second == "camp") c.mode = CampMode::Gated;
        else if (it->second == "camp_xattn") c.mode = CampMode::CrossAttention;
        else IMRAM_FAIL(src, ": model_mode '", it->second, "' is not a CAMP mode (expected camp or camp_xattn)");
    }
    c.vocab_size = option_int(m, "vocab_size", c.vocab_size, src);
    c.word_dim = option_int(m, "word_dim", c.word_dim, src);
    c.img_dim = option_int(m, "img_dim", c.img_dim, src);
    c.embed_size = option_int(m, "embed_size", c.embed_size, src);
    return c;
}

}  // namespace imram::models
