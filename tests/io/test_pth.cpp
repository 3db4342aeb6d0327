// SPDX-License-Identifier: MIT
// Official IMRAM / SCAN .pth.tar checkpoints (tests/fixtures/pth, made by tools/make_pth_fixtures.py with
// PyTorch): both torch.save layouts against the oracle the script wrote, the options -> ModelConfig
// path, loading and scoring, and the refusal of hostile or damaged files.
#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "api/retriever.h"
#include "core/ops.h"
#include "core/rng.h"
#include "models/imram/checkpoint.h"
#include "tests/testing/files.h"
#include "models/imram/official_checkpoint.h"
#include "io/pth/torch_file.h"
#include "io/pth/zip_reader.h"

using namespace imram;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::string fixture(const std::string& name) { return std::string(IMRAM_TEST_DATA_DIR) + "/pth/" + name; }

struct Oracle {
    nn::TensorFile f;
    json options, info, raw_names, config;
    explicit Oracle(const std::string& family) : f(nn::load_safetensors(fixture(family + "_oracle.safetensors"))) {
        options = json::parse(f.metadata.at("options_json"));
        info = json::parse(f.metadata.at("info_json"));
        raw_names = json::parse(f.metadata.at("raw_names_json"));
        config = json::parse(f.metadata.at("config_json"));
    }
};

bool same_bits(const Tensor& a, const Tensor& b) {
    return a.dtype() == b.dtype() && a.shape() == b.shape() &&
           std::memcmp(a.contiguous().raw_data(), b.contiguous().raw_data(), a.nbytes()) == 0;
}

/// The Python value in `j` equals the saved option, type included.
bool same_value(const json& j, const models::PyScalar& v) {
    using T = models::PyScalar::Type;
    if (j.is_null()) return v.type == T::None;
    if (j.is_boolean()) return v.type == T::Bool && v.b == j.get<bool>();
    if (j.is_number_integer()) return v.type == T::Int && v.i == j.get<std::int64_t>();
    if (j.is_number_float()) return v.type == T::Float && v.f == j.get<double>();
    if (j.is_string()) return v.type == T::Str && v.s == j.get<std::string>();
    return false;
}

/// The model built straight from the oracle's tensors and expected config (no converter involved).
std::unique_ptr<models::ImramModel> oracle_model(const Oracle& o) {
    nn::TensorFile f = o.f;
    f.metadata.clear();
    for (const auto& [k, v] : o.config.items())
        f.metadata[k] = v.is_boolean() ? (v.get<bool>() ? "true" : "false") : v.is_string() ? v.get<std::string>() : v.dump();
    return models::imram_from_file(f, "oracle");
}

models::Encoded small_batch(const models::ImramModel& m) {
    Philox rng(3);
    const std::int64_t img = m.config().img_dim;
    std::vector<float> feats(3 * 5 * img);
    for (auto& x : feats) x = static_cast<float>(rng.uniform());  // non-negative, as BUTD features
    const std::vector<std::int64_t> ids = {1, 4, 5, 6, 2, 1, 7, 8, 2, 0, 1, 9, 10, 11, 2};
    return m.encode(from_vector(feats, {3, 5, img}), from_vector(ids, {3, 5}), {5, 4, 5});
}

std::string message_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    return "(no error)";
}

}  // namespace

TEST_CASE("pth: both torch.save layouts give PyTorch's tensors bit for bit", "[data]") {
    for (const std::string family : {"imram", "scan"}) {
        const Oracle o(family);
        for (const std::string layout : {"zip", "legacy"}) {
            const std::string path = fixture(family + "_" + layout + ".pth.tar");
            INFO(path);
            const models::OfficialCheckpoint c = models::load_official_checkpoint(path);
            CHECK(c.format == layout);
            CHECK(c.family == (family == "imram" ? "IMRAM" : "SCAN"));
            REQUIRE(c.tensors.size() == o.raw_names.size());
            for (std::size_t i = 0; i < c.tensors.size(); ++i) CHECK(c.tensors[i].first == o.raw_names[i].get<std::string>());

            const nn::TensorFile f = models::to_model_file(c);
            REQUIRE(f.tensors.size() == o.f.tensors.size());
            for (std::size_t i = 0; i < f.tensors.size(); ++i) {
                INFO(o.f.tensors[i].first);
                CHECK(f.tensors[i].first == o.f.tensors[i].first);
                CHECK(f.tensors[i].second.dtype() == DType::F32);
                CHECK(same_bits(f.tensors[i].second, o.f.tensors[i].second));
            }
        }
    }
}

