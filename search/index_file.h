// SPDX-License-Identifier: MIT
// Index files: a first-stage index (search/vector_index.h) with what it was built from, so that a
// stale or mismatched index is refused instead of returning another gallery's items.
//
// Layout (little-endian):
//   8 bytes  magic "IMRAMIDX"
//   4 bytes  format version (1)
//   8 bytes  header length H
//   H bytes  header, JSON: {"kind", "side", "items", "dim", the IndexOptions (ivf_lists as built),
//            "model": {...}, "gallery": {...}, "extra": {...}, "index_bytes"}
//   index_bytes bytes: VectorIndex::serialize()
//   8 bytes  FNV-1a 64 of everything before it (a truncated or damaged file is refused)
// Written atomically (write_file_atomic). Every read error names the file and the field.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "search/vector_index.h"

namespace imram::search {

inline constexpr std::uint32_t kIndexFormatVersion = 1;

/// What the index was built from; checked by the callers against the model and gallery in use.
struct IndexInfo {
    std::string side;  // "images" or "captions": what the items are
    /// The first-stage model: its family and mode, and a fingerprint of its parameters and
    /// hyper-parameters (a different or retrained model has another one); model_path for messages.
    std::string model_family, model_mode, model_fingerprint, model_path;
    /// The gallery: where it was read from (for messages), its item count (= the index's size) and a
    /// fingerprint of its contents (sampled items; see api/retriever.cpp).
    std::string gallery_path, gallery_fingerprint;
    std::int64_t gallery_items = 0;
    /// Free-form extras kept in the header (e.g. the split, the build date), as strings.
    std::map<std::string, std::string> extra;
};

struct IndexFile {
    IndexInfo info;
    VectorIndex index;
};

/// Writes `index` and `info` to `path` atomically. info.gallery_items must equal index.size().
void save_index(const std::string& path, const VectorIndex& index, const IndexInfo& info);
/// Reads and checks an index file: magic, version (a newer one is refused with "rebuild it with this
/// version" advice), checksum, every header field, sizes. Throws imram::Error (Missing for an absent
/// file, Data otherwise) naming the file and the field.
IndexFile load_index(const std::string& path);

/// FNV-1a 64 of `bytes`, continuing from `state` (the checksum above; also the fingerprints).
std::uint64_t fnv1a64(const void* bytes, std::size_t n, std::uint64_t state = 0xcbf29ce484222325ULL);
/// 16 lowercase hex digits.
std::string hex64(std::uint64_t v);

}  // namespace imram::search
