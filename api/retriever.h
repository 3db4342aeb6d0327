// SPDX-License-Identifier: MIT
// The inference API for applications: load a trained model with its vocabulary, encode image features
// and caption text, score pairs, and search in both directions. Plain C++ (no Eigen, no CUDA headers).
//
//   auto r = imram::Retriever::load("model_best.safetensors", "vocab/f30k_precomp_vocab.json");
//   auto gallery = r.encode_images(features);                 // (N, 36, 2048) float32
//   for (auto& hit : r.search_images("a dog runs on the beach", gallery, 5)) ...
//
// Large galleries are searched in two stages (docs/embedding.md): a dual encoder (VSE++, PCME) indexes
// the gallery once, its index proposes candidates, a cross-attention model (IMRAM, SCAN, CAMP) re-ranks:
//
//   auto first = imram::Retriever::load("vse.safetensors", vocab), cross = imram::Retriever::load(...);
//   auto index = first.index_images(features, {});            // or Retriever::load_index(path)
//   auto hits = first.search_images("a dog", index, features, 5, &cross, 100);
//
// Guarantees: every method is const and safe to call from several threads at once on one Retriever
// (autograd is off inside, and nothing shared is written). Errors throw imram::Error naming the file,
// the argument and the expected shape. Encoded galleries are plain values: they own their tensors and
// stay valid independently of the Retriever.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "search/index_file.h"

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
        // Two-stage search: the first stage's (index's) score of the hit; NaN elsewhere.
        double first_stage_score = std::numeric_limits<double>::quiet_NaN();
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

    // ---- two-stage search over large galleries
    /// A first-stage index with what it was built from (search/index_file.h).
    using GalleryIndex = search::IndexFile;
    /// Called while a gallery is indexed: items encoded so far, of `total`.
    using Progress = std::function<void(std::int64_t done, std::int64_t total)>;
    /// Whether this model can build a first-stage index (a dual encoder: VSE++, PCME's means).
    bool has_item_vectors() const;
    /// Indexes a gallery of images, features (N, R, F) float32 (e.g. a memory-mapped .npy: it is
    /// encoded in blocks, so only the item vectors (N, E) are held at once). `gallery_path` is kept
    /// in the index for messages.
    GalleryIndex index_images(const Tensor& features, const search::IndexOptions& options,
                              const std::string& gallery_path = "", const Progress& progress = {}) const;
    /// Indexes a gallery of captions (raw text, tokenized as the model's training data was).
    GalleryIndex index_captions(const std::vector<std::string>& texts, const search::IndexOptions& options,
                                const std::string& gallery_path = "", const Progress& progress = {}) const;
    /// Saves atomically / loads and checks an index file (search/index_file.h).
    static void save_index(const std::string& path, const GalleryIndex& index);
    static GalleryIndex load_index(const std::string& path);
    /// The k best images of `gallery_features` (N, R, F) for a text query. This Retriever is the
    /// first stage and must be the model the index was built with; the index must have been built
    /// over this gallery (both checked: a stale or mismatched index is refused). The index proposes
    /// `candidates` items (at least k); with a `reranker`, they are ranked by its full score (Hit.score)
    /// and Hit.first_stage_score keeps the index's; without one, the index's ranking is the answer.
    std::vector<Hit> search_images(const std::string& query, const GalleryIndex& index, const Tensor& gallery_features,
                                   std::int64_t k, const Retriever* reranker = nullptr,
                                   std::int64_t candidates = 100) const;
    /// The k best captions of `gallery_texts` for one image's features (R, F) or (1, R, F); as above.
    std::vector<Hit> search_captions(const Tensor& image_features, const GalleryIndex& index,
                                     const std::vector<std::string>& gallery_texts, std::int64_t k,
                                     const Retriever* reranker = nullptr, std::int64_t candidates = 100) const;
    /// What identifies this model in an index: a hash of its hyper-parameters and parameters.
    const std::string& fingerprint() const;
    /// What identifies a gallery in an index: its shape and the contents of 16 evenly spaced items.
    static std::string gallery_fingerprint(const Tensor& features);
    static std::string gallery_fingerprint(const std::vector<std::string>& texts);

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
    std::string model_path_, fingerprint_;
    /// Refuses an index of the other side, or built with another model (or this one not a dual encoder).
    void check_first_stage(const GalleryIndex& index, const char* side) const;
    /// The first stage of a two-stage search: the n best gallery items for one item vector (1, E).
    std::vector<search::Neighbor> first_stage(const GalleryIndex& index, const Tensor& query_vector,
                                              std::int64_t n) const;
};

}  // namespace imram
