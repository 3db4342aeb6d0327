// SPDX-License-Identifier: MIT
#include "models/pcme/family.h"

#include "models/pcme/model.h"
#include "models/pcme/official_checkpoint.h"
#include "nn/safetensors.h"

namespace imram::models {
namespace {

std::unique_ptr<RetrievalModel> create(const Options& options, std::uint64_t seed, DType dtype, Device dev) {
    PcmeConfig c = PcmeConfig::from_options(options, "options");
    if (!options.count("sample_seed")) c.sample_seed = seed;
    return std::make_unique<PcmeModel>(c, seed, dtype, dev);
}

/// A model file written by save_model: the metadata gives the sizes; every tensor must be there.
std::unique_ptr<RetrievalModel> from_file(const nn::TensorFile& f, const std::string& source, DType dtype, Device dev) {
    const PcmeConfig cfg = PcmeConfig::from_options(f.metadata, source);
    try {
        cfg.validate();
    } catch (const Error& e) {
        IMRAM_FAIL(source, ": invalid model hyper-parameters: ", e.what());
    }
    for (const auto& [name, want] : {std::make_pair(std::string("txt_enc.embed.weight"), Shape{cfg.vocab_size, cfg.word_dim}),
                                     std::make_pair(std::string("img_enc.fc.weight"), Shape{cfg.embed_size, cfg.img_dim})}) {
        const Tensor* t = f.find(name);
        IMRAM_CHECK(t != nullptr, source, ": no tensor '", name, "': not a PCME model file");
        IMRAM_CHECK(t->shape() == want, source, ": '", name, "' has shape ", t->shape(),
                    " but the metadata's sizes give ", want);
    }
    auto model = std::make_unique<PcmeModel>(cfg, 0, dtype, dev);
    nn::load_state_dict(*model, f, /*strict=*/true, source);
    return model;
}

}  // namespace

ModelFamily pcme_family() {
    return {"pcme",
            {"pcme"},
            {{"n_samples_inference", "samples per item, K (default 7; 0 at evaluation: the means alone)"},
             {"init_negative_scale", "initial scale a of the match probability (default 15)"},
             {"init_shift", "initial shift b of the match probability (default 15)"},
             {"vib_beta", "weight of the KL term (default 1e-5)"}},
            create,
            from_file,
            load_pcme_checkpoint,
            // The official recipe (spec 3): AdamP and a cosine schedule per epoch.
            {{"optimizer", "adamp"}, {"lr_schedule", "cosine"}, {"caption_drop", "0.1"}}};
}

}  // namespace imram::models
