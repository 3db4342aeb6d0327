// SPDX-License-Identifier: MIT
#include "models/camp/family.h"

#include "models/camp/model.h"
#include "models/camp/official_checkpoint.h"
#include "nn/safetensors.h"

namespace imram::models {
namespace {

std::unique_ptr<RetrievalModel> create(const Options& options, std::uint64_t seed, DType dtype, Device dev) {
    return std::make_unique<CampModel>(CampConfig::from_options(options, "options"), seed, dtype, dev);
}

/// A model file written by save_model: the metadata gives the mode and sizes; every tensor must be there.
std::unique_ptr<RetrievalModel> from_file(const nn::TensorFile& f, const std::string& source, DType dtype, Device dev) {
    const CampConfig cfg = CampConfig::from_options(f.metadata, source);
    try {
        cfg.validate();
    } catch (const Error& e) {
        IMRAM_FAIL(source, ": invalid model hyper-parameters: ", e.what());
    }
    // With the sizes fixed every parameter's shape is too; check the two that carry them before a
    // model of that size is allocated, then load_state_dict checks the rest.
    for (const auto& [name, want] : {std::make_pair(std::string("txt_enc.embed.weight"), Shape{cfg.vocab_size, cfg.word_dim}),
                                     std::make_pair(std::string("img_enc.fc.weight"), Shape{cfg.embed_size, cfg.img_dim})}) {
        const Tensor* t = f.find(name);
        IMRAM_CHECK(t != nullptr, source, ": no tensor '", name, "': not a CAMP model file");
        IMRAM_CHECK(t->shape() == want, source, ": '", name, "' has shape ", t->shape(),
                    " but the metadata's sizes give ", want);
    }
    auto model = std::make_unique<CampModel>(cfg, 0, dtype, dev);
    nn::load_state_dict(*model, f, /*strict=*/true, source);
    return model;
}

}  // namespace

ModelFamily camp_family() {
    return {"camp", {camp_mode_name(CampMode::Gated), camp_mode_name(CampMode::CrossAttention)}, {}, create, from_file,
            load_camp_checkpoint, {}};
}

}  // namespace imram::models
