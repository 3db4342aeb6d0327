// SPDX-License-Identifier: MIT
// `imram index build`: a first-stage index over a gallery with a dual encoder (VSE++, PCME), for
// two-stage search (`imram search --index`); `imram index info`: what an index file holds.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "cli/common.h"
#include "cli/gallery.h"
#include "search/index_file.h"

namespace imram::cli {
namespace {

struct IndexCommand {
    Common ic;
    std::string checkpoint, split = "test", gallery_file, side = "images", kind = "flat", out, info_file,
        precision = "fp32";
    search::IndexOptions opt;
    bool info_json = false;
    CLI::App* ix = nullptr;
    CLI::App* build = nullptr;
    CLI::App* info = nullptr;

    explicit IndexCommand(CLI::App& app) {
        ix = app.add_subcommand("index", "first-stage indexes for two-stage search (docs/embedding.md)");
        ix->require_subcommand(1);
        build = ix->add_subcommand("build", "index a gallery's images or captions with a dual encoder (vse, pcme)");
        add_common(build, ic);
        add_precision(build, precision);
        build->add_option("--checkpoint", checkpoint, "the first-stage model file (mode vse, or the pcme family)")
            ->required();
        build->add_option("--split", split, "the gallery split (default test)");
        build->add_option("--gallery", gallery_file,
                          "a gallery file instead of a split: image features (N, R, F) .npy, or captions (one per line)");
        build->add_option("--side", side, "what to index: images (default) or captions")
            ->check(CLI::IsMember({"images", "captions"}));
        build->add_option("--kind", kind, "flat (exact, default), hnsw or ivf (approximate; need FAISS)")
            ->check(CLI::IsMember({"flat", "hnsw", "ivf"}));
        build->add_option("--hnsw_m", opt.hnsw_m, "hnsw: neighbours per node (default 32)")->check(at_least(2));
        build->add_option("--hnsw_ef_construction", opt.hnsw_ef_construction, "hnsw: build-time list (default 200)")
            ->check(at_least(1));
        build->add_option("--hnsw_ef_search", opt.hnsw_ef_search, "hnsw: search-time list (default 128)")
            ->check(at_least(1));
        build->add_option("--ivf_lists", opt.ivf_lists, "ivf: k-means lists (default 0: about 4 sqrt(N))")
            ->check(at_least(0));
        build->add_option("--ivf_probe", opt.ivf_probe, "ivf: lists searched per query (default 16)")
            ->check(at_least(1));
        build->add_option("--out", out, "the index file to write (atomically)")->required();
        info = ix->add_subcommand("info", "what an index file holds (model, gallery, kind, sizes)");
        info->add_option("file", info_file, "the index file")->required();
        info->add_flag("--json", info_json, "print it as JSON");
    }

    int run_build() {
        apply_threads(ic);
        apply_precision(precision, ic, "imram index build");
        opt.kind = search::parse_kind(kind);
        // The model's absolute path goes into the index: `imram search --index` finds it from anywhere.
        const Retriever first = load_retriever(ic, std::filesystem::absolute(checkpoint).lexically_normal().string(),
                                               "index build: --checkpoint");
        IMRAM_CHECK_KIND(first.has_item_vectors(), Usage, "index build: ", checkpoint, " (", first.mode(),
                         ") is not a dual encoder: build the index with a vse or pcme model and re-rank with this one "
                         "(imram search --rerank)");
        const Gallery g = load_gallery(ic, side, split, gallery_file);
        const auto progress = progress_printer("imram index build", side);
        const Retriever::GalleryIndex index = side == "images"
                                                  ? first.index_images(g.features, opt, g.source, progress)
                                                  : first.index_captions(g.texts, opt, g.source, progress);
        Retriever::save_index(out, index);
        std::printf("wrote %s: %s index of %lld %s from %s, dimension %lld, model %s (%s)\n", out.c_str(),
                    search::kind_name(opt.kind), static_cast<long long>(index.index.size()), side.c_str(),
                    g.source.c_str(), static_cast<long long>(index.index.dim()), checkpoint.c_str(),
                    first.mode().c_str());
        return 0;
    }

    int run_info() const {
        const search::IndexFile f = search::load_index(info_file);
        const search::IndexInfo& i = f.info;
        const search::IndexOptions& o = f.index.options();
        if (info_json) {
            std::printf("{\"file\": %s, \"kind\": \"%s\", \"side\": \"%s\", \"items\": %lld, \"dim\": %lld, "
                        "\"model\": {\"path\": %s, \"family\": %s, \"mode\": %s, \"fingerprint\": \"%s\"}, "
                        "\"gallery\": {\"path\": %s, \"items\": %lld, \"fingerprint\": \"%s\"}}\n",
                        json_string(info_file).c_str(), search::kind_name(f.index.kind()), i.side.c_str(),
                        static_cast<long long>(f.index.size()), static_cast<long long>(f.index.dim()),
                        json_string(i.model_path).c_str(), json_string(i.model_family).c_str(),
                        json_string(i.model_mode).c_str(), i.model_fingerprint.c_str(),
                        json_string(i.gallery_path).c_str(), static_cast<long long>(i.gallery_items),
                        i.gallery_fingerprint.c_str());
            return 0;
        }
        std::printf("%s: %s index of %lld %s, dimension %lld\n", info_file.c_str(), search::kind_name(f.index.kind()),
                    static_cast<long long>(f.index.size()), i.side.c_str(), static_cast<long long>(f.index.dim()));
        std::printf("  model    %s (%s %s, fingerprint %s)\n", i.model_path.c_str(), i.model_family.c_str(),
                    i.model_mode.c_str(), i.model_fingerprint.c_str());
        std::printf("  gallery  %s (%lld items, fingerprint %s)\n", i.gallery_path.c_str(),
                    static_cast<long long>(i.gallery_items), i.gallery_fingerprint.c_str());
        if (f.index.kind() == search::IndexKind::HNSW)
            std::printf("  hnsw     M %lld, ef_construction %lld, ef_search %lld\n", static_cast<long long>(o.hnsw_m),
                        static_cast<long long>(o.hnsw_ef_construction), static_cast<long long>(o.hnsw_ef_search));
        if (f.index.kind() == search::IndexKind::IVF)
            std::printf("  ivf      %lld lists, %lld probed\n", static_cast<long long>(o.ivf_lists),
                        static_cast<long long>(o.ivf_probe));
        return 0;
    }

    int run() { return build->parsed() ? run_build() : run_info(); }
};

}  // namespace

Subcommand add_index(CLI::App& app) {
    auto c = std::make_shared<IndexCommand>(app);
    return {c->ix, [c] { return c->run(); }};
}

}  // namespace imram::cli
