// SPDX-License-Identifier: MIT
#include "models/imram/family.h"

#include "models/imram/checkpoint.h"
#include "models/imram/official_checkpoint.h"

namespace imram::models {
namespace {

std::unique_ptr<RetrievalModel> create(const Options& options, std::uint64_t seed, DType dtype, Device dev) {
    return std::make_unique<ImramModel>(ModelConfig::from_metadata(options, "options"), seed, dtype, dev);
}

std::unique_ptr<RetrievalModel> from_file(const nn::TensorFile& f, const std::string& source, DType dtype, Device dev) {
    return imram_from_file(f, source, dtype, dev);
}

nn::TensorFile convert_official(const std::string& path) {
    return models::to_model_file(models::load_official_checkpoint(path));
}

}  // namespace

ModelFamily imram_family() {
    std::vector<std::string> modes;
    for (Mode m : {Mode::FullIMRAM, Mode::TextIMRAM, Mode::ImageIMRAM, Mode::ScanT2I, Mode::ScanI2T, Mode::VSE})
        modes.emplace_back(mode_name(m));
    return {"imram", modes, {}, create, from_file, convert_official, {}};
}

}  // namespace imram::models
