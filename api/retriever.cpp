// SPDX-License-Identifier: MIT
#include "api/retriever.h"

#include <algorithm>
#include <cstring>
#include <numeric>

#include "core/autograd.h"
#include "core/ops.h"
#include "kernels/cuda/primitives.h"
#include "data/tokenize.h"
#include "data/vocab.h"
#include "models/registry.h"
#include "search/index_file.h"

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

/// A hash of the hyper-parameters (as the model file's metadata) and of every parameter's name, shape
/// and bytes: two models share it only when they score alike.
std::string model_fingerprint(models::RetrievalModel& m) {
    std::uint64_t h = search::fnv1a64(nullptr, 0);
    const auto add = [&h](const std::string& s) { h = search::fnv1a64(s.data(), s.size() + 1, h); };  // with the NUL
    for (const auto& [k, v] : m.config_metadata()) {
        add(k);
        add(v);
    }
    for (const auto& [name, p] : m.named_parameters()) {
        const Tensor t = p->to(Device::cpu()).contiguous();
        add(name);
        add(t.describe());
        h = search::fnv1a64(t.raw_data(), t.nbytes(), h);
    }
    return search::hex64(h);
}

/// Items at 16 evenly spaced positions of n (all of them when n <= 16).
std::vector<std::int64_t> sample_positions(std::int64_t n) {
    std::vector<std::int64_t> at;
    const std::int64_t m = std::min<std::int64_t>(n, 16);
    for (std::int64_t i = 0; i < m; ++i) at.push_back(m == 1 ? 0 : i * (n - 1) / (m - 1));
    return at;
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
    r.model_path_ = model_path;
    r.fingerprint_ = model_fingerprint(*r.model_);
    return r;
}

Retriever Retriever::load(const std::string& model_path, const std::vector<std::string>& words, Device device) {
    Retriever r;
    r.model_ = models::load_model(model_path, DType::F32, device);
    r.vocab_ = std::make_unique<data::Vocab>();
    for (const auto& w : words) r.vocab_->add(w);
    IMRAM_CHECK(r.vocab_->size() == r.model_->vocab_size(), "Retriever: ", r.vocab_->size(),
                " words given but the model ", model_path, " was trained with ", r.model_->vocab_size());
    r.model_path_ = model_path;
    r.fingerprint_ = model_fingerprint(*r.model_);
    return r;
}

const std::string& Retriever::fingerprint() const { return fingerprint_; }

std::string Retriever::gallery_fingerprint(const Tensor& features) {
    IMRAM_CHECK(features.dim() >= 1 && features.dtype() == DType::F32 && features.device().is_host(),
                "gallery_fingerprint: expected host float32 features, got ", features.describe());
    std::uint64_t h = search::fnv1a64(nullptr, 0);
    const std::string shape = features.describe();
    h = search::fnv1a64(shape.data(), shape.size(), h);
    for (const std::int64_t i : sample_positions(features.size(0))) {
        const Tensor row = slice(features, 0, i, i + 1).contiguous();
        h = search::fnv1a64(row.raw_data(), row.nbytes(), h);
    }
    return search::hex64(h);
}

