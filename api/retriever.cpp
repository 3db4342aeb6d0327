// SPDX-License-Identifier: MIT
#include "api/retriever.h"

#include <algorithm>
#include <numeric>

#include "core/autograd.h"
#include "core/ops.h"
#include "kernels/cuda/primitives.h"
#include "data/tokenize.h"
#include "data/vocab.h"
#include "models/registry.h"

namespace imram {
namespace {

std::vector<Retriever::Hit> top_k(const Tensor& row, std::int64_t k) {
    const std::vector<double> v = row.to_vector<double>();
    if (!row.device().is_host() && row.dtype() == DType::F32 && row.numel() <= 0x7fffffff) {
        // On a CUDA device the ranking itself runs there (CUB radix sort; stable, so ties go to
        // the lower index exactly as below).
        const Tensor r = row.contiguous();
        const auto idx = gpu::top_k_indices(r.device(), r.data<float>(), static_cast<int>(r.numel()),
                                            static_cast<int>(std::clamp<std::int64_t>(k, 0, r.numel())));
        std::vector<Retriever::Hit> out;
        for (const std::int32_t i : idx) out.push_back({i, v[static_cast<std::size_t>(i)]});
        return out;
    }
    std::vector<std::int64_t> idx(v.size());
    std::iota(idx.begin(), idx.end(), 0);
    k = std::clamp<std::int64_t>(k, 0, static_cast<std::int64_t>(v.size()));
    std::partial_sort(idx.begin(), idx.begin() + k, idx.end(), [&](std::int64_t a, std::int64_t b) {
        return v[a] > v[b] || (v[a] == v[b] && a < b);
    });
    std::vector<Retriever::Hit> out;
    for (std::int64_t i = 0; i < k; ++i) out.push_back({idx[i], v[idx[i]]});
    return out;
}

}  // namespace

Retriever::Retriever() = default;
Retriever::Retriever(Retriever&&) noexcept = default;
Retriever& Retriever::operator=(Retriever&&) noexcept = default;
Retriever::~Retriever() = default;

Retriever Retriever::load(const std::string& model_path, const std::string& vocab_path, Device device) {
    Retriever r;
    r.model_ = models::load_model(model_path, DType::F32, device);
    r.vocab_ = std::make_unique<data::Vocab>(data::load_vocab(vocab_path));
    IMRAM_CHECK(r.vocab_->size() == r.model_->vocab_size(), vocab_path, ": vocabulary has ", r.vocab_->size(),
                " words but the model ", model_path, " was trained with ", r.model_->vocab_size());
    return r;
}

Retriever Retriever::load(const std::string& model_path, const std::vector<std::string>& words, Device device) {
    Retriever r;
    r.model_ = models::load_model(model_path, DType::F32, device);
    r.vocab_ = std::make_unique<data::Vocab>();
    for (const auto& w : words) r.vocab_->add(w);
    IMRAM_CHECK(r.vocab_->size() == r.model_->vocab_size(), "Retriever: ", r.vocab_->size(),
                " words given but the model ", model_path, " was trained with ", r.model_->vocab_size());
    return r;
}

std::int64_t Retriever::image_feature_size() const { return model_->image_feature_size(); }
std::string Retriever::mode() const { return model_->mode(); }

Retriever::Images Retriever::encode_images(const Tensor& features) const {
    IMRAM_CHECK(features.dim() == 3 && features.size(2) == image_feature_size() && features.dtype() == DType::F32,
                "encode_images: expected float32 features (N, R, ", image_feature_size(), "), got ",
                features.describe());
    NoGradGuard no_grad;
    return {model_->encode_images(features.to(model_->device()))};
}

Retriever::Captions Retriever::encode_captions(const std::vector<std::string>& texts) const {
    IMRAM_CHECK(!texts.empty(), "encode_captions: no captions given");
    NoGradGuard no_grad;
    std::vector<std::vector<std::int64_t>> ids;
    std::int64_t L = 1;
    for (const auto& t : texts) {
        ids.push_back(data::encode_caption(*vocab_, t, data::kVocabularyRules));
        L = std::max<std::int64_t>(L, static_cast<std::int64_t>(ids.back().size()));
    }
    std::vector<std::int64_t> flat(ids.size() * static_cast<std::size_t>(L), 0);
    Captions c;
    for (std::size_t i = 0; i < ids.size(); ++i) {
        std::copy(ids[i].begin(), ids[i].end(), flat.begin() + static_cast<std::ptrdiff_t>(i * L));
        c.lengths.push_back(static_cast<std::int64_t>(ids[i].size()));
    }
    const Tensor t = from_vector(flat, {static_cast<std::int64_t>(ids.size()), L});
    c.words = model_->encode_captions(t.to(model_->device()), c.lengths);
    return c;
}

Tensor Retriever::score(const Images& images, const Captions& captions) const {
    IMRAM_CHECK(images.regions.defined() && captions.words.defined(), "score: encode the images and captions first");
    NoGradGuard no_grad;
    return model_->score_all({images.regions, captions.words, captions.lengths});
}

namespace {
/// Each hit's own uncertainty, when the gallery has one per item.
void attach_uncertainty(std::vector<Retriever::Hit>& hits, const Tensor& u) {
    if (!u.defined()) return;
    const std::vector<double> v = u.to_vector<double>();
    for (Retriever::Hit& h : hits) h.uncertainty = v[static_cast<std::size_t>(h.index)];
}
}  // namespace

bool Retriever::has_uncertainty() const { return model_->has_uncertainty(); }

Tensor Retriever::uncertainty(const Images& images) const { return model_->uncertainty(images.regions); }
Tensor Retriever::uncertainty(const Captions& captions) const { return model_->uncertainty(captions.words); }

double Retriever::query_uncertainty(const std::string& query) const {
    const Tensor u = uncertainty(encode_captions({query}));
    return u.defined() ? u.to_vector<double>()[0] : std::numeric_limits<double>::quiet_NaN();
}

double Retriever::image_uncertainty(const Tensor& features) const {
    const Tensor f = features.dim() == 2 ? unsqueeze(features, 0) : features;
    const Tensor u = uncertainty(encode_images(f));
    return u.defined() ? u.to_vector<double>()[0] : std::numeric_limits<double>::quiet_NaN();
}

std::vector<Retriever::Hit> Retriever::search_images(const std::string& query, const Images& gallery,
                                                     std::int64_t k) const {
    return search_images(encode_captions({query}), gallery, k);
}

std::vector<Retriever::Hit> Retriever::search_images(const Captions& query, const Images& gallery,
                                                     std::int64_t k) const {
    IMRAM_CHECK(query.words.defined() && query.words.size(0) == 1, "search_images: expected one encoded caption, got ",
                query.words.defined() ? std::to_string(query.words.size(0)) : std::string("none"));
    const Tensor s = score(gallery, query);  // (N, 1)
    std::vector<Hit> hits = top_k(reshape(s, {s.size(0)}), k);
    attach_uncertainty(hits, uncertainty(gallery));
    return hits;
}

std::vector<Retriever::Hit> Retriever::search_captions(const Tensor& features, const Captions& gallery,
                                                       std::int64_t k) const {
    const Tensor f = features.dim() == 2 ? unsqueeze(features, 0) : features;
    IMRAM_CHECK(f.dim() == 3 && f.size(0) == 1, "search_captions: expected one image's features (R, F), got ",
                features.describe());
    return search_captions(encode_images(f), gallery, k);
}

std::vector<Retriever::Hit> Retriever::search_captions(const Images& query, const Captions& gallery,
                                                       std::int64_t k) const {
    IMRAM_CHECK(query.regions.defined() && query.regions.size(0) == 1,
                "search_captions: expected one encoded image, got ",
                query.regions.defined() ? std::to_string(query.regions.size(0)) : std::string("none"));
    const Tensor s = score(query, gallery);  // (1, M)
    std::vector<Hit> hits = top_k(reshape(s, {s.size(1)}), k);
    attach_uncertainty(hits, uncertainty(gallery));
    return hits;
}

}  // namespace imram
