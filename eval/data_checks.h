// SPDX-License-Identifier: MIT
// Checks that a dataset and a model belong together, made before any work starts. Without them a
// feature-width mismatch surfaces deep inside the image encoder as "linear: expected x (..., K)", and
// a vocabulary of another size runs to the end and reports recalls of a model reading the wrong words.
#pragma once

#include <string>

#include "models/retrieval_model.h"
#include "data/dataset.h"

namespace imram::eval {

/// Refuses (ErrorKind::Data), naming `what` (the data set, e.g. "data/f30k_precomp/test"):
///   - image features that are not (N, regions, F) with F == model.image_feature_size()
///     ("features have 1024 values per region, the model expects 2048 (img_dim)");
///   - a vocabulary whose size differs from model.vocab_size() (when d.vocab_size is known, i.e. > 0);
///   - a caption with a word id outside [0, model.vocab_size()).
void check_data_fits_model(const models::RetrievalModel& model, const data::Dataset& d, const std::string& what);

}  // namespace imram::eval
