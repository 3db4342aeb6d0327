// SPDX-License-Identifier: MIT
// `imram search`: rank a split's images for a text, or its captions for an image.

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "api/retriever.h"
#include "cli/common.h"
#include "core/ops.h"
#include "data/demo_data.h"

namespace imram::cli {
namespace fs = std::filesystem;
namespace {

/// An uncertainty in the output: 6 decimals (finite by construction: a mean of exponentials).
std::string fixed6(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6f", v);
    return buf;
}

struct SearchCommand {
    Common sc;
    std::string search_ckpt, search_split = "test", query;
    std::int64_t search_image = -1, top = 5;
    bool search_json = false;
    CLI::App* se = nullptr;

    explicit SearchCommand(CLI::App& app) {
        se = app.add_subcommand("search", "rank a split's images for a text query, or its captions for an image");
        add_common(se, sc);
        se->add_option("--checkpoint", search_ckpt, "model file (.safetensors)")->required();
        se->add_option("--split", search_split, "the gallery split");
        auto* q_opt = se->add_option("--query", query, "text query: rank the split's images");
        auto* i_opt = se->add_option("--image", search_image, "image index in the split: rank its captions");
        q_opt->excludes(i_opt);
        se->add_option("-k,--top", top, "how many results")->check(at_least(1));
        se->add_flag("--json", search_json, "print the results as JSON");
    }

    int run() {
        apply_threads(sc);
        if (query.empty() && search_image < 0) throw Error::usage("search: give --query TEXT or --image INDEX");
        if (!fs::exists(search_ckpt)) throw Error::missing("search: cannot open " + search_ckpt);
        const data::Dataset d = load_split(sc, search_split);
        const Retriever r =
            sc.data_path.empty()
                ? Retriever::load(search_ckpt, data::demo_words(), device_for(sc))
                : Retriever::load(search_ckpt, (fs::path(sc.vocab_path) / (sc.data_name + "_vocab.json")).string(),
                                  device_for(sc));
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
};

}  // namespace

Subcommand add_search(CLI::App& app) {
    auto c = std::make_shared<SearchCommand>(app);
    return {c->se, [c] { return c->run(); }};
}

}  // namespace imram::cli
