// SPDX-License-Identifier: MIT
// `imram export-demo`: write the built-in demo data as precomp files.

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "base/file_io.h"
#include "cli/common.h"
#include "data/demo_data.h"
#include "data/vocab.h"
#include "io/npy.h"

namespace imram::cli {
namespace fs = std::filesystem;
namespace {

/// Writes the demo data in the precomp layout: {out}/demo_precomp/{split}_ims.npy, {split}_caps.txt,
/// and {out}/vocab/demo_precomp_vocab.json, so the real-data path can be tried without a download.
void export_demo(const std::string& out) {
    const fs::path dir = fs::path(out) / "demo_precomp", vdir = fs::path(out) / "vocab";
    fs::create_directories(dir);
    fs::create_directories(vdir);
    for (const char* split : {"train", "dev", "test"}) {
        const data::Dataset d = data::demo_split(split);
        io::save_npy((dir / (std::string(split) + "_ims.npy")).string(), d.images);
        std::string caps;
        for (const auto& t : d.texts) caps += t + "\n";
        write_file_atomic((dir / (std::string(split) + "_caps.txt")).string(), caps);
        // Each image's objects as class ids, for PMRP (docs/pmrp.md).
        std::string labels;
        for (const auto& set : d.labels.sets) {
            for (std::size_t k = 0; k < set.size(); ++k) {
                if (k) labels += ' ';
                labels += std::to_string(set[k]);
            }
            labels += "\n";
        }
        write_file_atomic((dir / (std::string(split) + "_labels.txt")).string(), labels);
    }
    data::Vocab v;
    for (const auto& w : data::demo_words()) v.add(w);
    data::save_vocab((vdir / "demo_precomp_vocab.json").string(), v);
}

struct ExportDemoCommand {
    std::string export_dir;
    CLI::App* ex = nullptr;

    explicit ExportDemoCommand(CLI::App& app) {
        ex = app.add_subcommand("export-demo", "write the built-in demo data in the precomp layout");
        ex->add_option("out", export_dir, "output folder (gets demo_precomp/ and vocab/)")->required();
    }

    int run() {
        export_demo(export_dir);
        std::printf("wrote %s/demo_precomp and %s/vocab/demo_precomp_vocab.json\n", export_dir.c_str(),
                    export_dir.c_str());
        return 0;
    }
};

}  // namespace

Subcommand add_export_demo(CLI::App& app) {
    auto c = std::make_shared<ExportDemoCommand>(app);
    return {c->ex, [c] { return c->run(); }};
}

}  // namespace imram::cli
