// SPDX-License-Identifier: MIT
// search_latency: the time of one query in two-stage search (docs/embedding.md) against the gallery
// size, at the official sizes (item vectors E = D = 1024; full IMRAM K 3 re-ranking from features
// R 36, F 2048), on random data, one query at a time as an application asks:
//   * the first stage: encoding the text query with the dual encoder (VSE++), and searching each
//     index kind over G random unit vectors (G from --sizes), with its build time and, for the
//     approximate kinds, recall@k against the exact kind (random vectors have no structure: a worst
//     case for HNSW and IVF);
//   * re-ranking: encoding the query with the reranker, encoding the N candidates' features
//     (gathered from the gallery's memory-mapped features in an application) and scoring them;
//   * exhaustive search with the reranker: G x the measured time per pair with the gallery's
//     encodings precomputed (extrapolated from --pairs pairs; storing them is 147 KB per image).
// Not a test: the figures depend on the machine and on what else runs on it.
//
//   search_latency [--sizes 1000,10000,100000,1000000] [--kinds flat,hnsw,ivf] [--hnsw_max 10000] [--ivf_max 100000]
//                  [--dim 1024] [--queries 20] [--k 10] [--candidates 100] [--pairs 64] [--rerank full_IMRAM]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "core/autograd.h"
#include "core/ops.h"
#include "core/rng.h"
#include "models/registry.h"
#include "search/vector_index.h"

using namespace imram;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

std::vector<std::string> split_list(const std::string& s) {
    std::vector<std::string> out;
    std::stringstream ss(s);
    for (std::string item; std::getline(ss, item, ',');)
        if (!item.empty()) out.push_back(item);
    return out;
}

/// n random unit vectors (n, e), generated in blocks (a 10^6 x 1024 gallery is 4 GB).
Tensor unit_vectors(std::int64_t n, std::int64_t e, std::uint64_t seed) {
    std::vector<Tensor> blocks;
    for (std::int64_t b = 0; b < n; b += 65536) {
        const std::int64_t m = std::min<std::int64_t>(65536, n - b);
        blocks.push_back(l2norm(rand({m, e}, seed, static_cast<std::uint64_t>(b * e), -1.0, 1.0)));
    }
    return blocks.size() == 1 ? blocks[0] : cat(blocks, 0);
}

/// One random caption of `len` tokens (with <start> and <end>) as ids (1, len).
Tensor caption_ids(std::int64_t len, std::int64_t vocab, std::uint64_t seed) {
    Philox rng(seed);
    std::vector<std::int64_t> ids(static_cast<std::size_t>(len));
    ids.front() = 1, ids.back() = 2;
    for (std::int64_t t = 1; t + 1 < len; ++t) ids[t] = 4 + static_cast<std::int64_t>(rng.below(vocab - 4));
    return from_vector(ids, {1, len});
}

}  // namespace

