// SPDX-License-Identifier: MIT
// The tiny IMRAM-family model the model tests build: 20 words of 6 values, 10 feature values per
// region, 8-wide embeddings, 2 matching steps; small enough for f64 and the SIMT emulator.
#pragma once

#include "models/imram/config.h"

namespace imram::testing {

/// The tiny config of mode `m`; the rest keep the official defaults but --no_IMRAM_norm, which is
/// `no_imram_norm`.
inline models::ModelConfig tiny_config(models::Mode m, bool no_imram_norm = false) {
    models::ModelConfig c;
    c.mode = m, c.vocab_size = 20, c.word_dim = 6, c.img_dim = 10, c.embed_size = 8, c.iteration_step = 2;
    c.no_imram_norm = no_imram_norm;
    return c;
}

}  // namespace imram::testing
