// SPDX-License-Identifier: MIT
// `imram search`: rank a split's images for a text, or its captions for an image; exhaustively with
// one model, or in two stages: a first-stage index (`imram index build`) proposes candidates and a
// cross-attention model re-ranks them (--index, --rerank, --candidates).

#include <cstdint>
#include <cstdio>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "api/retriever.h"
#include "cli/common.h"
#include "cli/gallery.h"
#include "core/ops.h"

namespace imram::cli {
namespace {

/// An uncertainty in the output: 6 decimals (finite by construction: a mean of exponentials).
std::string fixed6(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6f", v);
    return buf;
}

struct SearchCommand {
    Common sc;
    std::string search_ckpt, search_split = "test", query, index_file, rerank_ckpt, gallery_file, precision = "fp32";
    std::int64_t search_image = -1, top = 5, candidates = 100;
    bool search_json = false;
    CLI::App* se = nullptr;

    explicit SearchCommand(CLI::App& app) {
        se = app.add_subcommand("search", "rank a split's images for a text query, or its captions for an image");
        add_common(se, sc);
        add_precision(se, precision);
        se->add_option("--checkpoint", search_ckpt,
                       "model file (.safetensors); with --index the first-stage model (default: the one the index "
                       "was built with)");
        se->add_option("--split", search_split, "the gallery split");
        auto* ix = se->add_option("--index", index_file, "two-stage search: a first-stage index (imram index build)");
        se->add_option("--rerank", rerank_ckpt, "re-rank the index's candidates with this model (e.g. full IMRAM)")
            ->needs(ix);
        se->add_option("--candidates", candidates, "candidates the index proposes for re-ranking (default 100)")
            ->check(at_least(1))
            ->needs(ix);
        se->add_option("--gallery", gallery_file, "with --index: the gallery file the index was built over, instead "
                                                  "of a split (.npy image features, or captions one per line)")
            ->needs(ix);
        auto* q_opt = se->add_option("--query", query, "text query: rank the split's images");
        auto* i_opt = se->add_option("--image", search_image, "image index in the split: rank its captions");
        q_opt->excludes(i_opt);
        se->add_option("-k,--top", top, "how many results")->check(at_least(1));
        se->add_flag("--json", search_json, "print the results as JSON");
    }

    int run() {
        apply_threads(sc);
        apply_precision(precision, sc, "imram search");
        if (query.empty() && search_image < 0) throw Error::usage("search: give --query TEXT or --image INDEX");
        if (!index_file.empty()) return run_two_stage();
        if (search_ckpt.empty()) throw Error::usage("search: give --checkpoint MODEL (or --index INDEX)");
        const data::Dataset d = load_split(sc, search_split);
        const Retriever r = load_retriever(sc, search_ckpt, "search");
        // The query encoded once: its hits, and how ambiguous it is for models that estimate it (PCME;
        // NaN otherwise).
        std::vector<Retriever::Hit> hits;
        Tensor query_uncertainty;
        if (!query.empty()) {
            const Retriever::Captions q = r.encode_captions({query});
            hits = r.search_images(q, r.encode_images(d.images), top);
            query_uncertainty = r.uncertainty(q);
        } else {
            IMRAM_CHECK_KIND(search_image < d.images.size(0), Usage, "search: --image ", search_image,
                             " out of range: ", d.name, " has ", d.images.size(0), " images");
            const Retriever::Images q = r.encode_images(slice(d.images, 0, search_image, search_image + 1));
            hits = r.search_captions(q, r.encode_captions(d.texts), top);
            query_uncertainty = r.uncertainty(q);
        }
        const double query_u = query_uncertainty.defined() ? query_uncertainty.to_vector<double>()[0]
                                                           : std::numeric_limits<double>::quiet_NaN();
        if (search_json) std::printf("[");
        else if (r.has_uncertainty()) std::printf("query uncertainty %.4f (mean sigma)\n", query_u);
        for (std::size_t i = 0; i < hits.size(); ++i) {
            const auto& h = hits[i];
            // For an image hit show its first caption; for a caption hit, the caption and its image.
            const std::string text = !query.empty() ? d.texts[h.index * d.im_div] : d.texts[h.index];
            const std::int64_t img = !query.empty() ? h.index : d.image_of(h.index);
            const std::string u = !r.has_uncertainty() ? ""
                                  : search_json
                                      ? ", \"uncertainty\": " + fixed6(h.uncertainty) +
                                            ", \"query_uncertainty\": " + fixed6(query_u)
                                      : "  uncertainty " + fixed6(h.uncertainty);
            if (search_json)
                std::printf("%s{\"rank\": %zu, \"index\": %lld, \"image\": %lld, \"score\": %.6f%s, \"text\": %s}",
                            i ? ", " : "", i + 1, static_cast<long long>(h.index), static_cast<long long>(img), h.score,
                            u.c_str(), json_string(text).c_str());
            else
                std::printf("%2zu. %s %lld  score %.4f%s  %s\n", i + 1, !query.empty() ? "image" : "caption",
                            static_cast<long long>(h.index), h.score, u.c_str(), text.c_str());
        }
        if (search_json) std::printf("]\n");
        return 0;
    }

