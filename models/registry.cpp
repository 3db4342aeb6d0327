// SPDX-License-Identifier: MIT
#include "models/registry.h"

#include <algorithm>

#include "base/check.h"
#include "models/camp/family.h"
#include "models/pcme/family.h"
#include "models/imram/family.h"
#include "models/imram/official_checkpoint.h"

namespace imram::models {

const std::vector<ModelFamily>& model_families() {
    // The one list of families. A new family adds its entry here (docs/adding-a-model.md).
    static const std::vector<ModelFamily> families{imram_family(), camp_family(), pcme_family()};
    return families;
}

std::vector<std::string> model_modes() {
    std::vector<std::string> out;
    for (const ModelFamily& f : model_families()) out.insert(out.end(), f.modes.begin(), f.modes.end());
    return out;
}

std::string mode_list() {
    std::string all;
    for (const std::string& m : model_modes()) all += (all.empty() ? "" : ", ") + m;
    return all;
}

const ModelFamily& family_of_mode(const std::string& mode) {
    for (const ModelFamily& f : model_families())
        for (const std::string& m : f.modes)
            if (m == mode) return f;
    throw Error::usage("model_mode: unknown value '" + mode + "' (expected " + mode_list() + ")");
}

std::unique_ptr<RetrievalModel> create_model(const Options& options, std::uint64_t seed, DType dtype, Device dev) {
    const auto it = options.find("model_mode");
    IMRAM_CHECK_KIND(it != options.end(), Usage, "create_model: no model_mode given");
    return family_of_mode(it->second).create(options, seed, dtype, dev);
}

std::unique_ptr<RetrievalModel> model_from_file(const nn::TensorFile& f, const std::string& source, DType dtype,
                                                Device dev) {
    const auto it = f.metadata.find("family");
    const std::string name = it == f.metadata.end() ? "imram" : it->second;
    // NaN weights give NaN scores for everything: refused for every family, for model files and
    // converted official checkpoints alike. Every model load (load_model, `imram convert` before it
    // writes) comes through here, and this is the only check: the families' loaders and converters
    // leave it to the registry.
    nn::check_finite(f, source);
    std::string known;
    for (const ModelFamily& fam : model_families()) {
        if (fam.name == name) return fam.from_file(f, source, dtype, dev);
        known += (known.empty() ? "" : ", ") + fam.name;
    }
    IMRAM_FAIL(source, ": metadata field 'family' is '", name, "', not a model family of this engine (", known, ")");
}

namespace {

/// A file already known to be a torch.save checkpoint, converted by the first family whose converter
/// takes it. When none does: a fault of the file itself (a refused global, a damaged archive) reads the
/// same from every converter and is reported once; otherwise one error names the file and gives every
/// family's reason, so that a checkpoint of one family with a fault that family explains keeps that
/// explanation beside the others' "not a checkpoint of ours".
nn::TensorFile convert_torch_checkpoint(const std::string& path) {
    std::vector<const ModelFamily*> readers;
    for (const ModelFamily& fam : model_families())
        if (fam.convert_official) readers.push_back(&fam);
    IMRAM_CHECK(!readers.empty(), path, ": a torch.save checkpoint, but no model family reads official checkpoints");
    std::vector<Error> errors;
    for (const ModelFamily* fam : readers) {
        try {
            return fam->convert_official(path);
        } catch (const Error& e) {
            errors.push_back(e);  // not this family's checkpoint, perhaps: try the next
        }
    }
    const bool same = std::all_of(errors.begin(), errors.end(),
                                  [&](const Error& e) { return e.message() == errors.front().message(); });
    if (same) throw errors.front();
    std::string why;
    for (std::size_t i = 0; i < errors.size(); ++i) {
        std::string m = errors[i].message();
        if (m.rfind(path + ": ", 0) == 0) m = m.substr(path.size() + 2);
        why += "; as " + readers[i]->name + ": " + m;
    }
    IMRAM_FAIL(path, ": not an official checkpoint that a model family of this engine reads", why);
}

}  // namespace

nn::TensorFile read_model_file(const std::string& path) {
    return models::is_torch_checkpoint(path) ? convert_torch_checkpoint(path) : nn::load_safetensors(path);
}

nn::TensorFile convert_official_checkpoint(const std::string& path) {
    IMRAM_CHECK(models::is_torch_checkpoint(path), path,
                ": not a torch.save checkpoint (expected an official .pth.tar, zip or legacy layout)");
    return convert_torch_checkpoint(path);
}

std::unique_ptr<RetrievalModel> load_model(const std::string& path, DType dtype, Device dev) {
    return model_from_file(read_model_file(path), path, dtype, dev);
}

void save_model(const std::string& path, RetrievalModel& model, const Options& extra) {
    Options meta = model.config_metadata();
    meta["format"] = "imram.cpp model v1";
    for (const auto& [k, v] : extra) meta[k] = v;
    nn::save_safetensors(path, nn::state_dict(model, meta));
}

}  // namespace imram::models
