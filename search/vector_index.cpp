// SPDX-License-Identifier: MIT
#include "search/vector_index.h"

#include <algorithm>
#include <bit>
#include <climits>
#include <cmath>
#include <cstring>
#include <exception>
#include <limits>
#include <mutex>
#include <new>
#include <shared_mutex>
#include <utility>

#include "base/check.h"
#include "core/autograd.h"
#include "core/finite.h"
#include "core/ops.h"

#ifdef IMRAM_HAVE_FAISS
#include <faiss/IndexFlat.h>
#include <faiss/IndexHNSW.h>
#include <faiss/IndexIVF.h>
#include <faiss/IndexIVFFlat.h>
#include <faiss/impl/FaissException.h>
#include <faiss/impl/HNSW.h>
#include <faiss/impl/io.h>
#include <faiss/index_io.h>
#endif

namespace imram::search {

struct VectorIndex::Impl {
    IndexKind kind = IndexKind::Flat;
    IndexOptions options;
    std::int64_t size = 0, dim = 0;
    Tensor vectors;  // flat: (N, E) float32 on the CPU, contiguous
#ifdef IMRAM_HAVE_FAISS
    std::unique_ptr<faiss::Index> faiss;  // hnsw, ivf
    std::int64_t ivf_lists = 0;           // ivf: the lists the index has (options.ivf_lists may be 0: auto)
    // hnsw: FAISS 1.7.3 ignores SearchParametersHNSW::efSearch and reads the index's own efSearch,
    // which stays at options.hnsw_ef_search. A search with k above it needs a wider list, so it sets
    // the member for its call under the exclusive lock; every other search shares the lock.
    mutable std::shared_mutex hnsw_ef_lock;
#endif
};

namespace {

// Better first: the higher score, and on a tie the lower item, so that results are deterministic.
bool better(const Neighbor& a, const Neighbor& b) {
    return a.score > b.score || (a.score == b.score && a.item < b.item);
}

std::string missing_faiss_message(IndexKind kind) {
    std::string m = "index kind '";
    m += kind_name(kind);
    m += "' needs FAISS, which this build lacks: install libfaiss-dev and rebuild with -DIMRAM_FAISS=ON "
         "(or use the exact kind 'flat')";
    return m;
}

// Empty when `o` is usable for `kind`; otherwise what is wrong with it.
std::string options_problem(IndexKind kind, const IndexOptions& o) {
    std::string m;
    if (kind == IndexKind::HNSW) {
        if (o.hnsw_m < 2 || o.hnsw_m > 4096)
            m = "hnsw_m must be in [2, 4096], got " + std::to_string(o.hnsw_m);
        else if (o.hnsw_ef_construction < 1 || o.hnsw_ef_construction > INT_MAX)
            m = "hnsw_ef_construction must be >= 1, got " + std::to_string(o.hnsw_ef_construction);
        else if (o.hnsw_ef_search < 1 || o.hnsw_ef_search > INT_MAX)
            m = "hnsw_ef_search must be >= 1, got " + std::to_string(o.hnsw_ef_search);
    } else if (kind == IndexKind::IVF) {
        if (o.ivf_lists < 0)
            m = "ivf_lists must be >= 0 (0: automatic), got " + std::to_string(o.ivf_lists);
        else if (o.ivf_probe < 1)
            m = "ivf_probe must be >= 1, got " + std::to_string(o.ivf_probe);
    }
    return m;
}

#ifdef IMRAM_HAVE_FAISS
// The default list count: about 4 sqrt(N), but with at least 39 items per list, the fewest FAISS's
// k-means accepts without a warning (fewer make poor centroids).
std::int64_t auto_ivf_lists(std::int64_t n) {
    const auto guess = static_cast<std::int64_t>(std::llround(4.0 * std::sqrt(static_cast<double>(n))));
    return std::clamp<std::int64_t>(guess, 1, std::max<std::int64_t>(1, n / 39));
}
#endif

// Flat index bytes are little-endian float32 whatever the host's order.
void floats_to_le_bytes(const float* src, std::size_t n, char* dst) {
    if constexpr (std::endian::native == std::endian::little) {
        std::memcpy(dst, src, n * sizeof(float));
    } else {
        for (std::size_t i = 0; i < n; ++i) {
            const auto u = std::bit_cast<std::uint32_t>(src[i]);
            for (int b = 0; b < 4; ++b) dst[4 * i + b] = static_cast<char>((u >> (8 * b)) & 0xff);
        }
    }
}

void le_bytes_to_floats(const char* src, std::size_t n, float* dst) {
    if constexpr (std::endian::native == std::endian::little) {
        std::memcpy(dst, src, n * sizeof(float));
    } else {
        for (std::size_t i = 0; i < n; ++i) {
            std::uint32_t u = 0;
            for (int b = 0; b < 4; ++b)
                u |= static_cast<std::uint32_t>(static_cast<unsigned char>(src[4 * i + b])) << (8 * b);
            dst[i] = std::bit_cast<float>(u);
        }
    }
}

// The index's float32 copy of a host tensor: CPU, contiguous, without autograd history.
Tensor host_f32_copy(const Tensor& t) {
    Tensor out = empty(t.shape(), DType::F32, Device::cpu());
    out.copy_(t);
    return out;
}

#ifdef IMRAM_HAVE_FAISS
std::unique_ptr<faiss::Index> build_faiss(IndexKind kind, const IndexOptions& o, const float* x, std::int64_t n,
                                          std::int64_t e, std::int64_t& ivf_lists) {
    if (kind == IndexKind::HNSW) {
        auto index = std::make_unique<faiss::IndexHNSWFlat>(static_cast<int>(e), static_cast<int>(o.hnsw_m),
                                                            faiss::METRIC_INNER_PRODUCT);
        index->hnsw.efConstruction = static_cast<int>(o.hnsw_ef_construction);
        index->hnsw.efSearch = static_cast<int>(o.hnsw_ef_search);
        index->add(n, x);
        return index;
    }
    ivf_lists = o.ivf_lists > 0 ? o.ivf_lists : auto_ivf_lists(n);
    auto quantizer = std::make_unique<faiss::IndexFlatIP>(e);
    auto index = std::make_unique<faiss::IndexIVFFlat>(
        quantizer.get(), static_cast<std::size_t>(e), static_cast<std::size_t>(ivf_lists), faiss::METRIC_INNER_PRODUCT);
    index->own_fields = true;
    quantizer.release();  // owned by `index` now
    index->train(n, x);
    index->add(n, x);
    return index;
}

std::vector<std::vector<Neighbor>> search_faiss(faiss::Index& index, IndexKind kind, const IndexOptions& o,
                                                std::int64_t ivf_lists, std::shared_mutex& hnsw_ef_lock, const float* q,
                                                std::int64_t nq, std::int64_t k) {
    std::vector<float> scores(static_cast<std::size_t>(nq * k));
    std::vector<faiss::Index::idx_t> labels(static_cast<std::size_t>(nq * k));
    if (kind == IndexKind::HNSW) {
        auto& hnsw = dynamic_cast<faiss::IndexHNSW&>(index);
        // The candidate list must hold at least k items: FAISS does not widen it by itself, and a
        // narrower one returns fewer than k items and a poor recall. The per-call parameters carry it
        // for FAISS versions that read them; 1.7.3 reads the member (see Impl::hnsw_ef_lock).
        const int ef = static_cast<int>(std::min<std::int64_t>(std::max(o.hnsw_ef_search, k), INT_MAX));
        faiss::SearchParametersHNSW p;
        p.efSearch = ef;
        if (ef == static_cast<int>(o.hnsw_ef_search)) {
            std::shared_lock lock(hnsw_ef_lock);
            hnsw.search(nq, q, k, scores.data(), labels.data(), &p);
        } else {
            std::unique_lock lock(hnsw_ef_lock);
            hnsw.hnsw.efSearch = ef;
            try {
                hnsw.search(nq, q, k, scores.data(), labels.data(), &p);
            } catch (...) {
                hnsw.hnsw.efSearch = static_cast<int>(o.hnsw_ef_search);
                throw;
            }
            hnsw.hnsw.efSearch = static_cast<int>(o.hnsw_ef_search);
        }
    } else {
        // Per-call parameters: the index is not changed, so concurrent searches are safe.
        faiss::SearchParametersIVF p;
        p.nprobe = static_cast<std::size_t>(std::min(o.ivf_probe, ivf_lists));
        index.search(nq, q, k, scores.data(), labels.data(), &p);
    }
    std::vector<std::vector<Neighbor>> out(static_cast<std::size_t>(nq));
    for (std::int64_t i = 0; i < nq; ++i) {
        auto& row = out[static_cast<std::size_t>(i)];
        row.reserve(static_cast<std::size_t>(k));
        for (std::int64_t j = 0; j < k; ++j) {
            const auto label = labels[static_cast<std::size_t>(i * k + j)];
            // FAISS pads with -1 when it found fewer than k items (an IVF probe of few lists).
            if (label < 0 || label >= index.ntotal) continue;
            row.push_back({static_cast<std::int64_t>(label), scores[static_cast<std::size_t>(i * k + j)]});
        }
        std::sort(row.begin(), row.end(), better);
    }
    return out;
}
#endif

// Exact search: the (query block x item block) score matrix by the engine's GEMM, folded into one
// bounded heap per query whose front is the worst neighbour kept. Items arrive in increasing order,
// so a tie with the worst kept item never displaces it: ties go to the lower item.
std::vector<std::vector<Neighbor>> search_flat(const Tensor& vectors, const Tensor& queries, std::int64_t k) {
    autograd::NoGradGuard no_grad;
    const std::int64_t n = vectors.size(0), nq = queries.size(0);
    // About 4M scores (16 MB) per block whatever N and Q are.
    const std::int64_t query_block = std::min<std::int64_t>(nq, 1024);
    const std::int64_t item_block = std::min(n, std::max<std::int64_t>((std::int64_t{1} << 22) / query_block, 256));
    std::vector<std::vector<Neighbor>> heaps(static_cast<std::size_t>(nq));
    for (auto& h : heaps) h.reserve(static_cast<std::size_t>(k));
    for (std::int64_t i0 = 0; i0 < n; i0 += item_block) {
        const std::int64_t i1 = std::min(n, i0 + item_block);
        const Tensor items = slice(vectors, 0, i0, i1);
        for (std::int64_t q0 = 0; q0 < nq; q0 += query_block) {
            const std::int64_t q1 = std::min(nq, q0 + query_block);
            const Tensor scores = linear(slice(queries, 0, q0, q1), items).contiguous();  // (q1 - q0, i1 - i0)
            const float* s = scores.data<float>();
            const std::int64_t width = i1 - i0;
            for (std::int64_t q = q0; q < q1; ++q) {
                auto& heap = heaps[static_cast<std::size_t>(q)];
                const float* row = s + (q - q0) * width;
                for (std::int64_t j = 0; j < width; ++j) {
                    const Neighbor cand{i0 + j, row[j]};
                    if (static_cast<std::int64_t>(heap.size()) < k) {
                        heap.push_back(cand);
                        std::push_heap(heap.begin(), heap.end(), better);
                    } else if (better(cand, heap.front())) {
                        std::pop_heap(heap.begin(), heap.end(), better);
                        heap.back() = cand;
                        std::push_heap(heap.begin(), heap.end(), better);
                    }
                }
            }
        }
    }
    for (auto& h : heaps) std::sort_heap(h.begin(), h.end(), better);  // best first
    return heaps;
}

}  // namespace

const char* kind_name(IndexKind k) {
    switch (k) {
        case IndexKind::Flat:
            return "flat";
        case IndexKind::HNSW:
            return "hnsw";
        case IndexKind::IVF:
            return "ivf";
    }
    return "?";
}

IndexKind parse_kind(const std::string& name) {
    if (name == "flat") return IndexKind::Flat;
    if (name == "hnsw") return IndexKind::HNSW;
    if (name == "ivf") return IndexKind::IVF;
    IMRAM_FAIL_KIND(Usage, "unknown index kind '", name, "': expected flat, hnsw or ivf",
                    have_faiss() ? "" : " (hnsw and ivf need a build with FAISS, which this one lacks)");
}

bool have_faiss() {
#ifdef IMRAM_HAVE_FAISS
    return true;
#else
    return false;
#endif
}

VectorIndex::VectorIndex(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
VectorIndex::VectorIndex(VectorIndex&&) noexcept = default;
VectorIndex& VectorIndex::operator=(VectorIndex&&) noexcept = default;
VectorIndex::~VectorIndex() = default;

VectorIndex VectorIndex::build(const Tensor& vectors, const IndexOptions& options) {
    const IndexKind kind = options.kind;
    IMRAM_CHECK_KIND(kind == IndexKind::Flat || have_faiss(), Usage, missing_faiss_message(kind));
    const std::string bad_options = options_problem(kind, options);
    IMRAM_CHECK_KIND(bad_options.empty(), Usage, "index options: ", bad_options);
    IMRAM_CHECK(vectors.defined(), "index vectors: undefined tensor");
    IMRAM_CHECK(vectors.dim() == 2, "index vectors must be (N, E), got ", vectors.describe());
    IMRAM_CHECK(vectors.dtype() == DType::F32, "index vectors must be float32, got ", vectors.describe());
    IMRAM_CHECK_KIND(vectors.device().is_host(), Usage, "index vectors must be in host memory, got ",
                     vectors.describe());
    const std::int64_t n = vectors.size(0), e = vectors.size(1);
    IMRAM_CHECK(n >= 1 && e >= 1, "index vectors: need at least one item of at least one dimension, got ",
                vectors.describe());
    Tensor copy = host_f32_copy(vectors);
    const std::int64_t bad = first_non_finite(copy.data<float>(), n * e);
    IMRAM_CHECK(bad < 0, "index vectors: row ", bad / e, " (column ", bad % e, ") is ",
                non_finite_name(copy.data<float>()[bad < 0 ? 0 : bad]), "; every item vector must be finite");

    auto impl = std::make_unique<Impl>();
    impl->kind = kind;
    impl->options = options;
    impl->size = n;
    impl->dim = e;
    if (kind == IndexKind::Flat) {
        impl->vectors = std::move(copy);
        return VectorIndex(std::move(impl));
    }
#ifdef IMRAM_HAVE_FAISS
    IMRAM_CHECK_KIND(n <= INT_MAX && e <= INT_MAX, Usage, "index kind '", kind_name(kind), "' holds at most ", INT_MAX,
                     " items of at most ", INT_MAX, " dimensions, got ", vectors.describe());
    if (kind == IndexKind::IVF)
        IMRAM_CHECK_KIND(options.ivf_lists <= n, Usage, "index options: ivf_lists (", options.ivf_lists,
                         ") must not exceed the item count (", n, ")");
    try {
        impl->faiss = build_faiss(kind, options, copy.data<float>(), n, e, impl->ivf_lists);
        // options() reports the lists the index has (0, "automatic", resolved), and the file keeps them.
        if (kind == IndexKind::IVF) impl->options.ivf_lists = impl->ivf_lists;
    } catch (const faiss::FaissException& ex) {
        IMRAM_FAIL_KIND(Internal, "building the ", kind_name(kind), " index failed in FAISS: ", ex.what());
    }
    return VectorIndex(std::move(impl));
#else
    IMRAM_FAIL_KIND(Usage, missing_faiss_message(kind));
#endif
}

std::vector<std::vector<Neighbor>> VectorIndex::search(const Tensor& queries, std::int64_t k) const {
    const Impl& m = *impl_;
    IMRAM_CHECK(queries.defined(), "index search: undefined query tensor");
    IMRAM_CHECK(queries.dim() == 2 && queries.size(1) == m.dim, "index search: queries must be (Q, ", m.dim,
                ") float32 like the index's items, got ", queries.describe());
    IMRAM_CHECK(queries.dtype() == DType::F32, "index search: queries must be (Q, ", m.dim, ") float32, got ",
                queries.describe());
    IMRAM_CHECK_KIND(queries.device().is_host(), Usage, "index search: queries must be in host memory, got ",
                     queries.describe());
    const std::int64_t nq = queries.size(0);
    if (k <= 0 || nq == 0) return std::vector<std::vector<Neighbor>>(static_cast<std::size_t>(nq));
    k = std::min(k, m.size);
    const Tensor q = host_f32_copy(queries);
    const std::int64_t bad = first_non_finite(q.data<float>(), nq * m.dim);
    IMRAM_CHECK(bad < 0, "index search: query row ", bad / m.dim, " (column ", bad % m.dim, ") is ",
                non_finite_name(q.data<float>()[bad < 0 ? 0 : bad]), "; queries must be finite");
    if (m.kind == IndexKind::Flat) return search_flat(m.vectors, q, k);
#ifdef IMRAM_HAVE_FAISS
    try {
        return search_faiss(*m.faiss, m.kind, m.options, m.ivf_lists, m.hnsw_ef_lock, q.data<float>(), nq, k);
    } catch (const faiss::FaissException& ex) {
        IMRAM_FAIL_KIND(Internal, "searching the ", kind_name(m.kind), " index failed in FAISS: ", ex.what());
    }
#endif
    IMRAM_FAIL_KIND(Internal, "index kind '", kind_name(m.kind), "' without its index");
}

IndexKind VectorIndex::kind() const {
    return impl_->kind;
}
const IndexOptions& VectorIndex::options() const {
    return impl_->options;
}
std::int64_t VectorIndex::size() const {
    return impl_->size;
}
std::int64_t VectorIndex::dim() const {
    return impl_->dim;
}

std::string VectorIndex::serialize() const {
    const Impl& m = *impl_;
    if (m.kind == IndexKind::Flat) {
        const auto count = static_cast<std::size_t>(m.size * m.dim);
        std::string out(count * sizeof(float), '\0');
        floats_to_le_bytes(m.vectors.data<float>(), count, out.data());
        return out;
    }
#ifdef IMRAM_HAVE_FAISS
    try {
        const std::shared_lock lock(m.hnsw_ef_lock);  // not while a search has widened efSearch
        faiss::VectorIOWriter writer;
        faiss::write_index(m.faiss.get(), &writer);
        return std::string(reinterpret_cast<const char*>(writer.data.data()), writer.data.size());
    } catch (const faiss::FaissException& ex) {
        IMRAM_FAIL_KIND(Internal, "writing the ", kind_name(m.kind), " index failed in FAISS: ", ex.what());
    }
#endif
    IMRAM_FAIL_KIND(Internal, "index kind '", kind_name(m.kind), "' without its index");
}

VectorIndex VectorIndex::deserialize(const std::string& bytes, IndexKind kind, std::int64_t size, std::int64_t dim,
                                     const IndexOptions& options, const std::string& source) {
    IMRAM_CHECK(size >= 1 && dim >= 1, source, ": index of ", size, " items of dimension ", dim,
                ": needs at least one item of at least one dimension");
    const std::string bad_options = options_problem(kind, options);
    IMRAM_CHECK(bad_options.empty(), source, ": index options: ", bad_options);
    auto impl = std::make_unique<Impl>();
    impl->kind = kind;
    impl->options = options;
    impl->options.kind = kind;
    impl->size = size;
    impl->dim = dim;
    if (kind == IndexKind::Flat) {
        std::int64_t count = 0, need = 0;
        IMRAM_CHECK(
            !__builtin_mul_overflow(size, dim, &count) && !__builtin_mul_overflow(count, std::int64_t{4}, &need),
            source, ": a flat index of ", size, " items of dimension ", dim, " is too large");
        IMRAM_CHECK(static_cast<std::uint64_t>(need) == bytes.size(), source, ": the flat index section has ",
                    bytes.size(), " bytes, but ", size, " items of dimension ", dim, " need ", need,
                    " (size * dim * 4): truncated, or built from other vectors");
        impl->vectors = empty({size, dim}, DType::F32, Device::cpu());
        le_bytes_to_floats(bytes.data(), static_cast<std::size_t>(count), impl->vectors.data<float>());
        const std::int64_t bad = first_non_finite(impl->vectors.data<float>(), count);
        IMRAM_CHECK(bad < 0, source, ": the flat index's row ", bad / dim, " (column ", bad % dim, ") is not finite");
        return VectorIndex(std::move(impl));
    }
#ifdef IMRAM_HAVE_FAISS
    std::unique_ptr<faiss::Index> index;
    try {
        faiss::VectorIOReader reader;
        reader.data.assign(bytes.begin(), bytes.end());
        index.reset(faiss::read_index(&reader));
        IMRAM_CHECK(reader.rp == reader.data.size(), source, ": the ", kind_name(kind), " index section has ",
                    reader.data.size() - reader.rp, " bytes after the index: damaged");
    } catch (const faiss::FaissException& ex) {
        IMRAM_FAIL(source, ": the index section is not a readable FAISS index: ", ex.what());
    } catch (const std::bad_alloc&) {
        IMRAM_FAIL(source, ": the index section is not a readable FAISS index (it asks for more memory than there is)");
    }
    const char* found = dynamic_cast<faiss::IndexHNSWFlat*>(index.get())  ? "hnsw"
                        : dynamic_cast<faiss::IndexIVFFlat*>(index.get()) ? "ivf"
                        : dynamic_cast<faiss::IndexFlat*>(index.get())    ? "a FAISS flat index"
                                                                          : "another FAISS index type";
    IMRAM_CHECK(std::string(found) == kind_name(kind), source, ": the index section holds ", found,
                ", but the header says kind '", kind_name(kind), "'");
    IMRAM_CHECK(index->metric_type == faiss::METRIC_INNER_PRODUCT, source, ": the ", kind_name(kind),
                " index does not use the inner product (FAISS metric ", static_cast<int>(index->metric_type), ")");
    IMRAM_CHECK(index->ntotal == size, source, ": the ", kind_name(kind), " index holds ", index->ntotal,
                " items, but the header says ", size);
    IMRAM_CHECK(index->d == dim, source, ": the ", kind_name(kind), " index has dimension ", index->d,
                ", but the header says ", dim);
    if (kind == IndexKind::IVF) {
        impl->ivf_lists = static_cast<std::int64_t>(dynamic_cast<faiss::IndexIVFFlat&>(*index).nlist);
        impl->options.ivf_lists = impl->ivf_lists;
    }
    if (kind == IndexKind::HNSW)
        dynamic_cast<faiss::IndexHNSW&>(*index).hnsw.efSearch = static_cast<int>(options.hnsw_ef_search);
    impl->faiss = std::move(index);
    return VectorIndex(std::move(impl));
#else
    (void)bytes;
    IMRAM_FAIL_KIND(Usage, source, ": ", missing_faiss_message(kind));
#endif
}

}  // namespace imram::search
