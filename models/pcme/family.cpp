// SPDX-License-Identifier: MIT
#include "models/pcme/family.h"

#include "models/pcme/model.h"
#include "models/pcme/official_checkpoint.h"
#include "models/model_file.h"
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
    return load_sized_model_file<PcmeModel, PcmeConfig>(f, source, "PCME", dtype, dev);
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
