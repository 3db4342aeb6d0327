// SPDX-License-Identifier: MIT
// A family's own model file (the safetensors save_model writes) back into a model, for the families
// whose config carries vocab_size, word_dim, embed_size and img_dim and whose parameters include
// txt_enc.embed.weight and img_enc.fc.weight (CAMP, PCME): the metadata gives the sizes, the two
// tensors that carry them are checked before a model of that size is allocated, then every tensor
// must be there (load_state_dict checks the rest).
#pragma once

#include <memory>
#include <string>
#include <utility>

#include "base/check.h"
#include "models/retrieval_model.h"
#include "nn/safetensors.h"

namespace imram::models {

template <class Model, class Config>
std::unique_ptr<RetrievalModel> load_sized_model_file(const nn::TensorFile& f, const std::string& source,
                                                      const char* family, DType dtype, Device dev) {
    const Config cfg = Config::from_options(f.metadata, source);
    try {
        cfg.validate();
    } catch (const Error& e) {
        IMRAM_FAIL(source, ": invalid model hyper-parameters: ", e.what());
    }
    for (const auto& [name, want] : {std::make_pair(std::string("txt_enc.embed.weight"), Shape{cfg.vocab_size, cfg.word_dim}),
                                     std::make_pair(std::string("img_enc.fc.weight"), Shape{cfg.embed_size, cfg.img_dim})}) {
        const Tensor* t = f.find(name);
        IMRAM_CHECK(t != nullptr, source, ": no tensor '", name, "': not a ", family, " model file");
        IMRAM_CHECK(t->shape() == want, source, ": '", name, "' has shape ", t->shape(),
                    " but the metadata's sizes give ", want);
    }
    auto model = std::make_unique<Model>(cfg, 0, dtype, dev);
    nn::load_state_dict(*model, f, /*strict=*/true, source);
    return model;
}

}  // namespace imram::models
