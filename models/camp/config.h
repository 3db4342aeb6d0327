// SPDX-License-Identifier: MIT
// CAMP's hyper-parameters (docs of the shared CAMP_SPEC.md): the two models of the official code and
// the sizes. Everything else of the official model is fixed by the spec (4 attention heads in the
// summaries, the scale 1/sqrt(D), the 50-position padding of the stage-1 model's mean).
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace imram::models {

enum class CampMode {
    Gated,           // "camp": the final model (measure gate_fusion_new, spec 1.1-1.9)
    CrossAttention,  // "camp_xattn": the stage-1 model (measure cross_attention_new, spec 1.12)
};

/// The text tensor's padded length in the official code: the stage-1 model's text summary averages
/// over this many rows, pads included (spec 1.12).
constexpr std::int64_t kCampPadLength = 50;
/// Attention heads of the summaries (SummaryAttn, spec 1.8).
constexpr std::int64_t kCampSummaryHeads = 4;

struct CampConfig {
    CampMode mode = CampMode::Gated;
    std::int64_t vocab_size = 0;
    std::int64_t word_dim = 300;
    std::int64_t img_dim = 2048;
    std::int64_t embed_size = 1024;

    /// Throws imram::Error naming the field when a value is out of range.
    void validate() const;
    /// family, model_mode and the sizes, under the official option names.
    std::map<std::string, std::string> to_metadata() const;
    /// Reads model_mode and the sizes present in `options` over the defaults; other keys (another
    /// family's settings the command line passes to every family) are ignored.
    static CampConfig from_options(const std::map<std::string, std::string>& options, const std::string& source);
};

const char* camp_mode_name(CampMode m);

}  // namespace imram::models
