// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "base/file_io.h"
#include "core/ops.h"
#include "models/imram/checkpoint.h"
#include "models/registry.h"
#include "tests/testing/compare.h"
#include "tests/testing/temp.h"

using namespace imram;
using namespace imram::models;
using Catch::Contains;
using imram::testing::tmp_path;

namespace {
ModelConfig small() {
    ModelConfig c;
    c.mode = Mode::ImageIMRAM, c.vocab_size = 25, c.word_dim = 6, c.img_dim = 10, c.embed_size = 8;
    c.iteration_step = 2, c.lambda_softmax = 4.0, c.no_imram_norm = true;
    return c;
}
}  // namespace

TEST_CASE("checkpoint: save and load rebuild the same model from the file alone", "[models]") {
    const std::string p = tmp_path("model.safetensors");
    ImramModel m(small(), 3);
    save_model(p, m, {{"epoch", "4"}});
    const nn::TensorFile f = nn::load_safetensors(p);
    CHECK(f.metadata.at("model_mode") == "image_IMRAM");
    CHECK(f.metadata.at("epoch") == "4");
    CHECK(f.find("img_enc.fc_local.weight") != nullptr);
    CHECK(f.find("txt_enc.rnn.weight_ih_l0_reverse") != nullptr);
    CHECK(f.find("linear_t2i.weight") != nullptr);
    auto back = load_imram_model(p);
    CHECK(back->config().mode == Mode::ImageIMRAM);
    CHECK(back->config().lambda_softmax == 4.0);
    CHECK(back->config().iteration_step == 2);
    auto a = m.named_parameters(), b = back->named_parameters();
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i) CHECK(testing::diff(*a[i].second, *b[i].second).max_abs == 0);
}

TEST_CASE("checkpoint: official names with the module. prefix load; bad files are reported", "[models][errors]") {
    ImramModel m(small(), 3);
    nn::TensorFile f = nn::state_dict(m, m.config().to_metadata());
    for (auto& entry : f.tensors) entry.first.insert(0, "module.");
    auto back = imram_from_file(f, "official.safetensors");
    CHECK(testing::diff(back->img_enc.fc_local.weight, m.img_enc.fc_local.weight).max_abs == 0);

    nn::TensorFile empty_file;
    CHECK_THROWS_WITH(imram_from_file(empty_file, "x.safetensors"), Contains("x.safetensors") && Contains("txt_enc.embed.weight"));
    nn::TensorFile bad = nn::state_dict(m, m.config().to_metadata());
    bad.metadata.at("iteration_step") = std::string(1, '0');  // (a literal here trips a GCC 12 -Wrestrict false positive)
    CHECK_THROWS_WITH(imram_from_file(bad, "y.safetensors"), Contains("y.safetensors") && Contains("iteration_step"));
    const std::string p = tmp_path("truncated.safetensors");
    save_model(p, m);
    const std::string bytes = read_file(p);
    write_file_atomic(p, std::string_view(bytes).substr(0, bytes.size() / 2));
    CHECK_THROWS_WITH(load_imram_model(p), Contains("truncated.safetensors"));
}

TEST_CASE("checkpoint: metadata sizes that disagree with the tensors are errors, not huge allocations", "[models][errors]") {
    ImramModel m(small(), 3);
    // Found by fuzz_model: the model was built from the metadata before any shape was compared.
    nn::TensorFile huge = nn::state_dict(m, m.config().to_metadata());
    huge.metadata.at("embed_size") = "4611686018427387904";
    CHECK_THROWS_WITH(imram_from_file(huge, "h.safetensors"),
                      Contains("h.safetensors") && Contains("img_enc.fc_local.weight") && Contains("embed_size 4611686018427387904"));
    nn::TensorFile vocab = nn::state_dict(m, m.config().to_metadata());
    vocab.metadata.at("vocab_size") = std::to_string(m.config().vocab_size + 1);
    CHECK_THROWS_WITH(imram_from_file(vocab, "v.safetensors"), Contains("v.safetensors") && Contains("txt_enc.embed.weight") &&
                                                                   Contains("vocab_size " + std::to_string(m.config().vocab_size + 1)));
    nn::TensorFile range = nn::state_dict(m, m.config().to_metadata());
    range.metadata.at("word_dim") = "99999999999999999999";
    CHECK_THROWS_WITH(imram_from_file(range, "r.safetensors"), Contains("r.safetensors") && Contains("'word_dim'") &&
                                                                   Contains("64-bit integer"));
    nn::TensorFile no_fc = nn::state_dict(m, m.config().to_metadata());
    std::erase_if(no_fc.tensors, [](const auto& e) { return e.first == "img_enc.fc_local.weight"; });
    CHECK_THROWS_WITH(imram_from_file(no_fc, "f.safetensors"), Contains("f.safetensors") && Contains("img_enc.fc_local.weight"));
}

namespace {
[[noreturn]] void crash_before_rename(const char*) {
    ::_exit(42);  // no destructors, no flushing: as if the machine lost power here
}
}  // namespace

TEST_CASE("checkpoint: a crash between writing and renaming leaves the previous checkpoint valid", "[models]") {
    const std::string p = tmp_path("crash.safetensors");
    ImramModel old_model(small(), 3), new_model(small(), 4);
    save_model(p, old_model, {{"epoch", "1"}});
    const std::string before = read_file(p);

    // The new checkpoint is written in a child process that dies right before the rename.
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        set_before_rename_hook(crash_before_rename);
        save_model(p, new_model, {{"epoch", "2"}});
        ::_exit(0);  // not reached: the hook exits first
    }
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 42);  // it did die at the injected point

    // The old file is untouched and loads; the complete temporary file of the dead writer is left
    // beside it and ignored.
    CHECK(read_file(p) == before);
    const auto loaded = load_imram_model(p);
    CHECK(nn::load_safetensors(p).metadata.at("epoch") == "1");
    auto a = loaded->named_parameters();
    auto b = old_model.named_parameters();
    for (std::size_t i = 0; i < a.size(); ++i) CHECK(testing::diff(*a[i].second, *b[i].second).max_abs == 0);
    std::vector<std::filesystem::path> leftovers;
    for (const auto& e : std::filesystem::directory_iterator(std::filesystem::path(p).parent_path()))
        if (e.path().filename().string().rfind("crash.safetensors.tmp.", 0) == 0) leftovers.push_back(e.path());
    CHECK(leftovers.size() == 1);
    for (const auto& f : leftovers) std::filesystem::remove(f);  // other tests check the folder has none

    // Without the fault the same save replaces the file.
    save_model(p, new_model, {{"epoch", "2"}});
    CHECK(nn::load_safetensors(p).metadata.at("epoch") == "2");
}
