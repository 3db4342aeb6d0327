// SPDX-License-Identifier: MIT
// Per-image class labels of a split, {split}_labels.txt beside {split}_ims.npy (docs/pmrp.md): what the
// PMRP metric (eval/pmrp.h) compares to decide which retrieved items are plausible matches. The file
// is optional; a split without it is evaluated with recall only.
//
// Format: one line per image of the split, in the image order of the .npy. A line holds the image's
// class ids as non-negative decimal integers, or class names (any other token without control bytes,
// e.g. "animals"; a name is the same class on every line), separated by spaces or tabs (multi-label:
// e.g. the COCO category ids of its instances; order and repeats do not matter). An empty (or blank) line: the
// image has no label, and PMRP leaves it out. No comments, no header. A trailing '\r' (CRLF line ends)
// is dropped; a final line without '\n' counts, a final '\n' does not start another line.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace imram::data {

/// Largest class id accepted. COCO's category ids stop at 90; the bound only catches a wrong file
/// (an image id or a byte offset where a class id belongs).
inline constexpr std::int64_t kMaxLabelId = 1'000'000;
/// Distinct class names a file may use (names take the ids after kMaxLabelId).
inline constexpr std::int64_t kMaxLabelNames = 1'000'000;
/// Most distinct class ids on one line. COCO images have at most 80 categories; the bound keeps a
/// hostile line from making every label distance of the evaluation (one per image pair) expensive.
inline constexpr std::size_t kMaxLabelsPerImage = 10'000;
/// Largest labels file read (64 MiB, about 100x a COCO split's); checked before anything is allocated.
inline constexpr std::uint64_t kMaxLabelsFileBytes = 64ull << 20;

struct ImageLabels {
    /// Per image: its class ids, sorted ascending without repeats; empty = unlabeled.
    std::vector<std::vector<std::int32_t>> sets;

    std::int64_t num_images() const { return static_cast<std::int64_t>(sets.size()); }
    bool labeled(std::int64_t image) const { return !sets[static_cast<std::size_t>(image)].empty(); }
    std::int64_t num_labeled() const;
    /// The first `n` images' labels (the dev split keeps its first 1,000 images; see cli/common.cpp).
    ImageLabels first(std::int64_t n) const;
};

/// Labels from given id lists (any order, repeats allowed): sorted and made unique. Throws
/// imram::Error when an id is negative or above kMaxLabelId, or a list is longer than kMaxLabelsPerImage.
ImageLabels make_image_labels(const std::vector<std::vector<std::int64_t>>& ids);

/// Reads a labels file holding exactly `expected_images` lines. Throws imram::Error (ErrorKind::Data)
/// naming the file, and for a bad token the 1-based line and the token, when a token is not a
/// non-negative decimal integer (a '#' comment included), an id is above kMaxLabelId, a line holds
/// more than kMaxLabelsPerImage distinct ids, the line count differs from `expected_images`, or the file
/// is larger than kMaxLabelsFileBytes; ErrorKind::Missing when the file cannot be opened.
ImageLabels read_image_labels(const std::string& path, std::int64_t expected_images);

/// The labels file of a SCAN precomp split, {data_path}/{data_name}/{split}_labels.txt, when something
/// exists at that path (a directory there is returned too, so that reading it fails loudly instead
/// of the metric being silently left out); std::nullopt otherwise.
std::optional<std::string> find_image_labels(const std::string& data_path, const std::string& data_name,
                                             const std::string& split);

/// Hamming distance of two label sets as sorted unique lists: |A xor B| = |A| + |B| - 2 |A and B|.
std::int64_t label_distance(const std::vector<std::int32_t>& a, const std::vector<std::int32_t>& b);

}  // namespace imram::data
