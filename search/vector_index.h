// SPDX-License-Identifier: MIT
// The first stage of two-stage search: an index over one vector per gallery item (a dual encoder's
// item vectors, models/retrieval_model.h), searched by inner product. Large galleries are searched
// here for a few candidates, which the cross-attention model then re-ranks (api/retriever.h).
//
// Kinds:
//   flat  exact: every item's inner product with the query (blocked GEMM on the engine, then a
//         partial sort; ties go to the lower item). Always available.
//   hnsw  approximate: FAISS IndexHNSWFlat (inner product), graph search; needs a build with FAISS.
//   ivf   approximate: FAISS IndexIVFFlat (inner product), k-means lists probed nprobe at a time;
//         needs a build with FAISS.
// Scores are inner products in every kind (FAISS's approximate kinds return the exact inner product of
// the items they find). Plain C++ in the header: FAISS stays inside vector_index.cpp.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace imram::search {

enum class IndexKind { Flat, HNSW, IVF };
/// "flat", "hnsw", "ivf".
const char* kind_name(IndexKind k);
/// The inverse; throws ErrorKind::Usage naming the accepted kinds (and saying when FAISS is missing).
IndexKind parse_kind(const std::string& name);
/// Whether this build has FAISS (the hnsw and ivf kinds).
bool have_faiss();

struct IndexOptions {
    IndexKind kind = IndexKind::Flat;
    std::int64_t hnsw_m = 32;                 // hnsw: neighbours per node
    std::int64_t hnsw_ef_construction = 200;  // hnsw: candidate list while building
    std::int64_t hnsw_ef_search = 128;        // hnsw: candidate list while searching (>= k is used)
    std::int64_t ivf_lists = 0;               // ivf: k-means lists; 0: about 4 sqrt(N), at most N / 39
    std::int64_t ivf_probe = 16;              // ivf: lists searched per query
};

struct Neighbor {
    std::int64_t item;  // row of the vectors the index was built from
    float score;        // inner product with the query
};

class VectorIndex {
public:
    /// Builds the index over `vectors` (N, E) float32 (any host tensor; copied). N >= 1, E >= 1, all
    /// values finite (Data error naming the first non-finite row otherwise). Throws Usage for an
    /// approximate kind in a build without FAISS.
    static VectorIndex build(const Tensor& vectors, const IndexOptions& options);
    VectorIndex(VectorIndex&&) noexcept;
    VectorIndex& operator=(VectorIndex&&) noexcept;
    ~VectorIndex();

    /// The k best items (k clamped to size()) for each query row of `queries` (Q, E) float32, best
    /// first. Thread safe: const, and FAISS searches run with per-call parameters.
    std::vector<std::vector<Neighbor>> search(const Tensor& queries, std::int64_t k) const;

    IndexKind kind() const;
    const IndexOptions& options() const;
    std::int64_t size() const;  // N
    std::int64_t dim() const;   // E

    /// The index as bytes (the "index" section of an index file, search/index_file.h) and back.
    /// `source` names the file in errors; a blob of another kind, or with other sizes, is refused.
    std::string serialize() const;
    static VectorIndex deserialize(const std::string& bytes, IndexKind kind, std::int64_t size, std::int64_t dim,
                                   const IndexOptions& options, const std::string& source);

private:
    struct Impl;
    explicit VectorIndex(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace imram::search
