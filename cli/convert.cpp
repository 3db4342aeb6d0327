// SPDX-License-Identifier: MIT
// `imram convert`: convert an official IMRAM or SCAN checkpoint.

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "cli/common.h"
#include "models/imram/checkpoint.h"
#include "models/imram/official_checkpoint.h"

namespace imram::cli {
namespace fs = std::filesystem;
namespace {

struct ConvertCommand {
    std::string convert_in, convert_out;
    CLI::App* cv = nullptr;

    explicit ConvertCommand(CLI::App& app) {
        cv = app.add_subcommand("convert", "convert an official IMRAM or SCAN .pth.tar checkpoint to a model file");
        cv->add_option("checkpoint", convert_in, "the .pth.tar (zip or legacy torch.save layout)")->required();
        cv->add_option("out", convert_out, "the .safetensors to write")->required();
    }

    int run() {
        if (!fs::exists(convert_in)) throw Error::missing("convert: cannot open " + convert_in);
        if (same_file(convert_in, convert_out))
            throw Error::usage("convert: the output " + convert_out + " is the input checkpoint; choose another name");
        const pth::OfficialCheckpoint c = pth::load_official_checkpoint(convert_in);
        const nn::TensorFile f = pth::to_model_file(c);
        const auto model = models::model_from_tensors(f, convert_in);  // loads, or says why not, before writing
        nn::save_safetensors(convert_out, f);
        const models::ModelConfig& cfg = model->config();
        std::printf(
            "wrote %s: %zu tensors (%s checkpoint, %s layout); %s, K %lld, lambda_softmax %g, embed_size %lld\n",
            convert_out.c_str(), f.tensors.size(), c.family.c_str(), c.format.c_str(), models::mode_name(cfg.mode),
            static_cast<long long>(cfg.steps()), cfg.lambda_softmax, static_cast<long long>(cfg.embed_size));
        return 0;
    }
};

}  // namespace

Subcommand add_convert(CLI::App& app) {
    auto c = std::make_shared<ConvertCommand>(app);
    return {c->cv, [c] { return c->run(); }};
}

}  // namespace imram::cli
