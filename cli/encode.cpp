// SPDX-License-Identifier: MIT
// `imram encode`: write a split's embeddings as .npy.
#include "eval/encode.h"

#include <cstdio>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>

#include "cli/common.h"
#include "dist/communicator.h"

namespace imram::cli {
namespace fs = std::filesystem;
namespace {

struct EncodeCommand {
    Common nc;
    std::string encode_ckpt, encode_split_name = "test", encode_out, precision = "fp32";
    CLI::App* en = nullptr;

    explicit EncodeCommand(CLI::App& app) {
        en = app.add_subcommand("encode", "write a split's image and caption embeddings (.npy) with a model");
        add_common(en, nc);
        add_precision(en, precision);
        en->add_option("--checkpoint", encode_ckpt, "model file (.safetensors)")->required();
        en->add_option("--split", encode_split_name, "dev, test or testall");
        en->add_option("--out", encode_out, "output folder (gets img_emb.npy, cap_emb.npy, cap_lens.npy)")->required();
    }

    int run() {
        // What the official evaluation's encode step produces: image regions (N, R, D), caption
        // words (M, L_max, D) zero-padded, and the caption lengths (M) with <start> and <end>.
        apply_threads(nc);
        apply_precision(precision, nc, "imram encode");
        if (!fs::exists(encode_ckpt)) throw Error::missing("encode: --checkpoint: cannot open " + encode_ckpt);
        const auto model = load_any_model(encode_ckpt, device_for(nc));
        const data::Dataset d = load_split(nc, encode_split_name);
        check_data_fits(*model, d, encode_ckpt);
        // Under mpirun each process encodes a block of the items; the first writes and reports.
        const bool lead = dist::world().rank() == 0;
        const eval::EncodeSummary e = eval::write_embeddings(*model, d, encode_out, 128,
                                                             lead ? progress_printer("imram encode", "items") : nullptr);
        if (!lead) return 0;
        std::ostringstream si, sc;
        si << e.images;
        sc << e.captions;
        std::printf("%s on %s: wrote %s/img_emb.npy %s, cap_emb.npy %s, cap_lens.npy (%lld)\n", encode_ckpt.c_str(),
                    d.name.c_str(), encode_out.c_str(), si.str().c_str(), sc.str().c_str(),
                    static_cast<long long>(e.captions[0]));
        if (e.uncertainty)
            std::printf("and img_uncertainty.npy (%lld), cap_uncertainty.npy (%lld): each item's mean sigma\n",
                        static_cast<long long>(e.images[0]), static_cast<long long>(e.captions[0]));
        return 0;
    }
};

}  // namespace

Subcommand add_encode(CLI::App& app) {
    auto c = std::make_shared<EncodeCommand>(app);
    return {c->en, [c] { return c->run(); }};
}

}  // namespace imram::cli
