// SPDX-License-Identifier: MIT
// The imram family's model files: safetensors with the official parameter names and the
// hyper-parameters in the metadata (written by models::save_model), so a file alone rebuilds its model.
#pragma once

#include <memory>
#include <string>

#include "models/imram/model.h"
#include "nn/safetensors.h"

namespace imram::models {

/// Rebuilds a model from a model file's tensors (written by save_model, or converted from an official
/// checkpoint): the metadata supplies the config, names may carry a "module." prefix. Errors name the
/// file. The family's `from_file` (models/registry.h): the weights are not checked for NaN or
/// infinity here but in models::model_from_file, which every load goes through.
std::unique_ptr<ImramModel> imram_from_file(const nn::TensorFile& f, const std::string& source,
                                            DType dtype = DType::F32, Device dev = Device::cpu());
/// An imram-family model from a safetensors file, loaded through models::model_from_file (so NaN or
/// infinite weights are refused, naming the tensor and the element); a file of another family is refused.
std::unique_ptr<ImramModel> load_imram_model(const std::string& path, DType dtype = DType::F32,
                                             Device dev = Device::cpu());

}  // namespace imram::models
