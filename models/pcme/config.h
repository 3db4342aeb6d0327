// SPDX-License-Identifier: MIT
// PCME's hyper-parameters (the shared PCME_SPEC.md): sizes, the number of samples per item, the
// initial scale and shift of the match probability and the weight of the KL term, under the official
// config names.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace imram::models {

struct PcmeConfig {
    std::int64_t vocab_size = 0;
    std::int64_t word_dim = 300;
    std::int64_t img_dim = 2048;
    std::int64_t embed_size = 1024;
    // K: samples per item, in training and evaluation (spec 1.4). 0: the official "PCME mu-only"
    // variant (spec 4.2), for evaluation only: an item's one sample is its mean, no draws.
    std::int64_t n_samples_inference = 7;
    double init_negative_scale = 15;       // a of the match probability at initialisation (spec 1.5)
    double init_shift = 15;                // b
    double vib_beta = 1e-5;                // weight of the KL term (spec 2)
    // The seed of the model's noise: the samples of an item are drawn from it, the item's content and
    // the training step (models/pcme/noise.h), so evaluation is reproducible from the model file.
    std::uint64_t sample_seed = 1;

    /// Throws imram::Error naming the field when a value is out of range.
    void validate() const;
    /// family, model_mode and the settings, under the official option names.
    std::map<std::string, std::string> to_metadata() const;
    /// Reads the settings present in `options` over the defaults; other keys are ignored.
    static PcmeConfig from_options(const std::map<std::string, std::string>& options, const std::string& source);
};

}  // namespace imram::models
