// SPDX-License-Identifier: MIT
// The official IMRAM and SCAN checkpoints (docs: IMRAM_SPEC.md section 6) and their conversion to the
// project's model files.
//   IMRAM (train_gpus.py): {'epoch', 'model': DataParallel state dict ('module.' keys), 'best_rsum', 'opt'}
//   SCAN (train.py):       {'epoch', 'model': [img_enc state dict, txt_enc state dict], 'best_rsum', 'opt', 'Eiters'}
// 'opt' is the argparse.Namespace of the run; the model's hyper-parameters come from it.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/tensor.h"
#include "nn/safetensors.h"

namespace imram::models {

/// One saved option (or other top-level field) with its Python type.
struct PyScalar {
    enum class Type { None, Bool, Int, Float, Str, Other } type = Type::None;
    bool b = false;
    std::int64_t i = 0;
    double f = 0;
    std::string s;  // Str: the text; Other: a short description
    /// As Python would print it: True, 3, 0.0002, 'text'-less plain text, None.
    std::string text() const;
};

struct OfficialCheckpoint {
    std::string source;
    std::string format;  // "zip" or "legacy"
    std::string family;  // "IMRAM" or "SCAN"
    /// The state dict's tensors in file order, under the checkpoint's own names: IMRAM's keys as saved
    /// (usually with "module."); SCAN's two state dicts prefixed "img_enc." and "txt_enc.".
    std::vector<std::pair<std::string, Tensor>> tensors;
    std::vector<std::pair<std::string, PyScalar>> options;  // opt's attributes, in saved order
    std::vector<std::pair<std::string, PyScalar>> info;     // epoch, best_rsum, Eiters (when present)
    const PyScalar* option(const std::string& name) const;
};

/// Reads a checkpoint from its bytes; `source` names it in errors.
OfficialCheckpoint read_official_checkpoint(std::string_view bytes, const std::string& source);
OfficialCheckpoint load_official_checkpoint(const std::string& path);

/// The model file for a checkpoint: tensors under the project's (official IMRAM) names, without
/// "module." (SCAN's img_enc.fc becomes img_enc.fc_local), and in the metadata the ModelConfig taken
/// from the options, plus every option as "opt.<name>" and the checkpoint's epoch etc. as "checkpoint.<name>".
/// Throws imram::Error naming the option when the run used a setting the engine does not implement.
/// NaN or infinite weights are left to models::model_from_file, which every load and `imram convert`
/// (before it writes) go through.
nn::TensorFile to_model_file(const OfficialCheckpoint& c);

/// True when the file at `path` starts like a torch.save checkpoint (either layout). Throws
/// (ErrorKind::Missing) when `path` cannot be opened or is not a regular file (open_regular_file).
bool is_torch_checkpoint(const std::string& path);

/// A model file's tensors and metadata from either a safetensors file or an official checkpoint
/// (converted in memory).
nn::TensorFile load_model_tensors(const std::string& path);

}  // namespace imram::models
