// SPDX-License-Identifier: MIT
#include "models/camp/official_checkpoint.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <tuple>
#include <utility>
#include <vector>

#include "base/check.h"
#include "base/file_io.h"
#include "base/format.h"
#include "io/pth/torch_file.h"
#include "models/camp/model.h"

namespace imram::models {
namespace {

using pth::PyValue;
using pth::TorchFile;
using Kind = PyValue::Kind;

constexpr const char* kLayout =
    "'model' = a list of 3 state dicts [img_enc, txt_enc, criterion.sim] (the official train.save_checkpoint)";
// The list items: the engine's module name, and what the official code saved there.
constexpr const char* kModule[3] = {"img_enc", "txt_enc", "sim"};
constexpr const char* kSaved[3] = {"img_enc", "txt_enc", "criterion.sim"};
// The scoring module's parameters that a stage-1 CrossAttentionNew checkpoint holds (spec 1.12).
constexpr const char* kProjections[8] = {"img_query_fc",          "img_key_fc",          "txt_query_fc",
                                         "txt_key_fc",            "weighted_img_query_fc", "weighted_img_key_fc",
                                         "weighted_txt_query_fc", "weighted_txt_key_fc"};

bool is_projection(const std::string& name) {  // an engine name, "sim.img_query_fc.weight"
    return std::any_of(std::begin(kProjections), std::end(kProjections),
                       [&](const char* p) { return name == std::string("sim.") + p + ".weight"; });
}

/// opt's entries as "opt.<name>"; the config's nested blocks (optimizer, lr_scheduler: EasyDicts too)
/// as "opt.<block>.<name>".
void add_options(const PyValue& d, const std::string& prefix, int depth, std::map<std::string, std::string>& meta) {
    for (const auto& [k, v] : d.entries) {
        if (k->kind != Kind::Str) continue;
        if ((v->kind == Kind::Dict || v->kind == Kind::Object) && depth < 3) add_options(*v, prefix + k->s + ".", depth + 1, meta);
        else meta[prefix + k->s] = v->text();
    }
}

/// One saved tensor: where it is (its key as saved and its list item, for errors) and its value.
struct Saved {
    std::string where;
    const PyValue* value;
};

/// What opt says against the tensors, or asks for that the engine does not implement.
void check_options(const PyValue& opt, const std::string& src, CampMode mode) {
    const std::string want = mode == CampMode::Gated ? "gate_fusion_new" : "cross_attention_new";
    if (const PyValue* m = opt.get("measure"); m && m->kind == Kind::Str)
        IMRAM_CHECK(m->s == want, src, ": opt.measure is '", m->s, "' but the scoring module's keys (model[2]) are those of ",
                    mode == CampMode::Gated ? "GatedFusionNew (measure gate_fusion_new)"
                                            : "CrossAttentionNew (measure cross_attention_new)");
    for (const char* name : {"no_imgnorm", "no_txtnorm"})
        if (const PyValue* v = opt.get(name))
            IMRAM_CHECK(v->kind != Kind::Bool || v->b, src, ": opt.", name,
                        " is False; CAMP on this engine implements the official configs' unnormalised encoders only");
}

}  // namespace

nn::TensorFile read_camp_checkpoint(std::string_view bytes, const std::string& src) {
    const TorchFile tf = TorchFile::parse(bytes, src);
    const PyValue& root = tf.root();
    IMRAM_CHECK(root.kind == Kind::Dict, src, ": not a CAMP checkpoint: expected a dict with ", kLayout, ", got a ",
                root.type_name());
    const PyValue* model = root.get("model");
    IMRAM_CHECK(model != nullptr, src, ": not a CAMP checkpoint: no 'model' entry (expected ", kLayout, ")");
    const bool sequence = model->kind == Kind::List || model->kind == Kind::Tuple;
    IMRAM_CHECK(sequence && model->items.size() == 3, src, ": not a CAMP checkpoint: 'model' is a ", model->type_name(),
                sequence ? " of " + std::to_string(model->items.size()) + " items" : std::string(), "; expected ", kLayout);

    // Every saved key under the engine's name: 'module.' dropped, the list item's module prefixed.
    std::map<std::string, Saved> saved;
    for (std::size_t i = 0; i < 3; ++i) {
        const PyValue& sd = *model->items[i];
        const std::string item = "model[" + std::to_string(i) + "] (" + kSaved[i] + ")";
        IMRAM_CHECK(sd.kind == Kind::Dict, src, ": not a CAMP checkpoint: ", item, " is a ", sd.type_name(),
                    "; expected a state dict");
        for (const auto& [k, v] : sd.entries) {
            IMRAM_CHECK(k->kind == Kind::Str, src, ": ", item, " has a key of type ", k->type_name(), " (expected str)");
            const std::string key = k->s.rfind("module.", 0) == 0 ? k->s.substr(7) : k->s;
            const std::string name = std::string(kModule[i]) + "." + key;
            const std::string where = "'" + k->s + "' in " + item;
            IMRAM_CHECK(v->kind == Kind::Tensor, src, ": ", where, " is a ", v->type_name(), ", expected a tensor");
            IMRAM_CHECK(saved.emplace(name, Saved{where, v}).second, src, ": ", item, " holds '", key,
                        "' twice (with and without 'module.')");
        }
    }

    // The sizes, from the two tensors that carry them (spec 6.2).
    auto sizes_of = [&](const std::string& name, const char* key, std::size_t item, const char* rows, const char* cols) {
        const auto it = saved.find(name);
        IMRAM_CHECK(it != saved.end(), src, ": not a CAMP checkpoint: no '", key, "' in model[", item, "] (",
                    kSaved[item], ")");
        const PyValue& t = *it->second.value;
        IMRAM_CHECK(t.size.size() == 2, src, ": ", it->second.where, " has ", t.size.size(), " dimensions, expected 2 (",
                    rows, ", ", cols, ")");
        return std::make_pair(t.size[0], t.size[1]);
    };
    CampConfig cfg;
    std::tie(cfg.vocab_size, cfg.word_dim) = sizes_of("txt_enc.embed.weight", "module.embed.weight", 1, "vocab_size", "word_dim");
    std::tie(cfg.embed_size, cfg.img_dim) = sizes_of("img_enc.fc.weight", "module.fc.weight", 0, "embed_size", "img_dim");
    // The fusion head's first layer decides: GatedFusionNew has it, CrossAttentionNew has only the 8
    // projections (a missing or extra key of either is refused below).
    cfg.mode = saved.count("sim.fc_1.0.weight") ? CampMode::Gated : CampMode::CrossAttention;
    try {
        cfg.validate();
    } catch (const Error& e) {
        IMRAM_FAIL(src, ": the tensors' shapes give invalid CAMP sizes: ", e.what());
    }
    const PyValue* opt = root.get("opt");
    if (opt && (opt->kind == Kind::Dict || opt->kind == Kind::Object)) check_options(*opt, src, cfg.mode);

    // The model of those sizes names every parameter with its shape. A stage-1 checkpoint's model file
    // gets the fusion head of this fresh model: the official code loads the scoring module with
    // strict=False, so a stage-1 state dict sets the 8 projections and leaves the head at its fresh
    // initialisation (spec 6.1). The stage-1 model does not use the head; stage 2 trains it.
    CampModel fresh(cfg, kCampFreshHeadSeed, DType::F32, Device::cpu());
    const nn::TensorFile expected = nn::state_dict(fresh);
    const std::string size_text = "vocab_size " + std::to_string(cfg.vocab_size) + ", word_dim " +
                                  std::to_string(cfg.word_dim) + ", img_dim " + std::to_string(cfg.img_dim) +
                                  ", embed_size " + std::to_string(cfg.embed_size);
    nn::TensorFile f;
    for (const auto& [name, want] : expected.tensors) {
        const auto it = saved.find(name);
        if (it == saved.end()) {
            const std::size_t dot = name.find('.');
            const std::string module = name.substr(0, dot);
            const std::size_t item = module == "img_enc" ? 0 : module == "txt_enc" ? 1 : 2;
            IMRAM_CHECK(cfg.mode == CampMode::CrossAttention && item == 2 && !is_projection(name), src,
                        ": the CAMP checkpoint has no 'module.", name.substr(dot + 1), "' in model[", item, "] (",
                        kSaved[item], ")",
                        item == 2 ? std::string(cfg.mode == CampMode::Gated
                                                    ? " (a GatedFusionNew scoring module holds the 8 projections and the fusion head)"
                                                    : " (a CrossAttentionNew scoring module holds the 8 projections)")
                                  : std::string());
            f.tensors.emplace_back(name, want);
            continue;
        }
        const Shape got(it->second.value->size);
        IMRAM_CHECK(got == want.shape(), src, ": ", it->second.where, " has shape ", got, ", expected ", want.shape(),
                    " for the sizes the checkpoint's embed and fc weights give (", size_text, ")");
        f.tensors.emplace_back(name, tf.tensor(*it->second.value, it->second.where));
        saved.erase(it);
    }
    IMRAM_CHECK(saved.empty(), src, ": unexpected ", saved.empty() ? "" : saved.begin()->second.where,
                ": not a parameter of CAMP's ",
                cfg.mode == CampMode::Gated ? "GatedFusionNew" : "CrossAttentionNew", " model (", saved.size(),
                " unexpected key", saved.size() == 1 ? "" : "s", ")");

    f.metadata = cfg.to_metadata();
    f.metadata["format"] = "imram.cpp model v1";
    f.metadata["converted_from"] = src;
    f.metadata["converted_format"] = "CAMP checkpoint, " + tf.format() + " layout";
    if (cfg.mode == CampMode::CrossAttention)
        f.metadata["converted_fusion_head"] = "fresh initialisation (seed " + std::to_string(kCampFreshHeadSeed) +
                                              "): a stage-1 CrossAttentionNew checkpoint has none";
    if (opt && (opt->kind == Kind::Dict || opt->kind == Kind::Object)) add_options(*opt, "opt.", 0, f.metadata);
    for (const auto& [k, v] : root.entries)
        if (k->kind == Kind::Str && k->s != "model" && k->s != "opt") f.metadata["checkpoint." + k->s] = v->text();
    return f;
}

nn::TensorFile load_camp_checkpoint(const std::string& path) { return read_camp_checkpoint(read_file(path), path); }

}  // namespace imram::models
