// SPDX-License-Identifier: MIT
// Pre-trained word vectors in the plain text layout GloVe and word2vec's text mode share: one word per
// line, then its values, separated by spaces ("frog 0.12 -0.5 ..."); word2vec's optional first line
// "count dim" is skipped. Only the words of a vocabulary are kept, so a file of millions of words
// costs one pass and the memory of the words used.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/vocab.h"

namespace imram::data {

struct WordVectors {
    std::int64_t dim = 0;              // values per word (every line of the file has as many)
    std::int64_t words_in_file = 0;    // lines with a vector
    std::vector<std::int64_t> ids;     // vocabulary ids that have a vector: exact matches in file order, then fallbacks
    std::vector<float> values;         // ids.size() x dim, row-major
    std::int64_t by_fallback = 0;      // of ids, those found through fallback_word (the last ones)
};

/// The official PCME lookup's second try for a word the file lacks (PCME_SPEC.md 5): '-', '.' and
/// '\'' removed, then the part before the first '/' ("t-shirt" -> "tshirt", "a/c" -> "a").
std::string fallback_word(const std::string& word);

/// Reads `path`, keeping the vectors of the words of `vocab`: an exact match first (the first line of
/// a word wins), else the vector of its fallback_word when the file has that; the special tokens
/// <pad> <start> <end> <unk> are never set. Throws imram::Error naming the file and line for a
/// missing file, a line without values, a line whose number of values differs from the first line's,
/// or a value that is not a finite number.
WordVectors read_word_vectors(const std::string& path, const Vocab& vocab);

}  // namespace imram::data
