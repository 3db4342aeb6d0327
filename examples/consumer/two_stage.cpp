// SPDX-License-Identifier: MIT
// Two-stage search over a gallery: a dual encoder (VSE++ or PCME) indexes it once, its index
// proposes candidates, a cross-attention model (IMRAM, SCAN, CAMP) re-ranks them.
//   imram_two_stage FIRST_STAGE.safetensors RERANKER.safetensors VOCAB.json IMAGES.npy CAPTIONS.txt INDEX_FILE
#include <cstdio>
#include <filesystem>

#include "api/retriever.h"
#include "data/captions.h"
#include "io/npy.h"

int main(int argc, char** argv) {
    if (argc != 7) {
        std::fprintf(stderr, "usage: %s FIRST_STAGE RERANKER VOCAB.json IMAGES.npy CAPTIONS.txt INDEX_FILE\n", argv[0]);
        return 64;
    }
    try {
        const auto first = imram::Retriever::load(argv[1], argv[3]);     // e.g. a VSE++ model
        const auto reranker = imram::Retriever::load(argv[2], argv[3]);  // e.g. full IMRAM
        const imram::Tensor gallery = imram::io::load_npy(argv[4]);      // (N, R, F), memory-mapped
        const std::string index_file = argv[6];
        // Index the gallery once (flat: exact; {.kind = imram::search::IndexKind::HNSW} for an
        // approximate graph index in a build with FAISS) and keep it; later runs load it, and a
        // stale index (another model or gallery) is refused when searched.
        if (!std::filesystem::exists(index_file)) {
            imram::search::IndexOptions options;
            options.kind = imram::search::IndexKind::Flat;
            imram::Retriever::save_index(index_file, first.index_images(gallery, options, argv[4]));
        }
        const auto index = imram::Retriever::load_index(index_file);
        const std::string query = imram::data::read_captions(argv[5])[0];
        std::printf("query: %s\n", query.c_str());
        // The index proposes 20 candidates; the reranker's full score orders them.
        for (const auto& hit : first.search_images(query, index, gallery, 3, &reranker, 20))
            std::printf("  image %lld  score %.4f  (first stage %.4f)\n", static_cast<long long>(hit.index), hit.score,
                        hit.first_stage_score);
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "imram_two_stage: %s\n", e.what());
        return 1;
    }
}
