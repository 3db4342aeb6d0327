// SPDX-License-Identifier: MIT
#include "models/camp/family.h"

#include "models/camp/model.h"
#include "models/camp/official_checkpoint.h"
#include "models/model_file.h"
#include "nn/safetensors.h"

namespace imram::models {
namespace {

std::unique_ptr<RetrievalModel> create(const Options& options, std::uint64_t seed, DType dtype, Device dev) {
    return std::make_unique<CampModel>(CampConfig::from_options(options, "options"), seed, dtype, dev);
}

/// A model file written by save_model: the metadata gives the mode and sizes; every tensor must be there.
std::unique_ptr<RetrievalModel> from_file(const nn::TensorFile& f, const std::string& source, DType dtype, Device dev) {
    return load_sized_model_file<CampModel, CampConfig>(f, source, "CAMP", dtype, dev);
}

}  // namespace

ModelFamily camp_family() {
    return {"camp", {camp_mode_name(CampMode::Gated), camp_mode_name(CampMode::CrossAttention)}, {}, create, from_file,
            load_camp_checkpoint, {}};
}

}  // namespace imram::models