std::string Retriever::gallery_fingerprint(const std::vector<std::string>& texts) {
    const std::int64_t n = static_cast<std::int64_t>(texts.size());
    std::uint64_t h = search::fnv1a64(&n, sizeof n);
    for (const std::int64_t i : sample_positions(n)) {
        const std::string& t = texts[static_cast<std::size_t>(i)];
        h = search::fnv1a64(t.data(), t.size() + 1, h);
    }
    return search::hex64(h);
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

// ---- two-stage search

bool Retriever::has_item_vectors() const { return model_->has_item_vectors(); }

namespace {

constexpr std::int64_t kIndexImageBlock = 256;    // images encoded at a time while indexing
constexpr std::int64_t kIndexCaptionBlock = 1024;  // captions encoded at a time while indexing

/// Joins blocks of item vectors (n_b, E) into one (N, E) host tensor.
Tensor join_rows(const std::vector<Tensor>& blocks) {
    return blocks.size() == 1 ? blocks[0].contiguous() : cat(blocks, 0);
}

search::IndexInfo index_info(const models::RetrievalModel& m, const std::string& model_path,
                             const std::string& fingerprint, const char* side, const std::string& gallery_path,
                             std::int64_t items, std::string gallery_fingerprint) {
    search::IndexInfo info;
    info.side = side;
    info.model_family = m.family();
    info.model_mode = m.mode();
    info.model_fingerprint = fingerprint;
    info.model_path = model_path;
    info.gallery_path = gallery_path;
    info.gallery_items = items;
    info.gallery_fingerprint = std::move(gallery_fingerprint);
    return info;
}

}  // namespace

Retriever::GalleryIndex Retriever::index_images(const Tensor& features, const search::IndexOptions& options,
                                                const std::string& gallery_path, const Progress& progress) const {
    IMRAM_CHECK_KIND(has_item_vectors(), Usage, "index_images: ", model_path_, " (", mode(),
                     ") is not a dual encoder and cannot build a first-stage index; use a vse or pcme model");
    IMRAM_CHECK(features.dim() == 3 && features.size(0) >= 1 && features.size(2) == image_feature_size() &&
                    features.dtype() == DType::F32,
                "index_images: expected float32 features (N >= 1, R, ", image_feature_size(), "), got ",
                features.describe());
    const std::int64_t n = features.size(0);
    std::vector<Tensor> blocks;
    for (std::int64_t b = 0; b < n; b += kIndexImageBlock) {
        const std::int64_t e = std::min(n, b + kIndexImageBlock);
        const Images enc = encode_images(slice(features, 0, b, e));
        blocks.push_back(model_->image_vectors(enc.regions).to(Device::cpu()).contiguous());
        if (progress) progress(e, n);
    }
    search::IndexInfo info = index_info(*model_, model_path_, fingerprint_, "images", gallery_path, n,
                                        gallery_fingerprint(features));
    return {std::move(info), search::VectorIndex::build(join_rows(blocks), options)};
}

Retriever::GalleryIndex Retriever::index_captions(const std::vector<std::string>& texts,
                                                  const search::IndexOptions& options, const std::string& gallery_path,
                                                  const Progress& progress) const {
    IMRAM_CHECK_KIND(has_item_vectors(), Usage, "index_captions: ", model_path_, " (", mode(),
                     ") is not a dual encoder and cannot build a first-stage index; use a vse or pcme model");
    IMRAM_CHECK(!texts.empty(), "index_captions: no captions given");
    const std::int64_t n = static_cast<std::int64_t>(texts.size());
    std::vector<Tensor> blocks;
    for (std::int64_t b = 0; b < n; b += kIndexCaptionBlock) {
        const std::int64_t e = std::min(n, b + kIndexCaptionBlock);
        const Captions enc = encode_captions(std::vector<std::string>(texts.begin() + b, texts.begin() + e));
        blocks.push_back(model_->caption_vectors(enc.words, enc.lengths).to(Device::cpu()).contiguous());
        if (progress) progress(e, n);
    }
    search::IndexInfo info = index_info(*model_, model_path_, fingerprint_, "captions", gallery_path, n,
                                        gallery_fingerprint(texts));
    return {std::move(info), search::VectorIndex::build(join_rows(blocks), options)};
}

void Retriever::save_index(const std::string& path, const GalleryIndex& index) {
    search::save_index(path, index.index, index.info);
}

Retriever::GalleryIndex Retriever::load_index(const std::string& path) { return search::load_index(path); }

void Retriever::check_first_stage(const GalleryIndex& index, const char* side) const {
    const search::IndexInfo& info = index.info;
    IMRAM_CHECK_KIND(info.side == side, Usage, "search: the index holds ", info.side, " (gallery ", info.gallery_path,
                     "), not ", side);
    IMRAM_CHECK_KIND(has_item_vectors(), Usage, "search: ", model_path_, " (", mode(),
                     ") is not a first-stage model: search the index with the dual encoder it was built with (",
                     info.model_path, ", ", info.model_mode, ") and pass this model as the reranker");
    IMRAM_CHECK(info.model_fingerprint == fingerprint_, "search: the index was built with the model ", info.model_path,
                " (", info.model_mode, ", fingerprint ", info.model_fingerprint, "), not with ", model_path_, " (",
                mode(), ", fingerprint ", fingerprint_, "): rebuild it (imram index build) or search with that model");
}

std::vector<search::Neighbor> Retriever::first_stage(const GalleryIndex& index, const Tensor& query_vector,
                                                     std::int64_t n) const {
    return index.index.search(query_vector.to(Device::cpu()).contiguous(), n).at(0);
}

namespace {

/// Refuses a gallery other than the one the index was built over.
void check_gallery(const search::IndexInfo& info, std::int64_t items, const std::string& fingerprint) {
    IMRAM_CHECK(items == info.gallery_items && fingerprint == info.gallery_fingerprint,
                "search: the index was built over another gallery (", info.gallery_path, ": ", info.gallery_items,
                " ", info.side, ", fingerprint ", info.gallery_fingerprint, "); this one has ", items, " ", info.side,
                " (fingerprint ", fingerprint, "): rebuild the index (imram index build)");
}

/// The first stage's answer as hits, without re-ranking.
std::vector<Retriever::Hit> first_stage_hits(const std::vector<search::Neighbor>& cand) {
    std::vector<Retriever::Hit> hits;
    for (const auto& c : cand) {
        Retriever::Hit h{c.item, c.score};
        h.first_stage_score = c.score;
        hits.push_back(h);
    }
    return hits;
}

/// Re-ranked hits among the candidates: `s` holds the reranker's score of each candidate, in order;
/// `u` (optional) each candidate's uncertainty. Ties go to the lower gallery item, as in exhaustive
/// search (not to the candidate the first stage ranked higher).
std::vector<Retriever::Hit> reranked_hits(const std::vector<search::Neighbor>& cand, const Tensor& s,
                                          const Tensor& u, std::int64_t k) {
    const std::vector<double> score = s.to_vector<double>();
    const std::vector<double> unc = u.defined() ? u.to_vector<double>() : std::vector<double>();
    std::vector<Retriever::Hit> hits;
    for (std::size_t i = 0; i < cand.size(); ++i) {
        Retriever::Hit h{cand[i].item, score[i]};
        h.first_stage_score = cand[i].score;
        if (!unc.empty()) h.uncertainty = unc[i];
        hits.push_back(h);
    }
    const std::size_t keep = static_cast<std::size_t>(std::min<std::int64_t>(k, static_cast<std::int64_t>(hits.size())));
    std::partial_sort(hits.begin(), hits.begin() + static_cast<std::ptrdiff_t>(keep), hits.end(),
                      [](const Retriever::Hit& a, const Retriever::Hit& b) {
                          return a.score > b.score || (a.score == b.score && a.index < b.index);
                      });
    hits.resize(keep);
    return hits;
}

Tensor positions_of(const std::vector<search::Neighbor>& cand) {
    std::vector<std::int64_t> at;
    for (const auto& c : cand) at.push_back(c.item);
    return from_vector(at, {static_cast<std::int64_t>(at.size())});
}

}  // namespace

std::vector<Retriever::Hit> Retriever::search_images(const std::string& query, const GalleryIndex& index,
                                                     const Tensor& gallery_features, std::int64_t k,
                                                     const Retriever* reranker, std::int64_t candidates) const {
    IMRAM_CHECK_KIND(k >= 1 && candidates >= 1, Usage, "search_images: k and candidates must be at least 1, got ", k,
                     " and ", candidates);
    IMRAM_CHECK(gallery_features.dim() == 3, "search_images: expected gallery features (N, R, F), got ",
                gallery_features.describe());
    check_first_stage(index, "images");
    check_gallery(index.info, gallery_features.size(0), gallery_fingerprint(gallery_features));
    NoGradGuard no_grad;
    const Captions q = encode_captions({query});
    const auto cand = first_stage(index, model_->caption_vectors(q.words, q.lengths),
                                  reranker ? std::max(candidates, k) : k);
    if (!reranker) return first_stage_hits(cand);
    const Images items = reranker->encode_images(index_select(gallery_features, 0, positions_of(cand)));
    const Tensor s = reranker->score(items, reranker->encode_captions({query}));  // (n, 1)
    return reranked_hits(cand, s, reranker->uncertainty(items), k);
}

std::vector<Retriever::Hit> Retriever::search_captions(const Tensor& image_features, const GalleryIndex& index,
                                                       const std::vector<std::string>& gallery_texts, std::int64_t k,
                                                       const Retriever* reranker, std::int64_t candidates) const {
    IMRAM_CHECK_KIND(k >= 1 && candidates >= 1, Usage, "search_captions: k and candidates must be at least 1, got ",
                     k, " and ", candidates);
    const Tensor f = image_features.dim() == 2 ? unsqueeze(image_features, 0) : image_features;
    IMRAM_CHECK(f.dim() == 3 && f.size(0) == 1, "search_captions: expected one image's features (R, F), got ",
                image_features.describe());
    check_first_stage(index, "captions");
    check_gallery(index.info, static_cast<std::int64_t>(gallery_texts.size()), gallery_fingerprint(gallery_texts));
    NoGradGuard no_grad;
    const Images q = encode_images(f);
    const auto cand = first_stage(index, model_->image_vectors(q.regions),
                                  reranker ? std::max(candidates, k) : k);
    if (!reranker) return first_stage_hits(cand);
    std::vector<std::string> texts;
    for (const auto& c : cand) texts.push_back(gallery_texts[static_cast<std::size_t>(c.item)]);
    const Captions items = reranker->encode_captions(texts);
    const Tensor s = reranker->score(reranker->encode_images(f), items);  // (1, n)
    return reranked_hits(cand, s, reranker->uncertainty(items), k);
}

}  // namespace imram