TEST_CASE("pth: the saved options and fields come out with their Python types", "[data]") {
    for (const std::string family : {"imram", "scan"}) {
        const Oracle o(family);
        for (const std::string layout : {"zip", "legacy"}) {
            const models::OfficialCheckpoint c = models::load_official_checkpoint(fixture(family + "_" + layout + ".pth.tar"));
            CHECK(c.options.size() == o.options.size());
            for (const auto& [k, v] : o.options.items()) {
                INFO(family << " " << layout << " opt." << k);
                const models::PyScalar* got = c.option(k);
                REQUIRE(got != nullptr);
                CHECK(same_value(v, *got));
            }
            CHECK(c.info.size() == o.info.size());
            for (const auto& [k, v] : c.info) {
                INFO(family << " " << layout << " " << k);
                REQUIRE(o.info.contains(k));
                CHECK(same_value(o.info[k], v));  // IMRAM's best_rsum is a numpy.float64 in the file
            }
        }
    }
    models::PyScalar f;
    f.type = models::PyScalar::Type::Float;
    for (const auto& [x, text] : std::vector<std::pair<double, std::string>>{{0.2, "0.2"}, {2.0, "2.0"}, {0.0002, "0.0002"}, {1e-05, "1e-05"}}) {
        f.f = x;
        CHECK(f.text() == text);
    }
}

TEST_CASE("pth: converted metadata gives the ModelConfig of the saved options", "[data]") {
    for (const std::string family : {"imram", "scan"}) {
        const Oracle o(family);
        for (const std::string layout : {"zip", "legacy"}) {
            INFO(family << " " << layout);
            const nn::TensorFile f = models::to_model_file(models::load_official_checkpoint(fixture(family + "_" + layout + ".pth.tar")));
            const models::ModelConfig c = models::ModelConfig::from_metadata(f.metadata, "converted");
            const json& want = o.config;
            CHECK(models::mode_name(c.mode) == want["model_mode"].get<std::string>());
            CHECK(c.iteration_step == want["iteration_step"].get<std::int64_t>());
            CHECK(c.lambda_softmax == want["lambda_softmax"].get<double>());
            CHECK(std::string(models::agg_name(c.agg)) == want["agg_func"].get<std::string>());
            CHECK(c.lambda_lse == want["lambda_lse"].get<double>());
            CHECK(c.no_imram_norm == want["no_IMRAM_norm"].get<bool>());
            CHECK(c.vocab_size == want["vocab_size"].get<std::int64_t>());
            CHECK(c.word_dim == want["word_dim"].get<std::int64_t>());
            CHECK(c.img_dim == want["img_dim"].get<std::int64_t>());
            CHECK(c.embed_size == want["embed_size"].get<std::int64_t>());
            CHECK(c.margin == want["margin"].get<double>());
            // Every option travels along, for provenance.
            CHECK(f.metadata.at("opt.data_name") == o.options["data_name"].get<std::string>());
            CHECK(f.metadata.at("checkpoint.epoch") == std::to_string(o.info["epoch"].get<int>()));
        }
    }
}

TEST_CASE("pth: a converted checkpoint loads and scores as the model built from PyTorch's tensors", "[data]") {
    for (const std::string family : {"imram", "scan"}) {
        const Oracle o(family);
        const auto want_model = oracle_model(o);
        const Tensor want = want_model->score_all(small_batch(*want_model));
        for (const std::string layout : {"zip", "legacy"}) {
            INFO(family << " " << layout);
            const std::string out = testing::temp_file("converted_" + family + "_" + layout + ".safetensors");
            nn::save_safetensors(out, models::to_model_file(models::load_official_checkpoint(fixture(family + "_" + layout + ".pth.tar"))));
            const auto m = models::load_imram_model(out);
            const Tensor got = m->score_all(small_batch(*m));
            REQUIRE(got.shape() == Shape{3, 3});
            CHECK(same_bits(got, want));
            for (std::int64_t k = 0; k < got.numel(); ++k) CHECK(std::isfinite(got.at(k)));
        }
    }
}

TEST_CASE("pth: the 'module.' prefix of DataParallel checkpoints is accepted", "[data]") {
    const models::OfficialCheckpoint c = models::load_official_checkpoint(fixture("imram_zip.pth.tar"));
    for (const auto& [name, t] : c.tensors) CHECK(name.rfind("module.", 0) == 0);
    const nn::TensorFile f = models::to_model_file(c);
    for (const auto& [name, t] : f.tensors) CHECK(name.rfind("module.", 0) == std::string::npos);
    // A checkpoint saved without the wrapper (no prefix) converts to the same names.
    models::OfficialCheckpoint plain = c;
    for (auto& [name, t] : plain.tensors) name = name.substr(7);
    const nn::TensorFile g = models::to_model_file(plain);
    REQUIRE(g.tensors.size() == f.tensors.size());
    for (std::size_t i = 0; i < f.tensors.size(); ++i) CHECK(g.tensors[i].first == f.tensors[i].first);
    // And the loader takes prefixed names as they are.
    nn::TensorFile prefixed = f;
    for (auto& [name, t] : prefixed.tensors) name = "module." + name;
    CHECK(models::imram_from_file(prefixed, "prefixed")->config().mode == models::Mode::FullIMRAM);
}

