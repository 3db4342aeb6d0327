// SPDX-License-Identifier: MIT
// The official CAMP checkpoint (shared CAMP_SPEC.md section 6) and its conversion to a model file of
// the family camp.
//   train.save_checkpoint: {'epoch', 'model': [img_enc state dict, txt_enc state dict, criterion.sim
//   state dict], 'best_rsum', 'opt': easydict.EasyDict of the config, 'Eiters'}, every key with the
//   'module.' of nn.DataParallel; zip or legacy torch.save layout.
// The keys map to the engine's names (models/camp/model.h) by dropping 'module.' and prefixing the
// list item's module: img_enc., txt_enc., sim. The sizes come from the tensors' shapes, the mode
// from the scoring module's keys: the fusion head present (GatedFusionNew) is camp; only the 8
// projections (a stage-1 CrossAttentionNew checkpoint) is camp_xattn.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "nn/safetensors.h"

namespace imram::models {

/// The seed of the fresh fusion head a stage-1 checkpoint's model file is given (see
/// read_camp_checkpoint).
constexpr std::uint64_t kCampFreshHeadSeed = 0;

/// A CAMP checkpoint's bytes as a model file: the tensors under the engine's names (in the model's
/// parameter order), and in the metadata family camp, model_mode, vocab_size, word_dim, img_dim,
/// embed_size, every option as "opt.<name>" (nested blocks as "opt.<block>.<name>"), and epoch,
/// best_rsum, Eiters as "checkpoint.<name>". `source` names the file in errors.
/// Throws imram::Error naming the file and what was expected when it is not a CAMP checkpoint (another
/// layout of 'model'), when a key is missing, unexpected or of the wrong shape (naming the key as saved
/// and its list item), or when 'opt' contradicts the tensors (opt.measure) or asks for what the engine
/// does not implement (no_imgnorm / no_txtnorm False). Non-finite weights are left to
/// models::model_from_file, as for every model load.
nn::TensorFile read_camp_checkpoint(std::string_view bytes, const std::string& source);
/// read_camp_checkpoint of a file: the family camp's converter of the registry (models/registry.h).
nn::TensorFile load_camp_checkpoint(const std::string& path);

}  // namespace imram::models
