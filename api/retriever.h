// SPDX-License-Identifier: MIT
// The inference API for applications: load a trained model with its vocabulary, encode image features
// and caption text, score pairs, and search in both directions. Plain C++ (no Eigen, no CUDA headers).
//
//   auto r = imram::Retriever::load("model_best.safetensors", "vocab/f30k_precomp_vocab.json");
//   auto gallery = r.encode_images(features);                 // (N, 36, 2048) float32
//   for (auto& hit : r.search_images("a dog runs on the beach", gallery, 5)) ...
//
// Guarantees: every method is const and safe to call from several threads at once on one Retriever
// (autograd is off inside, and nothing shared is written). Errors throw imram::Error naming the file,
// the argument and the expected shape. Encoded galleries are plain values: they own their tensors and
// stay valid independently of the Retriever.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace imram {

namespace models {
class RetrievalModel;
}
namespace data {
struct Vocab;
}

class Retriever {
public:
    /// model_path: a model file (safetensors with the hyper-parameters in its metadata, as written by
    /// `imram train` or `imram convert`), or an official IMRAM, SCAN, CAMP or PCME checkpoint (either torch.save
    /// layout), converted in memory; vocab_path: the vocabulary JSON it was trained with.
    static Retriever load(const std::string& model_path, const std::string& vocab_path, Device device = Device::cpu());
    /// The same with the vocabulary given as its word list (index = id; <pad>, <start>, <end>, <unk> first).
    static Retriever load(const std::string& model_path, const std::vector<std::string>& words,
                          Device device = Device::cpu());
    Retriever(Retriever&&) noexcept;
    Retriever& operator=(Retriever&&) noexcept;
    ~Retriever();

    struct Images {
        Tensor regions;  // (N, ...) the model's image encoding; (N, R, D) regions in the imram family
    };
    struct Captions {
        Tensor words;                       // (N, ...) the caption encoding; (N, L, D) words, zero-padded, in the imram family
        std::vector<std::int64_t> lengths;  // (N) tokens per caption, with <start> and <end>
    };
    struct Hit {
        std::int64_t index;  // position in the gallery
        double score;
        // How ambiguous the hit item is, for models that estimate it (PCME: the mean of its sigma over
        // dimensions; larger = more ambiguous); NaN for models without uncertainty.
        double uncertainty = std::numeric_limits<double>::quiet_NaN();
    };

    /// features (N, R, F) float32 -> encoded images. F must be the model's image feature size.
    Images encode_images(const Tensor& features) const;
    /// Raw caption text (tokenized as the model's training data was) -> encoded captions.
    Captions encode_captions(const std::vector<std::string>& texts) const;
    /// (N_img, N_cap) scores with the model's full similarity (IMRAM steps, both directions as configured).
    Tensor score(const Images& images, const Captions& captions) const;
    /// The k best images of `gallery` for a text query, best first.
    std::vector<Hit> search_images(const std::string& query, const Images& gallery, std::int64_t k) const;
    /// The k best captions of `gallery` for one image's features (R, F) or (1, R, F), best first.
    std::vector<Hit> search_captions(const Tensor& image_features, const Captions& gallery, std::int64_t k) const;
    /// The same with the query encoded already (one caption, or one image), e.g. when its
    /// uncertainty(query) is wanted too: the query is then encoded once.
    std::vector<Hit> search_images(const Captions& query, const Images& gallery, std::int64_t k) const;
    std::vector<Hit> search_captions(const Images& query, const Captions& gallery, std::int64_t k) const;

    /// Whether the model estimates per-item uncertainty (PCME); the next four give NaN / undefined if not.
    bool has_uncertainty() const;
    /// Per-item uncertainty (N) of encoded items (PCME: mean sigma over dimensions).
    Tensor uncertainty(const Images& images) const;
    Tensor uncertainty(const Captions& captions) const;
    /// How ambiguous one text query, or one image's features (R, F), is to the model.
    double query_uncertainty(const std::string& query) const;
    double image_uncertainty(const Tensor& image_features) const;

    std::int64_t image_feature_size() const;
    std::string mode() const;

private:
    Retriever();
    std::unique_ptr<models::RetrievalModel> model_;
    std::unique_ptr<data::Vocab> vocab_;
};

}  // namespace imram
