// SPDX-License-Identifier: MIT
// Starting a model's word embeddings from pre-trained vectors (imram train --word_vectors): the rows
// of the words that have a vector are overwritten, the others keep their initialisation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "models/retrieval_model.h"

namespace imram::models {

/// Writes vector i (values[i dim .. (i + 1) dim), as data::read_word_vectors returns them) into row
/// ids[i] of model.word_embedding(); returns how many rows it set. Throws imram::Error naming `source`
/// when `dim` is not the model's word_dim or an id is outside the model's vocabulary.
std::size_t set_word_vectors(RetrievalModel& model, std::int64_t dim, const std::vector<std::int64_t>& ids,
                             const std::vector<float>& values, const std::string& source);

}  // namespace imram::models
