// SPDX-License-Identifier: MIT
// Hyper-parameters of the retrieval models, with the official option names and defaults
// (IMRAM's opts.py); they travel in checkpoint metadata as strings.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace imram::models {

/// text_IMRAM: words attend to regions ("t2i"); image_IMRAM: regions attend to words ("i2t");
/// full_IMRAM: both, summed. SCAN t2i / i2t: one attention step, no memory, AVG or LSE pooling.
/// vse: mean-pooled dual encoder (no cross attention).
enum class Mode { TextIMRAM, ImageIMRAM, FullIMRAM, ScanT2I, ScanI2T, VSE };
/// SCAN's --agg_func: how a pair's per-fragment similarities become one score.
enum class Agg { Mean, LogSumExp, Max, Sum };

struct ModelConfig {
    Mode mode = Mode::FullIMRAM;
    std::int64_t iteration_step = 3;  // K
    double lambda_softmax = 9.0;      // λ of the attention softmax
    Agg agg = Agg::Mean;              // SCAN pooling over fragments (IMRAM always averages)
    double lambda_lse = 6.0;
    bool no_imram_norm = false;       // --no_IMRAM_norm: keep memory outputs un-normalised
    std::int64_t vocab_size = 0;
    std::int64_t word_dim = 300;
    std::int64_t img_dim = 2048;
    std::int64_t embed_size = 1024;
    double margin = 0.2;

    bool uses_t2i() const { return mode == Mode::TextIMRAM || mode == Mode::FullIMRAM || mode == Mode::ScanT2I; }
    bool uses_i2t() const { return mode == Mode::ImageIMRAM || mode == Mode::FullIMRAM || mode == Mode::ScanI2T; }
    bool uses_memory() const { return mode == Mode::TextIMRAM || mode == Mode::ImageIMRAM || mode == Mode::FullIMRAM; }
    /// Attention steps per direction (SCAN: 1).
    std::int64_t steps() const { return uses_memory() ? iteration_step : 1; }
    /// Throws imram::Error naming the field when a value is out of range.
    void validate() const;

    std::map<std::string, std::string> to_metadata() const;
    /// Reads the fields present in `meta` over the defaults; `source` names the file in errors.
    static ModelConfig from_metadata(const std::map<std::string, std::string>& meta, const std::string& source);
};

const char* mode_name(Mode m);
/// The official names: Mean, LogSumExp, Max, Sum.
const char* agg_name(Agg a);
/// Parses an official agg_func name; anything else throws imram::Error listing them.
Agg parse_agg(const std::string& s);
/// Accepts the official names (text_IMRAM, image_IMRAM, full_IMRAM) and scan_t2i, scan_i2t, vse.
Mode parse_mode(const std::string& s);

}  // namespace imram::models