int main(int argc, char** argv) {
    std::string sizes = "1000,10000,100000,1000000", kinds = "flat,hnsw,ivf", rerank = "full_IMRAM";
    // The approximate kinds are built only up to these sizes: Debian's FAISS 1.7.3 builds an HNSW
    // graph of 10^4 random 1024-d vectors in minutes on 2 cores, and trains IVF's k-means on all items.
    std::int64_t hnsw_max = 10000, ivf_max = 100000, dim = 1024, queries = 20, k = 10, candidates = 100, pairs = 64;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string key = argv[i], v = argv[i + 1];
        if (key == "--sizes") sizes = v;
        else if (key == "--kinds") kinds = v;
        else if (key == "--hnsw_max") hnsw_max = std::atoll(v.c_str());
        else if (key == "--ivf_max") ivf_max = std::atoll(v.c_str());
        else if (key == "--dim") dim = std::atoll(v.c_str());
        else if (key == "--queries") queries = std::atoll(v.c_str());
        else if (key == "--k") k = std::atoll(v.c_str());
        else if (key == "--candidates") candidates = std::atoll(v.c_str());
        else if (key == "--pairs") pairs = std::atoll(v.c_str());
        else if (key == "--rerank") rerank = v;
        else {
            std::fprintf(stderr, "search_latency: unknown option %s\n", key.c_str());
            return 64;
        }
    }
    const std::int64_t vocab = 8481, L = 12;  // Flickr30K's vocabulary; a 10-word query
    const NoGradGuard no_grad;
    const char* core = std::getenv("OPENBLAS_CORETYPE");
    std::printf("search_latency: item vectors E %lld, %lld queries one at a time, k %lld, %lld candidates; "
                "OPENBLAS_CORETYPE=%s; FAISS %s\n",
                static_cast<long long>(dim), static_cast<long long>(queries), static_cast<long long>(k),
                static_cast<long long>(candidates), core ? core : "(unset)", search::have_faiss() ? "on" : "off");

    // The query side: the dual encoder's text encoder (VSE++ at the official sizes).
    const auto vse = models::create_model({{"model_mode", "vse"}, {"vocab_size", std::to_string(vocab)},
                                           {"img_dim", "2048"}, {"embed_size", std::to_string(dim)}},
                                          1);
    std::vector<double> t_query;
    for (std::int64_t q = 0; q < std::max<std::int64_t>(queries, 3); ++q) {
        const Tensor ids = caption_ids(L, vocab, 100 + static_cast<std::uint64_t>(q));
        const auto t0 = Clock::now();
        const Tensor enc = vse->encode_captions(ids, {L});
        (void)vse->caption_vectors(enc, {L});
        t_query.push_back(seconds_since(t0));
    }
    std::printf("first-stage query encoding (VSE++ GRU, %lld tokens): %.2f ms\n", static_cast<long long>(L),
                median(t_query) * 1e3);

    // Re-ranking N candidates and the exhaustive per-pair cost with the cross-attention model.
    models::Options ro = {{"model_mode", rerank}, {"vocab_size", std::to_string(vocab)}, {"img_dim", "2048"},
                          {"embed_size", "1024"}};
    if (models::family_of_mode(rerank).name == "imram") ro.emplace("iteration_step", "3");
    const auto cross = models::create_model(ro, 2);
    std::vector<double> t_rerank;
    for (int rep = 0; rep < 3; ++rep) {
        const Tensor feats = rand({candidates, 36, 2048}, 7, static_cast<std::uint64_t>(rep), 0.0, 1.0);
        const Tensor ids = caption_ids(L, vocab, 200 + static_cast<std::uint64_t>(rep));
        const auto t0 = Clock::now();
        const models::Encoded e = cross->encode(feats, ids, {L});
        (void)cross->score_all(e);
        t_rerank.push_back(seconds_since(t0));
    }
    const Tensor gallery_feats = rand({pairs, 36, 2048}, 8, 0, 0.0, 1.0);
    models::Encoded pre = cross->encode(gallery_feats, caption_ids(L, vocab, 300), {L});
    std::vector<double> t_pairs;
    for (int rep = 0; rep < 3; ++rep) {
        const auto t0 = Clock::now();
        (void)cross->score_all(pre);
        t_pairs.push_back(seconds_since(t0));
    }
    const double per_pair = median(t_pairs) / static_cast<double>(pairs);
    std::printf("re-ranking %lld candidates with %s (encode query + candidates' features, score): %.1f ms; "
                "exhaustive scoring: %.3f ms per pair (gallery encodings precomputed)\n",
                static_cast<long long>(candidates), cross->describe().c_str(), median(t_rerank) * 1e3, per_pair * 1e3);
    const double fixed = median(t_query) + median(t_rerank);

    std::printf("\n| gallery | index | build s | first stage ms/query | recall@%lld vs flat | two-stage ms/query | "
                "exhaustive s/query |\n|---|---|---|---|---|---|---|\n",
                static_cast<long long>(k));
    for (const std::string& size_text : split_list(sizes)) {
        const std::int64_t g = std::atoll(size_text.c_str());
        const Tensor gallery = unit_vectors(g, dim, 42);
        const Tensor qs = unit_vectors(queries, dim, 43);
        std::vector<std::vector<search::Neighbor>> exact;
        for (const std::string& kind_text : split_list(kinds)) {
            const search::IndexKind kind = search::parse_kind(kind_text);
            if ((kind == search::IndexKind::HNSW && g > hnsw_max) || (kind == search::IndexKind::IVF && g > ivf_max))
                continue;
            search::IndexOptions o;
            o.kind = kind;
            const auto tb = Clock::now();
            const search::VectorIndex index = search::VectorIndex::build(gallery, o);
            const double t_build = seconds_since(tb);
            std::vector<double> t_search;
            double found = 0;
            for (std::int64_t q = 0; q < queries; ++q) {
                const Tensor one = slice(qs, 0, q, q + 1).contiguous();
                const auto t0 = Clock::now();
                const auto hits = index.search(one, std::max(k, candidates));
                t_search.push_back(seconds_since(t0));
                if (kind == search::IndexKind::Flat) {
                    exact.push_back(hits[0]);
                } else if (static_cast<std::int64_t>(exact.size()) == queries) {
                    for (std::int64_t a = 0; a < k; ++a)
                        for (std::int64_t b = 0; b < k; ++b) found += hits[0][a].item == exact[q][b].item;
                }
            }
            const std::string recall =
                kind == search::IndexKind::Flat ? "1 (exact)"
                : static_cast<std::int64_t>(exact.size()) == queries
                    ? std::to_string(found / static_cast<double>(k * queries)).substr(0, 5)
                    : "-";
            std::printf("| %lld | %s | %.2f | %.2f | %s | %.1f | %.1f |\n", static_cast<long long>(g),
                        search::kind_name(kind), t_build, median(t_search) * 1e3, recall.c_str(),
                        (fixed + median(t_search)) * 1e3, per_pair * static_cast<double>(g));
            std::fflush(stdout);
        }
    }
    return 0;
}