    /// --index: the index's candidates for the query, re-ranked with --rerank when given.
    int run_two_stage() {
        const Retriever::GalleryIndex index = Retriever::load_index(index_file);
        const std::string side = !query.empty() ? "images" : "captions";
        IMRAM_CHECK_KIND(index.info.side == side, Usage, "search: ", index_file, " indexes ", index.info.side, "; ",
                         !query.empty() ? "--query ranks images" : "--image ranks captions",
                         ": build an index of ", side, " (imram index build --side ", side, ")");
        const std::string first_path = search_ckpt.empty() ? index.info.model_path : search_ckpt;
        const Retriever first = load_retriever(sc, first_path, "search: first-stage model");
        std::unique_ptr<Retriever> reranker;
        if (!rerank_ckpt.empty())
            reranker = std::make_unique<Retriever>(load_retriever(sc, rerank_ckpt, "search: --rerank"));
        const Gallery g = load_gallery(sc, side, search_split, gallery_file);
        std::vector<Retriever::Hit> hits;
        if (!query.empty()) {
            hits = first.search_images(query, index, g.features, top, reranker.get(), candidates);
        } else {
            // The query image: from the split's images (or, with --gallery, from the split as well:
            // the gallery then holds captions only).
            const data::Dataset d = g.from_split ? g.split : load_split(sc, search_split);
            IMRAM_CHECK_KIND(search_image < d.images.size(0), Usage, "search: --image ", search_image,
                             " out of range: ", d.name, " has ", d.images.size(0), " images");
            hits = first.search_captions(slice(d.images, 0, search_image, search_image + 1), index, g.texts, top,
                                         reranker.get(), candidates);
        }
        const bool reranked = reranker != nullptr;
        if (search_json) std::printf("[");
        for (std::size_t i = 0; i < hits.size(); ++i) {
            const auto& h = hits[i];
            // What to show of a hit: a caption's text, or an image's first caption when the split is known.
            std::string text;
            if (side == "captions") text = g.texts[static_cast<std::size_t>(h.index)];
            else if (g.from_split) text = g.split.texts[static_cast<std::size_t>(h.index * g.split.im_div)];
            std::string extra;
            if (reranked) {
                extra += search_json ? ", \"first_stage_score\": " : "  first stage ";
                extra += fixed6(h.first_stage_score);
            }
            if (search_json)
                std::printf("%s{\"rank\": %zu, \"index\": %lld, \"score\": %.6f%s, \"text\": %s}", i ? ", " : "",
                            i + 1, static_cast<long long>(h.index), h.score, extra.c_str(), json_string(text).c_str());
            else
                std::printf("%2zu. %s %lld  score %.4f%s  %s\n", i + 1, side == "images" ? "image" : "caption",
                            static_cast<long long>(h.index), h.score, extra.c_str(), text.c_str());
        }
        if (search_json) std::printf("]\n");
        return 0;
    }
};

}  // namespace

Subcommand add_search(CLI::App& app) {
    auto c = std::make_shared<SearchCommand>(app);
    return {c->se, [c] { return c->run(); }};
}

}  // namespace imram::cli
