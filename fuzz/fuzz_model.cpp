// SPDX-License-Identifier: MIT
// Model files (models/registry.*, models/imram/config.*, checkpoint.*): a safetensors file whose
// metadata supplies the hyper-parameters and whose tensors must fit the model they describe. A model
// that loads must have its config's shapes.
#include <cstdint>
#include <string>

#include "base/check.h"
#include "fuzz/fuzz_input.h"
#include "models/imram/model.h"
#include "models/registry.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using imram::fuzz::require;
    try {
        const imram::nn::TensorFile f =
            imram::nn::decode_safetensors(std::string(reinterpret_cast<const char*>(data), size), "fuzz_model.safetensors");
        // Through the registry, as every load goes (the family from the metadata, the weights checked).
        const auto loaded = imram::models::model_from_file(f, "fuzz_model.safetensors");
        const auto* model = dynamic_cast<const imram::models::ImramModel*>(loaded.get());
        if (model == nullptr) return 0;  // another family's file: the shapes below are the imram family's
        const imram::models::ModelConfig& c = model->config();
        require(model->txt_enc.embed.weight.shape() == imram::Shape{c.vocab_size, c.word_dim}, "embedding shape");
        require(model->img_enc.fc_local.weight.shape() == imram::Shape{c.embed_size, c.img_dim}, "fc_local shape");
        // The metadata round trip: what the loaded model would write reads back to the same config.
        const auto again = imram::models::ModelConfig::from_metadata(c.to_metadata(), "round trip");
        require(again.to_metadata() == c.to_metadata(), "config metadata round trip");
    } catch (const imram::Error&) {
    }
    return 0;
}
