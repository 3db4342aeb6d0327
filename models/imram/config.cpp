// SPDX-License-Identifier: MIT
#include "models/imram/config.h"

#include "base/check.h"
#include "base/format.h"
#include "models/options.h"

namespace imram::models {

const char* mode_name(Mode m) {
    switch (m) {
        case Mode::TextIMRAM: return "text_IMRAM";
        case Mode::ImageIMRAM: return "image_IMRAM";
        case Mode::FullIMRAM: return "full_IMRAM";
        case Mode::ScanT2I: return "scan_t2i";
        case Mode::ScanI2T: return "scan_i2t";
        case Mode::VSE: return "vse";
    }
    return "?";
}

Mode parse_mode(const std::string& s) {
    for (Mode m : {Mode::TextIMRAM, Mode::ImageIMRAM, Mode::FullIMRAM, Mode::ScanT2I, Mode::ScanI2T, Mode::VSE})
        if (s == mode_name(m)) return m;
    IMRAM_FAIL("model_mode: unknown value '", s,
               "' (expected text_IMRAM, image_IMRAM, full_IMRAM, scan_t2i, scan_i2t or vse)");
}

const char* agg_name(Agg a) {
    switch (a) {
        case Agg::Mean: return "Mean";
        case Agg::LogSumExp: return "LogSumExp";
        case Agg::Max: return "Max";
        case Agg::Sum: return "Sum";
    }
    return "?";
}

Agg parse_agg(const std::string& s) {
    for (Agg a : {Agg::Mean, Agg::LogSumExp, Agg::Max, Agg::Sum})
        if (s == agg_name(a)) return a;
    IMRAM_FAIL("agg_func: unknown value '", s, "' (expected LogSumExp, Mean, Max or Sum)");
}

void ModelConfig::validate() const {
    IMRAM_CHECK(iteration_step >= 1 && iteration_step <= 16, "iteration_step must be in [1, 16], got ", iteration_step);
    IMRAM_CHECK(lambda_softmax > 0, "lambda_softmax must be positive, got ", lambda_softmax);
    IMRAM_CHECK(lambda_lse > 0, "lambda_lse must be positive, got ", lambda_lse);
    IMRAM_CHECK(vocab_size > 4, "vocab_size must exceed the 4 special tokens, got ", vocab_size);
    IMRAM_CHECK(word_dim > 0 && img_dim > 0 && embed_size > 0, "word_dim, img_dim and embed_size must be positive");
    IMRAM_CHECK(margin >= 0, "margin must be >= 0, got ", margin);
}

std::map<std::string, std::string> ModelConfig::to_metadata() const {
    return {{"model_mode", mode_name(mode)},
            {"iteration_step", std::to_string(iteration_step)},
            {"lambda_softmax", format_exact(lambda_softmax)},
            {"agg_func", agg_name(agg)},
            {"lambda_lse", format_exact(lambda_lse)},
            {"no_IMRAM_norm", no_imram_norm ? "true" : "false"},
            {"vocab_size", std::to_string(vocab_size)},
            {"word_dim", std::to_string(word_dim)},
            {"img_dim", std::to_string(img_dim)},
            {"embed_size", std::to_string(embed_size)},
            {"margin", format_exact(margin)}};
}

ModelConfig ModelConfig::from_metadata(const std::map<std::string, std::string>& m, const std::string& src) {
    ModelConfig c;
    if (auto it = m.find("model_mode"); it != m.end()) c.mode = parse_mode(it->second);
    c.iteration_step = option_int(m, "iteration_step", c.iteration_step, src);
    c.lambda_softmax = option_double(m, "lambda_softmax", c.lambda_softmax, src);
    if (auto it = m.find("agg_func"); it != m.end()) {
        try {
            c.agg = parse_agg(it->second);
        } catch (const Error&) {
            IMRAM_FAIL(src, ": agg_func must be LogSumExp, Mean, Max or Sum, got '", it->second, "'");
        }
    }
    c.lambda_lse = option_double(m, "lambda_lse", c.lambda_lse, src);
    if (auto it = m.find("no_IMRAM_norm"); it != m.end()) {
        IMRAM_CHECK(it->second == "true" || it->second == "false", src, ": no_IMRAM_norm must be true or false, got '",
                    it->second, "'");
        c.no_imram_norm = it->second == "true";
    }
    c.vocab_size = option_int(m, "vocab_size", c.vocab_size, src);
    c.word_dim = option_int(m, "word_dim", c.word_dim, src);
    c.img_dim = option_int(m, "img_dim", c.img_dim, src);
    c.embed_size = option_int(m, "embed_size", c.embed_size, src);
    c.margin = option_double(m, "margin", c.margin, src);
    return c;
}

}  // namespace imram::models
