// SPDX-License-Identifier: MIT
// The official PCME checkpoint (shared PCME_SPEC.md section 6) and its conversion to a model file of
// the family pcme.
//   EngineBase.save_models: {'model': the PCME state dict, 'criterion': {'shift', 'negative_scale'},
//   'optimizer', 'lr_scheduler', 'config': the config as nested dicts, 'word2idx', 'metadata'}; zip or
//   legacy torch.save layout. A file without 'model' is a bare model state dict (the official loader
//   takes it too).
// The model's keys are the engine's names (models/pcme/model.h) once a 'module.' is dropped; the
// criterion's become criterion.shift / criterion.negative_scale. The engine's image head reads region
// features (spec 8.3), so the ResNet backbone's img_enc.cnn.* tensors are skipped. apex-O2 runs saved
// float16 weights: every weight is read as float32 (exactly).
#pragma once

#include <string>
#include <string_view>

#include "nn/safetensors.h"

namespace imram::models {

/// A PCME checkpoint's bytes as a model file: the tensors under the engine's names (in the model's
/// parameter order, float32), and in the metadata family pcme, model_mode, the sizes (from the
/// tensors' shapes), n_samples_inference, vib_beta, init_negative_scale and init_shift (from the
/// config, else the official defaults), every config entry as "config.<block>.<name>", the
/// checkpoint's metadata as "checkpoint.metadata.<name>", the other top-level entries as
/// "checkpoint.<name>" (word2idx as its word count), and converted_skipped (how many img_enc.cnn.*
/// tensors were left out). A bare state dict has no criterion: a and b take their initial values,
/// as the official non-strict load leaves them, and converted_criterion says so. `source` names the
/// file in errors.
/// Throws imram::Error naming the file and what was expected when it is not a PCME checkpoint (another
/// layout, no pie_net / uncertain_net parameters), when a key is missing, unexpected or of the wrong
/// shape or type (naming the key as saved), when the config contradicts the tensors (embed_dim,
/// word_dim), or when word2idx does not fit the embedding (an id outside it, the special tokens
/// elsewhere than <pad> 0, <start> 1, <end> 2, <unk> 3). Non-finite weights are left to
/// models::model_from_file, as for every model load.
nn::TensorFile read_pcme_checkpoint(std::string_view bytes, const std::string& source);
/// read_pcme_checkpoint of a file: the family pcme's converter of the registry (models/registry.h).
nn::TensorFile load_pcme_checkpoint(const std::string& path);

}  // namespace imram::models