TEST_CASE("pth: Retriever::load takes a .pth.tar and scores as its converted file", "[api]") {
    const std::vector<std::string> words = {"<pad>", "<start>", "<end>", "<unk>", "a",    "dog",
                                            "cat",   "red",     "blue",  "runs",  "on", "grass"};
    const std::string converted = testing::temp_file("retriever_converted.safetensors");
    nn::save_safetensors(converted, models::to_model_file(models::load_official_checkpoint(fixture("imram_legacy.pth.tar"))));
    const Retriever from_pth = Retriever::load(fixture("imram_legacy.pth.tar"), words);
    const Retriever from_st = Retriever::load(converted, words);
    CHECK(from_pth.mode() == "full_IMRAM");
    CHECK(from_pth.image_feature_size() == 24);
    Philox rng(9);
    std::vector<float> feats(4 * 6 * 24);
    for (auto& x : feats) x = static_cast<float>(rng.uniform());
    const Tensor images = from_vector(feats, {4, 6, 24});
    const std::vector<std::string> caps = {"a red dog runs on grass", "a blue cat", "dog on a cat"};
    const Tensor a = from_pth.score(from_pth.encode_images(images), from_pth.encode_captions(caps));
    const Tensor b = from_st.score(from_st.encode_images(images), from_st.encode_captions(caps));
    REQUIRE(a.shape() == Shape{4, 3});
    CHECK(same_bits(a, b));
    const Retriever scan = Retriever::load(fixture("scan_zip.pth.tar"), words);
    CHECK(scan.mode() == "scan_i2t");
}

TEST_CASE("pth: pickles calling anything off the allow-list are refused, not run", "[data][errors]") {
    const std::string marker = "/tmp/imram_pth_pwned";
    fs::remove(marker);
    // Protocol 2 spells builtins.eval with its Python 2 module name.
    for (const auto& [file, global] : std::vector<std::pair<std::string, std::string>>{
             {"evil_system_zip.pth.tar", "posix.system"}, {"evil_eval_legacy.pth.tar", "__builtin__.eval"}}) {
        const std::string msg = message_of([&] { models::load_official_checkpoint(fixture(file)); });
        INFO(msg);
        CHECK(msg.find(file) != std::string::npos);
        CHECK(msg.find("'" + global + "'") != std::string::npos);
        CHECK(msg.find("not allowed") != std::string::npos);
        CHECK(!fs::exists(marker));
    }
}

