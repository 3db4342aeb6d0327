// SPDX-License-Identifier: MIT
// From a mode name or a model file to a model of the right family. Everything above models/ builds,
// loads and saves models through here and sees only the interface (models/retrieval_model.h).
//
// A family is one entry of model_families() (models/registry.cpp): its name (the "family" field of
// its files), its modes, and three constructors. Adding a family touches this list and nothing above
// models/ (docs/adding-a-model.md).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "models/options.h"
#include "models/retrieval_model.h"
#include "nn/safetensors.h"

namespace imram::models {

/// A hyper-parameter of a family that `imram train` offers as --<name> (text, handed to create in
/// Options). The options of the VSE++ lineage (embed_size, word_dim, margin, lambda_softmax, ...) are
/// the tool's own and need no entry.
struct ModelOption {
    std::string name;  // the official option name, e.g. "num_embeds"
    std::string help;  // one line for --help
};

struct ModelFamily {
    std::string name;                // "imram": the "family" field of its model files
    std::vector<std::string> modes;  // the --model_mode values it answers to
    std::vector<ModelOption> options;  // its own hyper-parameters for the command line (may be empty)
    /// A new model with the official initialisation from `seed`. `options` holds "model_mode" and any
    /// hyper-parameters to set; the rest keep the family's defaults. Errors name the option.
    std::unique_ptr<RetrievalModel> (*create)(const Options& options, std::uint64_t seed, DType dtype, Device dev);
    /// A model from a model file's tensors and metadata; errors name `source`, the field or tensor.
    std::unique_ptr<RetrievalModel> (*from_file)(const nn::TensorFile& f, const std::string& source, DType dtype,
                                                 Device dev);
    /// The family's official checkpoint (a torch.save file) as a model file, or nullptr when the
    /// family has no official checkpoints. Throws naming the file when it is not one of them.
    nn::TensorFile (*convert_official)(const std::string& path);
    /// The official recipe's training settings where they differ from the tool's defaults, as
    /// {"optimizer", "adamp"}, {"lr_schedule", "cosine"}: `imram train` uses them for flags not given
    /// (for the main model and for each --compare model). Empty: the tool's defaults.
    Options training_defaults;
};

/// The metadata key under which a converted official checkpoint that carries its vocabulary (PCME's
/// word2idx) gives its words by id, one per line; `imram convert` writes them as the vocabulary file
/// and leaves the key out of the model file.
inline constexpr const char* kConvertedVocab = "converted_vocab";

/// Every family the engine has, in a fixed order.
const std::vector<ModelFamily>& model_families();
/// The family that runs `mode`; an unknown mode throws (ErrorKind::Usage) listing every mode.
const ModelFamily& family_of_mode(const std::string& mode);
/// Every mode of every family, in order ("full_IMRAM", ..., "vse", "camp", "camp_xattn").
std::vector<std::string> model_modes();
/// model_modes() as one line for messages and --help: "full_IMRAM, text_IMRAM, ..., camp_xattn".
std::string mode_list();

/// A new model of the family that runs options["model_mode"].
std::unique_ptr<RetrievalModel> create_model(const Options& options, std::uint64_t seed, DType dtype = DType::F32,
                                             Device dev = Device::cpu());
/// A model from a model file's tensors: the family from the metadata's "family" (files written before
/// the field existed are "imram"). NaN or infinite weights are refused (nn::check_finite).
std::unique_ptr<RetrievalModel> model_from_file(const nn::TensorFile& f, const std::string& source,
                                                DType dtype = DType::F32, Device dev = Device::cpu());
/// An official checkpoint (a torch.save file) as a model file, converted by the family whose
/// checkpoint it is. Refuses (ErrorKind::Data) a file that is not a torch.save checkpoint. The weights
/// are not checked here: model_from_file refuses non-finite ones (`imram convert` loads the result
/// before it writes it).
nn::TensorFile convert_official_checkpoint(const std::string& path);
/// The tensors and metadata of a model file (safetensors) or of an official checkpoint (converted in
/// memory, as convert_official_checkpoint), unchecked: model_from_file checks them.
nn::TensorFile read_model_file(const std::string& path);
/// read_model_file + model_from_file.
std::unique_ptr<RetrievalModel> load_model(const std::string& path, DType dtype = DType::F32,
                                           Device dev = Device::cpu());
/// Writes the parameters (official names) and config_metadata() plus `extra` atomically, so that the
/// file alone rebuilds the model.
void save_model(const std::string& path, RetrievalModel& model, const Options& extra = {});

}  // namespace imram::models
