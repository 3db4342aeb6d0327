// SPDX-License-Identifier: MIT
#include "models/imram/checkpoint.h"

#include "models/registry.h"

namespace imram::models {

std::unique_ptr<ImramModel> imram_from_file(const nn::TensorFile& f, const std::string& source, DType dtype,
                                            Device dev) {
    ModelConfig cfg = ModelConfig::from_metadata(f.metadata, source);
    // The vocabulary size and dimensions follow from the tensors when the metadata lacks them.
    const Tensor* embed = f.find("txt_enc.embed.weight");
    if (!embed) embed = f.find("module.txt_enc.embed.weight");
    IMRAM_CHECK(embed != nullptr, source, ": no tensor 'txt_enc.embed.weight': not an IMRAM/SCAN model file");
    IMRAM_CHECK(embed->dim() == 2, source, ": 'txt_enc.embed.weight' must be 2-d, got ", embed->shape());
    if (!f.metadata.count("vocab_size")) cfg.vocab_size = embed->size(0);
    if (!f.metadata.count("word_dim")) cfg.word_dim = embed->size(1);
    try {
        cfg.validate();
    } catch (const Error& e) {
        IMRAM_FAIL(source, ": invalid model hyper-parameters: ", e.what());
    }
    // The metadata's sizes must be those of the tensors before a model of that size is allocated:
    // with these two fixed, every other parameter's shape is too, and load_state_dict checks them.
    const Tensor* fc = f.find("img_enc.fc_local.weight");
    if (!fc) fc = f.find("module.img_enc.fc_local.weight");
    IMRAM_CHECK(fc != nullptr, source, ": no tensor 'img_enc.fc_local.weight': not an IMRAM/SCAN model file");
    IMRAM_CHECK((embed->shape() == Shape{cfg.vocab_size, cfg.word_dim}), source, ": 'txt_enc.embed.weight' has shape ",
                embed->shape(), " but the metadata says vocab_size ", cfg.vocab_size, ", word_dim ", cfg.word_dim);
    IMRAM_CHECK((fc->shape() == Shape{cfg.embed_size, cfg.img_dim}), source, ": 'img_enc.fc_local.weight' has shape ",
                fc->shape(), " but the metadata says embed_size ", cfg.embed_size, ", img_dim ", cfg.img_dim);
    auto model = std::make_unique<ImramModel>(cfg, 0, dtype, dev);
    if (cfg.uses_memory()) {
        nn::load_state_dict(*model, f, /*strict=*/true, source);
        return model;
    }
    // SCAN checkpoints have no memory layers (the engine's model always holds them, unused without
    // memory): keep the model's own values for those the file lacks.
    nn::TensorFile full = f;
    for (auto& [name, p] : model->named_parameters()) {
        const bool memory = name.rfind("linear_", 0) == 0 || name.rfind("gate_", 0) == 0;
        if (memory && !f.find(name) && !f.find("module." + name)) full.tensors.emplace_back(name, p->detach().clone());
    }
    nn::load_state_dict(*model, full, /*strict=*/true, source);
    return model;
}

std::unique_ptr<ImramModel> load_imram_model(const std::string& path, DType dtype, Device dev) {
    // Through the registry, whose model_from_file is the one check for non-finite weights.
    std::unique_ptr<RetrievalModel> m = model_from_file(nn::load_safetensors(path), path, dtype, dev);
    auto* imram = dynamic_cast<ImramModel*>(m.get());
    IMRAM_CHECK(imram != nullptr, path, ": a model file of another family, not an IMRAM/SCAN/VSE++ model");
    m.release();
    return std::unique_ptr<ImramModel>(imram);
}

}  // namespace imram::models
