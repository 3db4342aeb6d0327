// SPDX-License-Identifier: MIT
// `imram convert`: convert an official IMRAM, SCAN or CAMP checkpoint.

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "cli/common.h"
#include "models/registry.h"

namespace imram::cli {
namespace fs = std::filesystem;
namespace {

struct ConvertCommand {
    std::string convert_in, convert_out;
    CLI::App* cv = nullptr;

    explicit ConvertCommand(CLI::App& app) {
        cv = app.add_subcommand("convert", "convert an official IMRAM, SCAN or CAMP .pth.tar checkpoint to a model file");
        cv->add_option("checkpoint", convert_in, "the .pth.tar (zip or legacy torch.save layout)")->required();
        cv->add_option("out", convert_out, "the .safetensors to write")->required();
    }

    int run() {
        if (!fs::exists(convert_in)) throw Error::missing("convert: cannot open " + convert_in);
        if (same_file(convert_in, convert_out))
            throw Error::usage("convert: the output " + convert_out + " is the input checkpoint; choose another name");
        // The family whose official checkpoint it is converts it (models/registry.h).
        const nn::TensorFile f = models::convert_official_checkpoint(convert_in);
        const auto model = models::model_from_file(f, convert_in);  // loads, or says why not, before writing
        nn::save_safetensors(convert_out, f);
        const auto from = f.metadata.find("converted_format");
        std::printf("wrote %s: %zu tensors (%s); %s\n", convert_out.c_str(), f.tensors.size(),
                    from == f.metadata.end() ? "official checkpoint" : from->second.c_str(), model->describe().c_str());
        return 0;
    }
};

}  // namespace

Subcommand add_convert(CLI::App& app) {
    auto c = std::make_shared<ConvertCommand>(app);
    return {c->cv, [c] { return c->run(); }};
}

}  // namespace imram::cli
