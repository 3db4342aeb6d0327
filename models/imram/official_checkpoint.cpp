// SPDX-License-Identifier: MIT
#include "models/imram/official_checkpoint.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "base/check.h"
#include "base/file_io.h"
#include "base/format.h"
#include "models/imram/config.h"
#include "io/pth/torch_file.h"

namespace imram::models {
namespace {

using pth::PyValue;
using pth::TorchFile;
using pth::looks_like_torch_file;

using Kind = PyValue::Kind;

PyScalar scalar_of(const PyValue& v) {
    PyScalar s;
    switch (v.kind) {
        case Kind::None: s.type = PyScalar::Type::None; break;
        case Kind::Bool: s.type = PyScalar::Type::Bool, s.b = v.b; break;
        case Kind::Int: s.type = PyScalar::Type::Int, s.i = v.i; break;
        case Kind::Float: s.type = PyScalar::Type::Float, s.f = v.f; break;
        case Kind::Str: s.type = PyScalar::Type::Str, s.s = v.s; break;
        case Kind::List:
        case Kind::Tuple:
        case Kind::Dict: s.type = PyScalar::Type::Other, s.s = "<" + v.type_name() + " of " +
                                                            std::to_string(v.kind == Kind::Dict ? v.entries.size() : v.items.size()) + " items>";
            break;
        default: s.type = PyScalar::Type::Other, s.s = "<" + v.type_name() + ">";
    }
    return s;
}

/// The options, looked up by name with their expected Python type; errors name the option.
class Options {
public:
    explicit Options(const OfficialCheckpoint& c) : c_(c) {}

