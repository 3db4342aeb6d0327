// SPDX-License-Identifier: MIT
// `imram inspect`: list a model file's tensors and metadata.

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "cli/common.h"
#include "models/imram/official_checkpoint.h"
#include "models/registry.h"

namespace imram::cli {
namespace fs = std::filesystem;
namespace {

struct InspectCommand {
    std::string inspect_file;
    CLI::App* in = nullptr;

    explicit InspectCommand(CLI::App& app) {
        in = app.add_subcommand("inspect",
                                "list a model file's tensors and metadata (or a .pth.tar's tensors and options)");
        in->add_option("file", inspect_file, "a .safetensors file, or an official IMRAM, SCAN, CAMP or PCME checkpoint")
            ->required();
    }

    int run() {
        if (fs::exists(inspect_file) && models::is_torch_checkpoint(inspect_file)) {
            models::OfficialCheckpoint c;
            bool imram_layout = false;
            try {
                c = models::load_official_checkpoint(inspect_file);
                // IMRAM's and SCAN's files carry their run's options ('opt'); a dict with a 'model'
                // state dict and no options is another family's (PCME's save_models).
                imram_layout = !c.options.empty();
            } catch (const Error&) {
            }
            if (!imram_layout) {
                // Not IMRAM's or SCAN's layout: another family's converter (CAMP's list of three state
                // dicts, PCME's dict) may take it; the list is then of the converted tensors, under the
                // engine's names. When none does, the registry's error gives every family's reason.
                const nn::TensorFile f = models::convert_official_checkpoint(inspect_file);
                const auto family = f.metadata.find("family");
                std::printf("%s: official %s checkpoint, converted (the engine's names)\n", inspect_file.c_str(),
                            family == f.metadata.end() ? "?" : family->second.c_str());
                print_tensor_file(f);
                return 0;
            }
            std::printf("%s: %s checkpoint, %s layout\n", inspect_file.c_str(), c.family.c_str(), c.format.c_str());
            print_tensors(c.tensors);
            for (const auto& [k, v] : c.options) std::printf("opt %s = %s\n", k.c_str(), v.text().c_str());
            for (const auto& [k, v] : c.info) std::printf("checkpoint %s = %s\n", k.c_str(), v.text().c_str());
            return 0;
        }
        if (!fs::exists(inspect_file)) throw Error::missing("inspect: cannot open " + inspect_file);
        print_tensor_file(nn::load_safetensors(inspect_file));
        return 0;
    }

    static void print_tensors(const std::vector<std::pair<std::string, Tensor>>& tensors) {
        std::int64_t total = 0;
        for (const auto& [name, t] : tensors) {
            std::ostringstream shape;
            shape << t.shape();
            std::printf("%-48s %-5s %s\n", name.c_str(), dtype_name(t.dtype()), shape.str().c_str());
            total += t.numel();
        }
        std::printf("%zu tensors, %lld values\n", tensors.size(), static_cast<long long>(total));
    }

    static void print_tensor_file(const nn::TensorFile& f) {
        print_tensors(f.tensors);
        for (const auto& [k, v] : f.metadata) std::printf("metadata %s = %s\n", k.c_str(), v.c_str());
    }
};

}  // namespace

Subcommand add_inspect(CLI::App& app) {
    auto c = std::make_shared<InspectCommand>(app);
    return {c->in, [c] { return c->run(); }};
}

}  // namespace imram::cli
