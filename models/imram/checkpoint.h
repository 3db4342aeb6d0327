// SPDX-License-Identifier: MIT
// Model files: safetensors with the official parameter names and the hyper-parameters in the
// metadata, so a file alone rebuilds its model.
#pragma once

#include <memory>
#include <string>

#include "models/imram/model.h"
#include "nn/safetensors.h"

namespace imram::models {

/// Writes the model's parameters (official names) and config (metadata) atomically.
void save_model(const std::string& path, RetrievalModel& model, const std::map<std::string, std::string>& extra = {});

/// Rebuilds a model from a file written by save_model (or converted from an official checkpoint):
/// the metadata supplies the config, names may carry a "module." prefix. Errors name the file; a NaN
/// or infinite weight is refused naming the tensor and the element (nn::check_finite).
std::unique_ptr<RetrievalModel> load_model(const std::string& path, DType dtype = DType::F32, Device dev = Device::cpu());
std::unique_ptr<RetrievalModel> model_from_tensors(const nn::TensorFile& f, const std::string& source,
                                                   DType dtype = DType::F32, Device dev = Device::cpu());

}  // namespace imram::models
