// SPDX-License-Identifier: MIT
// Starting a model's word embeddings from pre-trained vectors (imram train --word_vectors): the rows
// of the words that have a vector are overwritten, the others keep their initialisation.
#pragma once

#include <cstddef>
#include <string>

#include "data/word_vectors.h"
#include "models/retrieval_model.h"

namespace imram::models {

/// Writes every vector of `wv` into its row of model.word_embedding(); returns how many rows it set.
/// Throws imram::Error naming `source` when the vectors' size is not the model's word_dim or an id
/// is outside the model's vocabulary.
std::size_t set_word_vectors(RetrievalModel& model, const data::WordVectors& wv, const std::string& source);

}  // namespace imram::models