    const PyScalar* find(const char* name) const { return c_.option(name); }
    [[noreturn]] void wrong(const char* name, const char* expected, const PyScalar& got) const {
        IMRAM_FAIL(c_.source, ": opt.", name, " must be ", expected, ", got '", got.text(), "'");
    }
    std::string str(const char* name, const std::string& def) const {
        const PyScalar* v = find(name);
        if (!v) return def;
        if (v->type != PyScalar::Type::Str) wrong(name, "a string", *v);
        return v->s;
    }
    std::int64_t integer(const char* name, std::int64_t def) const {
        const PyScalar* v = find(name);
        if (!v) return def;
        if (v->type != PyScalar::Type::Int) wrong(name, "an integer", *v);
        return v->i;
    }
    double real(const char* name, double def) const {
        const PyScalar* v = find(name);
        if (!v) return def;
        if (v->type == PyScalar::Type::Int) return static_cast<double>(v->i);
        if (v->type != PyScalar::Type::Float) wrong(name, "a number", *v);
        return v->f;
    }
    bool flag(const char* name, bool def) const {
        const PyScalar* v = find(name);
        if (!v) return def;
        if (v->type != PyScalar::Type::Bool) wrong(name, "True or False", *v);
        return v->b;
    }
    /// An option whose other values change the computation in ways the engine does not implement.
    void require(const char* name, const std::string& value, const std::string& why) const {
        const PyScalar* v = find(name);
        IMRAM_CHECK(!v || v->text() == value, c_.source, ": opt.", name, " is '", v ? v->text() : "", "'; imram.cpp supports only ",
                    value, " (", why, ")");
    }

private:
    const OfficialCheckpoint& c_;
};

ModelConfig config_from_options(const OfficialCheckpoint& c) {
    const Options o(c);
    IMRAM_CHECK(!c.options.empty(), c.source, ": the checkpoint has no 'opt' (the saved argparse options), which "
                                              "the model's hyper-parameters come from");
    ModelConfig cfg;
    if (c.family == "IMRAM") {
        const std::string mode = o.str("model_mode", "");
        IMRAM_CHECK(mode == "text_IMRAM" || mode == "image_IMRAM" || mode == "full_IMRAM", c.source, ": opt.model_mode is '",
                    mode, "'; an IMRAM checkpoint needs text_IMRAM, image_IMRAM or full_IMRAM");
        cfg.mode = models::parse_mode(mode);
        cfg.iteration_step = o.integer("iteration_step", cfg.iteration_step);
        cfg.no_imram_norm = o.flag("no_IMRAM_norm", false);
    } else {
        const std::string dir = o.str("cross_attn", "t2i");
        IMRAM_CHECK(dir == "t2i" || dir == "i2t", c.source, ": opt.cross_attn is '", dir, "'; expected t2i or i2t");
        cfg.mode = dir == "t2i" ? models::Mode::ScanT2I : models::Mode::ScanI2T;
        cfg.iteration_step = 1;
    }
    // IMRAM ignores agg_func (it always averages); SCAN pools with it.
    const std::string agg = o.str("agg_func", "LogSumExp");
    if (agg == "Mean" || agg == "LogSumExp" || agg == "Max" || agg == "Sum")
        cfg.agg = models::parse_agg(agg);
    else
        IMRAM_CHECK(c.family == "IMRAM", c.source, ": opt.agg_func is '", agg,
                    "'; SCAN pools with LogSumExp, Mean, Max or Sum");
    cfg.lambda_softmax = o.real("lambda_softmax", cfg.lambda_softmax);
    cfg.lambda_lse = o.real("lambda_lse", cfg.lambda_lse);
    cfg.margin = o.real("margin", cfg.margin);
    cfg.embed_size = o.integer("embed_size", cfg.embed_size);
    cfg.word_dim = o.integer("word_dim", cfg.word_dim);
    cfg.img_dim = o.integer("img_dim", cfg.img_dim);
    cfg.vocab_size = o.integer("vocab_size", 0);

    o.require("raw_feature_norm", "clipped_l2norm", "the attention normalisation both official scripts use");
    o.require("precomp_enc_type", "basic", "one linear layer on the region features");
    o.require("num_layers", "1", "a one-layer GRU");
    IMRAM_CHECK(!o.flag("no_imgnorm", false) && !o.flag("no_txtnorm", false), c.source,
                ": opt.no_imgnorm / opt.no_txtnorm is True; imram.cpp always l2-normalises the encoders' outputs");
    IMRAM_CHECK(o.flag("bi_gru", true), c.source, ": opt.bi_gru is False; imram.cpp implements the bidirectional GRU only");
    return cfg;
}

std::string model_name(const OfficialCheckpoint& c, const std::string& raw) {
    std::string n = raw.rfind("module.", 0) == 0 ? raw.substr(7) : raw;
    if (c.family == "SCAN" && n.rfind("img_enc.fc.", 0) == 0) n = "img_enc.fc_local." + n.substr(11);
    return n;
}

void check_dims(const OfficialCheckpoint& c, const nn::TensorFile& f, const std::string& name, std::int64_t rows,
                std::int64_t cols, const char* rows_opt, const char* cols_opt) {
    const Tensor* t = f.find(name);
    IMRAM_CHECK(t != nullptr, c.source, ": the state dict has no '", name, "' (", c.family, " checkpoint)");
    IMRAM_CHECK(t->dim() == 2 && t->size(0) == rows && t->size(1) == cols, c.source, ": '", name, "' has shape ",
                t->shape(), " but the options give (", rows_opt, " ", rows, ", ", cols_opt, " ", cols, ")");
}

}  // namespace

std::string PyScalar::text() const {
    switch (type) {
        case Type::None: return "None";
        case Type::Bool: return b ? "True" : "False";
        case Type::Int: return std::to_string(i);
        case Type::Float: return format_python_float(f);
        case Type::Str:
        case Type::Other: return s;
    }
    return "";
}

const PyScalar* OfficialCheckpoint::option(const std::string& name) const {
    for (const auto& [n, v] : options)
        if (n == name) return &v;
    return nullptr;
}

OfficialCheckpoint read_official_checkpoint(std::string_view bytes, const std::string& src) {
    const TorchFile tf = TorchFile::parse(bytes, src);
    OfficialCheckpoint c;
    c.source = src;
    c.format = tf.format();
    const PyValue& root = tf.root();
    IMRAM_CHECK(root.kind == Kind::Dict, src, ": the checkpoint must be a dict with 'model' and 'opt', got a ",
                root.type_name());
    const PyValue* model = root.get("model");
    IMRAM_CHECK(model != nullptr, src, ": the checkpoint has no 'model' entry (expected the state dict of an IMRAM or "
                                       "SCAN model)");
    auto add_state = [&](const PyValue& sd, const std::string& prefix, const std::string& where) {
        IMRAM_CHECK(sd.kind == Kind::Dict, src, ": ", where, " must be a state dict, got a ", sd.type_name());
        for (const auto& [k, v] : sd.entries) {
            IMRAM_CHECK(k->kind == Kind::Str, src, ": ", where, " has a key of type ", k->type_name(), " (expected str)");
            c.tensors.emplace_back(prefix + k->s, tf.tensor(*v, where + "['" + k->s + "']"));
        }
    };
    if (model->kind == Kind::Dict) {
        c.family = "IMRAM";
        add_state(*model, "", "model");
    } else {
        IMRAM_CHECK((model->kind == Kind::List || model->kind == Kind::Tuple) && model->items.size() == 2, src,
                    ": 'model' must be a state dict (IMRAM) or a list [img_enc state, txt_enc state] (SCAN), got a ",
                    model->type_name(), model->kind == Kind::List ? " of " + std::to_string(model->items.size()) + " items" : "");
        c.family = "SCAN";
        add_state(*model->items[0], "img_enc.", "model[0]");
        add_state(*model->items[1], "txt_enc.", "model[1]");
    }
    if (const PyValue* opt = root.get("opt")) {
        IMRAM_CHECK(opt->kind == Kind::Object || opt->kind == Kind::Dict, src,
                    ": 'opt' must be an argparse.Namespace, got a ", opt->type_name());
        for (const auto& [k, v] : opt->entries) {
            IMRAM_CHECK(k->kind == Kind::Str, src, ": opt has an attribute name of type ", k->type_name());
            c.options.emplace_back(k->s, scalar_of(*v));
        }
    }
    for (const auto& [k, v] : root.entries)
        if (k->kind == Kind::Str && k->s != "model" && k->s != "opt") c.info.emplace_back(k->s, scalar_of(*v));
    return c;
}

OfficialCheckpoint load_official_checkpoint(const std::string& path) {
    return read_official_checkpoint(read_file(path), path);
}

nn::TensorFile to_model_file(const OfficialCheckpoint& c) {
    ModelConfig cfg = config_from_options(c);
    nn::TensorFile f;
    for (const auto& [raw, t] : c.tensors) {
        const std::string name = model_name(c, raw);
        IMRAM_CHECK(f.find(name) == nullptr, c.source, ": the state dict holds '", name, "' twice (with and without 'module.')");
        f.tensors.emplace_back(name, t);
    }
    if (const Tensor* embed = f.find("txt_enc.embed.weight"); embed && embed->dim() == 2 && cfg.vocab_size == 0)
        cfg.vocab_size = embed->size(0);  // older SCAN runs did not store vocab_size in opt
    check_dims(c, f, "txt_enc.embed.weight", cfg.vocab_size, cfg.word_dim, "vocab_size", "word_dim");
    check_dims(c, f, "img_enc.fc_local.weight", cfg.embed_size, cfg.img_dim, "embed_size", "img_dim");
    try {
        cfg.validate();
    } catch (const Error& e) {
        IMRAM_FAIL(c.source, ": the saved options give invalid hyper-parameters: ", e.what());
    }
    f.metadata = cfg.to_metadata();
    f.metadata["family"] = "imram";
    f.metadata["format"] = "imram.cpp model v1";
    f.metadata["converted_from"] = c.source;
    f.metadata["converted_format"] = c.family + " checkpoint, " + c.format + " layout";
    for (const auto& [k, v] : c.options) f.metadata["opt." + k] = v.text();
    for (const auto& [k, v] : c.info) f.metadata["checkpoint." + k] = v.text();
    return f;
}

bool is_torch_checkpoint(const std::string& path) {
    // Through open_regular_file: a FIFO must not block this peek, and a directory or device is
    // refused here with the reason rather than read as "not a checkpoint".
    std::uint64_t size = 0;
    const int fd = open_regular_file(path, size);
    char head[4] = {};
    const ssize_t n = size >= 4 ? ::pread(fd, head, 4, 0) : 0;
    ::close(fd);
    return n == 4 && looks_like_torch_file(std::string_view(head, 4));
}

nn::TensorFile load_model_tensors(const std::string& path) {
    if (is_torch_checkpoint(path)) return to_model_file(load_official_checkpoint(path));
    return nn::load_safetensors(path);
}

}  // namespace imram::models
