// SPDX-License-Identifier: MIT
// Loads a trained model and its vocabulary, encodes a precomp split, and searches both ways.
//   imram_consumer MODEL.safetensors VOCAB.json DATA_DIR/{split}_ims.npy DATA_DIR/{split}_caps.txt
#include <cstdio>

#include "api/retriever.h"
#include "core/ops.h"
#include "data/captions.h"
#include "io/npy.h"

int main(int argc, char** argv) {
    if (argc != 5) {
        std::fprintf(stderr, "usage: %s MODEL.safetensors VOCAB.json IMAGES.npy CAPTIONS.txt\n", argv[0]);
        return 64;
    }
    try {
        const auto r = imram::Retriever::load(argv[1], argv[2]);
        const imram::Tensor features = imram::io::load_npy(argv[3]);
        const std::vector<std::string> captions = imram::data::read_captions(argv[4]);
        const auto images = r.encode_images(features);
        const auto caps = r.encode_captions(captions);
        std::printf("model %s, %lld images, %zu captions\n", r.mode().c_str(),
                    static_cast<long long>(features.size(0)), captions.size());
        std::printf("query: %s\n", captions[0].c_str());
        for (const auto& h : r.search_images(captions[0], images, 3))
            std::printf("  image %lld  score %.4f\n", static_cast<long long>(h.index), h.score);
        const imram::Tensor first = imram::contiguous(imram::squeeze(imram::slice(features, 0, 0, 1), 0));
        std::printf("image 0:\n");
        for (const auto& h : r.search_captions(first, caps, 3))
            std::printf("  caption %lld  score %.4f  %s\n", static_cast<long long>(h.index), h.score,
                        captions[h.index].c_str());
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "imram_consumer: %s\n", e.what());
        return 1;
    }
}
