// SPDX-License-Identifier: MIT
#include "models/pcme/official_checkpoint.h"

#include <cstdint>
#include <map>
#include <optional>
#include <tuple>
#include <utility>
#include <vector>

#include "base/check.h"
#include "base/dtype.h"
#include "base/file_io.h"
#include "base/format.h"
#include "io/pth/torch_file.h"
#include "models/pcme/model.h"
#include "models/registry.h"

namespace imram::models {
namespace {

using pth::PyValue;
using pth::TorchFile;
using Kind = PyValue::Kind;

constexpr const char* kLayout =
    "a dict {'model': PCME state dict, 'criterion', 'config', 'word2idx', ...} (the official save_models) or a bare "
    "PCME state dict";
constexpr const char* kBackbone = "img_enc.cnn.";
// The special tokens at the ids the engine's tokeniser writes (data/vocab.h).
constexpr const char* kSpecials[4] = {"<pad>", "<start>", "<end>", "<unk>"};

bool is_mapping(const PyValue* v) { return v && (v->kind == Kind::Dict || v->kind == Kind::Object); }

/// A nested dict's scalar entries as "<prefix><name>", blocks as "<prefix><block>.<name>".
void add_entries(const PyValue& d, const std::string& prefix, int depth, std::map<std::string, std::string>& meta) {
    for (const auto& [k, v] : d.entries) {
        if (k->kind != Kind::Str) continue;
        if (is_mapping(v) && depth < 3) add_entries(*v, prefix + k->s + ".", depth + 1, meta);
        else meta[prefix + k->s] = v->text();
    }
}

/// One saved tensor: its key as saved (for errors) and its value.
struct Saved {
    std::string where;
    const PyValue* value;
};

/// config[block][name], when the config has it.
const PyValue* config_entry(const PyValue* config, const char* block, const char* name) {
    if (!is_mapping(config)) return nullptr;
    const PyValue* b = config->get(block);
    return is_mapping(b) ? b->get(name) : nullptr;
}

std::optional<double> config_number(const PyValue* config, const char* block, const char* name, const std::string& src) {
    const PyValue* v = config_entry(config, block, name);
    if (!v || v->kind == Kind::None) return std::nullopt;
    IMRAM_CHECK(v->kind == Kind::Int || v->kind == Kind::Float, src, ": config['", block, "']['", name, "'] is a ",
                v->type_name(), " (", v->text(), "), expected a number");
    return v->kind == Kind::Int ? static_cast<double>(v->i) : v->f;
}

std::optional<std::int64_t> config_int(const PyValue* config, const char* block, const char* name, const std::string& src) {
    const PyValue* v = config_entry(config, block, name);
    if (!v || v->kind == Kind::None) return std::nullopt;
    IMRAM_CHECK(v->kind == Kind::Int, src, ": config['", block, "']['", name, "'] is a ", v->type_name(), " (",
                v->text(), "), expected an int");
    return v->i;
}

/// word2idx against the embedding: every id a row of it, each once, and the special tokens where the
/// engine's tokeniser puts them (a vocabulary that disagrees scrambles every caption). Returns the words
/// by id; a row no word names is "<unused_ID>".
std::vector<std::string> check_word2idx(const PyValue& w2i, std::int64_t vocab_size, const std::string& src) {
    IMRAM_CHECK(is_mapping(&w2i), src, ": 'word2idx' is a ", w2i.type_name(), ", expected a dict word -> id");
    std::vector<bool> seen(static_cast<std::size_t>(vocab_size), false);
    std::vector<std::string> words(static_cast<std::size_t>(vocab_size));
    for (const auto& [w, id] : w2i.entries) {
        IMRAM_CHECK(w->kind == Kind::Str, src, ": 'word2idx' has a key of type ", w->type_name(), " (expected str)");
        IMRAM_CHECK(id->kind == Kind::Int, src, ": 'word2idx': the id of '", w->s, "' is a ", id->type_name(),
                    ", expected an int");
        IMRAM_CHECK(id->i >= 0 && id->i < vocab_size, src, ": 'word2idx' maps '", w->s, "' to ", id->i,
                    ", outside the ", vocab_size, " rows of txt_enc.embed.weight");
        IMRAM_CHECK(!seen[static_cast<std::size_t>(id->i)], src, ": 'word2idx' gives id ", id->i, " to two words");
        seen[static_cast<std::size_t>(id->i)] = true;
        IMRAM_CHECK(w->s.find_first_of(" \t\r\n") == std::string::npos, src, ": 'word2idx' has a word with white space: '",
                    w->s, "'");
        words[static_cast<std::size_t>(id->i)] = w->s;
    }
    for (std::int64_t i = 0; i < vocab_size; ++i)
        if (!seen[static_cast<std::size_t>(i)])
            words[static_cast<std::size_t>(i)] = i < 4 ? std::string(kSpecials[i]) : "<unused_" + std::to_string(i) + ">";
    for (std::int64_t i = 0; i < 4; ++i) {
        const PyValue* id = w2i.get(kSpecials[i]);
        IMRAM_CHECK(!id || id->i == i, src, ": 'word2idx' maps '", kSpecials[i], "' to ", id ? id->i : 0,
                    "; the engine's tokeniser writes <pad> 0, <start> 1, <end> 2, <unk> 3");
    }
    return words;
}

}  // namespace

nn::TensorFile read_pcme_checkpoint(std::string_view bytes, const std::string& src) {
    const TorchFile tf = TorchFile::parse(bytes, src);
    const PyValue& root = tf.root();
    IMRAM_CHECK(root.kind == Kind::Dict, src, ": not a PCME checkpoint: expected ", kLayout, ", got a ",
                root.type_name());
    const PyValue* model = root.get("model");
    const bool bare = model == nullptr;
    if (bare) {
        model = &root;
    } else {
        IMRAM_CHECK(model->kind == Kind::Dict, src, ": not a PCME checkpoint: 'model' is a ", model->type_name(),
                    model->kind == Kind::List || model->kind == Kind::Tuple
                        ? " of " + std::to_string(model->items.size()) + " items"
                        : std::string(),
                    "; expected ", kLayout);
    }
    const std::string holder = bare ? "the state dict" : "'model'";

    // Every saved key under the engine's name ('module.' dropped); the backbone's keys are counted
    // and left out.
    std::map<std::string, Saved> saved;
    std::size_t skipped = 0;
    bool pcme_keys = false;
    for (const auto& [k, v] : model->entries) {
        IMRAM_CHECK(k->kind == Kind::Str, src, ": ", holder, " has a key of type ", k->type_name(), " (expected str)");
        const std::string name = k->s.rfind("module.", 0) == 0 ? k->s.substr(7) : k->s;
        const std::string where = "'" + k->s + "'" + (bare ? std::string() : " in 'model'");
        if (bare && v->kind != Kind::Tensor)
            IMRAM_FAIL(src, ": not a PCME checkpoint: no 'model' entry, and ", where, " is a ", v->type_name(),
                       ", not a tensor of a bare state dict (expected ", kLayout, ")");
        IMRAM_CHECK(v->kind == Kind::Tensor, src, ": ", where, " is a ", v->type_name(), ", expected a tensor");
        if (name.rfind(kBackbone, 0) == 0) {
            ++skipped;
            continue;
        }
        if (name.find(".pie_net.") != std::string::npos || name.find(".uncertain_net.") != std::string::npos)
            pcme_keys = true;
        IMRAM_CHECK(saved.emplace(name, Saved{where, v}).second, src, ": ", holder, " holds '", name,
                    "' twice (with and without 'module.')");
    }
    IMRAM_CHECK(pcme_keys, src, ": not a PCME checkpoint: ", holder,
                " holds none of PCME's pie_net / uncertain_net parameters (expected 'img_enc.pie_net.fc.weight' "
                "among others; ",
                kLayout, ")");

    // The sizes, from the two tensors that carry them (spec 6.2).
    auto sizes_of = [&](const std::string& name, const char* rows, const char* cols) {
        const auto it = saved.find(name);
        IMRAM_CHECK(it != saved.end(), src, ": the PCME checkpoint has no '", name, "' in ", holder);
        const PyValue& t = *it->second.value;
        IMRAM_CHECK(t.size.size() == 2, src, ": ", it->second.where, " has ", t.size.size(), " dimensions, expected 2 (",
                    rows, ", ", cols, ")");
        return std::make_pair(t.size[0], t.size[1]);
    };
    PcmeConfig cfg;
    std::tie(cfg.vocab_size, cfg.word_dim) = sizes_of("txt_enc.embed.weight", "vocab_size", "word_dim");
    std::tie(cfg.embed_size, cfg.img_dim) = sizes_of("img_enc.fc.weight", "embed_size", "img_dim");

    // The settings the tensors do not carry come from the config, else the official COCO values.
    const PyValue* config = root.get("config");
    if (bare || !is_mapping(config)) config = nullptr;
    if (auto d = config_int(config, "model", "embed_dim", src))
        IMRAM_CHECK(*d == cfg.embed_size, src, ": config['model']['embed_dim'] is ", *d, " but img_enc.fc.weight has ",
                    cfg.embed_size, " rows (embed_size)");
    if (auto w = config_int(config, "model", "word_dim", src))
        IMRAM_CHECK(*w == cfg.word_dim, src, ": config['model']['word_dim'] is ", *w,
                    " but txt_enc.embed.weight has ", cfg.word_dim, " columns (word_dim)");
    if (auto k = config_int(config, "model", "n_samples_inference", src)) cfg.n_samples_inference = *k;
    if (auto b = config_number(config, "criterion", "vib_beta", src)) cfg.vib_beta = *b;
    if (auto a = config_number(config, "criterion", "init_negative_scale", src)) cfg.init_negative_scale = *a;
    if (auto b = config_number(config, "criterion", "init_shift", src)) cfg.init_shift = *b;
    try {
        cfg.validate();
    } catch (const Error& e) {
        IMRAM_FAIL(src, ": the checkpoint gives invalid PCME settings (sizes from the tensors' shapes, the rest from "
                        "'config'): ", e.what());
    }

    // The criterion's a and b: saved beside the model, never in its state dict.
    const PyValue* criterion = bare ? nullptr : root.get("criterion");
    IMRAM_CHECK(bare || criterion != nullptr, src,
                ": the PCME checkpoint has no 'criterion' entry (expected {'shift', 'negative_scale'} beside 'model')");
    if (criterion) {
        IMRAM_CHECK(criterion->kind == Kind::Dict, src, ": 'criterion' is a ", criterion->type_name(),
                    ", expected the criterion's state dict {'shift', 'negative_scale'}");
        for (const auto& [k, v] : criterion->entries) {
            IMRAM_CHECK(k->kind == Kind::Str, src, ": 'criterion' has a key of type ", k->type_name(), " (expected str)");
            const std::string key = k->s.rfind("module.", 0) == 0 ? k->s.substr(7) : k->s;
            const std::string where = "'" + k->s + "' in 'criterion'";
            IMRAM_CHECK(v->kind == Kind::Tensor, src, ": ", where, " is a ", v->type_name(), ", expected a tensor");
            IMRAM_CHECK(saved.emplace("criterion." + key, Saved{where, v}).second, src, ": '", "criterion." + key,
                        "' is saved twice");
        }
    }

    // The model of those sizes names every parameter with its shape; the file must hold each, but a
    // bare state dict's a and b, which keep the model's initial values.
    PcmeModel fresh(cfg, 0, DType::F32, Device::cpu());
    const nn::TensorFile expected = nn::state_dict(fresh);
    const std::string size_text = "vocab_size " + std::to_string(cfg.vocab_size) + ", word_dim " +
                                  std::to_string(cfg.word_dim) + ", img_dim " + std::to_string(cfg.img_dim) +
                                  ", embed_size " + std::to_string(cfg.embed_size);
    nn::TensorFile f;
    for (const auto& [name, want] : expected.tensors) {
        const bool of_criterion = name.rfind("criterion.", 0) == 0;
        const auto it = saved.find(name);
        if (it == saved.end()) {
            IMRAM_CHECK(bare && of_criterion, src, ": the PCME checkpoint has no '",
                        of_criterion ? name.substr(10) + "' in 'criterion'" : name + "' in " + holder);
            f.tensors.emplace_back(name, want);
            continue;
        }
        const Shape got(it->second.value->size);
        IMRAM_CHECK(got == want.shape(), src, ": ", it->second.where, " has shape ", got, ", expected ", want.shape(),
                    of_criterion ? std::string(" (a scalar parameter)")
                                 : " for the sizes the checkpoint's embed and fc weights give (" + size_text + ")");
        Tensor t = tf.tensor(*it->second.value, it->second.where);
        IMRAM_CHECK(t.dtype() == DType::F32 || t.dtype() == DType::F64, src, ": ", it->second.where, " is a tensor of ",
                    dtype_name(t.dtype()), ", expected floating-point weights");
        f.tensors.emplace_back(name, t.dtype() == DType::F32 ? t : t.to(DType::F32));
        saved.erase(it);
    }
    IMRAM_CHECK(saved.empty(), src, ": unexpected ", saved.empty() ? "" : saved.begin()->second.where,
                ": not a parameter of PCME on region features (", saved.size(), " unexpected key",
                saved.size() == 1 ? "" : "s", "; the image backbone's img_enc.cnn.* are skipped)");

    f.metadata = cfg.to_metadata();
    f.metadata["format"] = "imram.cpp model v1";
    f.metadata["converted_from"] = src;
    f.metadata["converted_format"] = std::string("PCME ") + (bare ? "state dict" : "checkpoint") + ", " + tf.format() +
                                     " layout";
    f.metadata["converted_skipped"] = std::to_string(skipped) +
                                      " img_enc.cnn.* tensors (the image backbone: the engine's image head reads "
                                      "region features)";
    if (bare)
        f.metadata["converted_criterion"] = "initial values (negative_scale " + format_python_float(cfg.init_negative_scale) +
                                            ", shift " + format_python_float(cfg.init_shift) +
                                            "): a bare state dict holds no criterion";
    if (config) add_entries(*config, "config.", 0, f.metadata);
    if (!bare) {
        for (const auto& [k, v] : root.entries) {
            if (k->kind != Kind::Str || k->s == "model" || k->s == "criterion" || k->s == "config") continue;
            if (k->s == "word2idx") {
                const std::vector<std::string> words = check_word2idx(*v, cfg.vocab_size, src);
                f.metadata["checkpoint.word2idx"] = "<dict of " + std::to_string(v->entries.size()) + " words>";
                // The words by id, one per line, for `imram convert` to write as the vocabulary file.
                std::string joined;
                for (const std::string& w : words) joined += (joined.empty() ? "" : "\n") + w;
                f.metadata[kConvertedVocab] = joined;
            } else if (k->s == "metadata" && is_mapping(v)) {
                add_entries(*v, "checkpoint.metadata.", 0, f.metadata);
            } else {
                f.metadata["checkpoint." + k->s] = v->text();
            }
        }
    }
    return f;
}

nn::TensorFile load_pcme_checkpoint(const std::string& path) { return read_pcme_checkpoint(read_file(path), path); }

}  // namespace imram::models