TEST_CASE("pth: damaged files give errors naming the file and what was expected", "[data][errors]") {
    const std::string zip = testing::read_bytes(fixture("imram_zip.pth.tar"));
    const std::string legacy = testing::read_bytes(fixture("imram_legacy.pth.tar"));
    REQUIRE(zip.size() > 1000);
    REQUIRE(legacy.size() > 1000);
    auto error_of = [](const std::string& bytes, const std::string& name) {
        return message_of([&] { models::read_official_checkpoint(bytes, name); });
    };
    auto has = [](const std::string& msg, const std::string& part) {
        INFO(msg);
        return msg.find(part) != std::string::npos;
    };

    // Truncated zip: the end-of-directory record is gone.
    for (std::size_t keep : {zip.size() / 2, zip.size() - 5, std::size_t{30}}) {
        const std::string m = error_of(zip.substr(0, keep), "cut.pth.tar");
        CHECK(has(m, "cut.pth.tar"));
        CHECK((has(m, "truncated") || has(m, "end-of-central-directory")));
    }
    // One flipped byte inside a stored entry: its CRC no longer matches.
    {
        std::string bad = zip;
        const auto entries = pth::read_zip(zip, "x");
        const pth::ZipEntry* big = &entries[0];
        for (const auto& e : entries)
            if (e.data.size() > big->data.size()) big = &e;
        bad[static_cast<std::size_t>(big->data.data() - zip.data()) + big->data.size() / 2] ^= 0x10;
        const std::string m = error_of(bad, "crc.pth.tar");
        CHECK(has(m, "crc.pth.tar"));
        CHECK(has(m, "CRC-32"));
        CHECK(has(m, big->name));
    }
    // Truncated legacy file: inside the storages, and inside the pickle.
    for (std::size_t keep : {legacy.size() - 100, legacy.size() - 1, std::size_t{400}, std::size_t{3}}) {
        const std::string m = error_of(legacy.substr(0, keep), "short.pth.tar");
        CHECK(has(m, "short.pth.tar"));
        CHECK((has(m, "truncated") || has(m, "shorter")));
    }
    // Wrong magic number.
    {
        std::string bad = legacy;
        bad[6] ^= 0x01;
        const std::string m = error_of(bad, "magic.pth.tar");
        CHECK(has(m, "magic.pth.tar"));
        CHECK(has(m, "magic number"));
        CHECK(has(m, "0x1950a86a20f9469cfc6c"));
    }
    // Not a checkpoint at all.
    {
        const std::string m = error_of("hello world", "text.pth.tar");
        CHECK(has(m, "text.pth.tar"));
        CHECK(has(m, "not a PyTorch checkpoint"));
    }
    // A tensor reaching past its storage (legacy), a storage entry shorter than announced (zip).
    {
        const std::string m = message_of([] { models::load_official_checkpoint(fixture("short_storage_legacy.pth.tar")); });
        CHECK(has(m, "short_storage_legacy.pth.tar"));
        CHECK(has(m, "reaches element 15"));
        CHECK(has(m, "holds only 4 elements"));
        const std::string z = message_of([] { models::load_official_checkpoint(fixture("short_storage_zip.pth.tar")); });
        CHECK(has(z, "short_storage_zip.pth.tar"));
        CHECK(has(z, "shorter than announced"));
    }
}

TEST_CASE("pth: options the engine does not implement are refused by name", "[data][errors]") {
    const models::OfficialCheckpoint imram = models::load_official_checkpoint(fixture("imram_zip.pth.tar"));
    const models::OfficialCheckpoint scan = models::load_official_checkpoint(fixture("scan_legacy.pth.tar"));
    auto with = [](models::OfficialCheckpoint c, const std::string& name, models::PyScalar v) {
        bool found = false;
        for (auto& [k, x] : c.options)
            if (k == name) x = v, found = true;
        if (!found) c.options.emplace_back(name, v);
        return c;
    };
    auto str = [](const std::string& s) {
        models::PyScalar v;
        v.type = models::PyScalar::Type::Str;
        v.s = s;
        return v;
    };
    models::PyScalar no;
    no.type = models::PyScalar::Type::Bool;
    models::PyScalar big;
    big.type = models::PyScalar::Type::Int;
    big.i = 1024;
    const std::vector<std::tuple<models::OfficialCheckpoint, std::string>> cases = {
        {with(imram, "model_mode", str("vse")), "opt.model_mode"},
        {with(imram, "raw_feature_norm", str("softmax")), "opt.raw_feature_norm"},
        {with(imram, "iteration_step", str("3")), "opt.iteration_step must be an integer"},
        {with(imram, "embed_size", big), "embed_size 1024"},
        {with(scan, "agg_func", str("Median")), "opt.agg_func"},
        {with(scan, "cross_attn", str("both")), "opt.cross_attn"},
        {with(scan, "bi_gru", no), "opt.bi_gru"},
        {with(scan, "precomp_enc_type", str("weight_norm")), "opt.precomp_enc_type"},
    };
    for (const auto& [c, part] : cases) {
        const std::string m = message_of([&] { models::to_model_file(c); });
        INFO(m);
        CHECK(m.find(part) != std::string::npos);
        CHECK(m.find(c.source) != std::string::npos);
    }
    models::OfficialCheckpoint no_opt = imram;
    no_opt.options.clear();
    CHECK(message_of([&] { models::to_model_file(no_opt); }).find("no 'opt'") != std::string::npos);
}

TEST_CASE("pth: the fuzz seed corpus parses or fails cleanly", "[data][errors]") {
    const fs::path dir = fs::path(IMRAM_TEST_DATA_DIR) / ".." / ".." / "fuzz" / "corpus" / "pth";
    REQUIRE(fs::is_directory(dir));
    int files = 0, valid = 0;
    for (const auto& e : fs::directory_iterator(dir)) {
        const std::string bytes = testing::read_bytes(e.path().string());
        ++files;
        try {
            models::to_model_file(models::read_official_checkpoint(bytes, e.path().filename().string()));
            ++valid;
        } catch (const Error& err) {
            CHECK(std::string(err.what()).find(e.path().filename().string()) != std::string::npos);
        }
    }
    CHECK(files >= 4);
    CHECK(valid >= 1);
}
