// SPDX-License-Identifier: MIT
#include "models/pcme/config.h"

#include <cmath>
#include <sstream>

#include "base/check.h"
#include "models/options.h"

namespace imram::models {

void PcmeConfig::validate() const {
    IMRAM_CHECK(vocab_size > 4, "vocab_size must exceed the 4 special tokens, got ", vocab_size);
    IMRAM_CHECK(word_dim > 1 && img_dim > 1, "word_dim and img_dim must be at least 2 (the attention's hidden "
                "size is half of them), got ", word_dim, " and ", img_dim);
    IMRAM_CHECK(embed_size > 0 && embed_size % 2 == 0,
                "embed_size must be positive and even (two GRU directions of embed_size / 2), got ", embed_size);
    IMRAM_CHECK(n_samples_inference >= 0, "n_samples_inference must be >= 0 (0: the means alone), got ",
                n_samples_inference);
    IMRAM_CHECK(std::isfinite(init_negative_scale) && std::isfinite(init_shift),
                "init_negative_scale and init_shift must be finite");
    IMRAM_CHECK(std::isfinite(vib_beta) && vib_beta >= 0, "vib_beta must be >= 0, got ", vib_beta);
}

namespace {
std::string exact(double v) {
    std::ostringstream s;
    s.precision(17);
    s << v;
    return s.str();
}
}  // namespace

std::map<std::string, std::string> PcmeConfig::to_metadata() const {
    return {{"family", "pcme"},
            {"model_mode", "pcme"},
            {"vocab_size", std::to_string(vocab_size)},
            {"word_dim", std::to_string(word_dim)},
            {"img_dim", std::to_string(img_dim)},
            {"embed_size", std::to_string(embed_size)},
            {"n_samples_inference", std::to_string(n_samples_inference)},
            {"init_negative_scale", exact(init_negative_scale)},
            {"init_shift", exact(init_shift)},
            {"vib_beta", exact(vib_beta)},
            {"sample_seed", std::to_string(sample_seed)}};
}

PcmeConfig PcmeConfig::from_options(const std::map<std::string, std::string>& m, const std::string& src) {
    PcmeConfig c;
    if (auto it = m.find("model_mode"); it != m.end())
        IMRAM_CHECK(it->second == "pcme", src, ": model_mode '", it->second, "' is not a PCME mode (expected pcme)");
    c.vocab_size = option_int(m, "vocab_size", c.vocab_size, src);
    c.word_dim = option_int(m, "word_dim", c.word_dim, src);
    c.img_dim = option_int(m, "img_dim", c.img_dim, src);
    c.embed_size = option_int(m, "embed_size", c.embed_size, src);
    c.n_samples_inference = option_int(m, "n_samples_inference", c.n_samples_inference, src);
    c.init_negative_scale = option_double(m, "init_negative_scale", c.init_negative_scale, src);
    c.init_shift = option_double(m, "init_shift", c.init_shift, src);
    c.vib_beta = option_double(m, "vib_beta", c.vib_beta, src);
    const std::int64_t seed = option_int(m, "sample_seed", static_cast<std::int64_t>(c.sample_seed), src);
    IMRAM_CHECK(seed >= 0, src, ": sample_seed must be >= 0, got ", seed);
    c.sample_seed = static_cast<std::uint64_t>(seed);
    return c;
}

}  // namespace imram::models
