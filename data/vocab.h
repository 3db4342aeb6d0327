// SPDX-License-Identifier: MIT
// The word vocabulary of the official code (vocab.py), in its JSON file format:
//   {"idx2word": {"0": "<pad>", ...}, "word2idx": {"<pad>": 0, ...}, "idx": N}
// (JSON turns idx2word's int keys into strings). Ids 0..3 are the special tokens <pad>, <start>,
// <end>, <unk>. load_vocab checks the file thoroughly, since a vocabulary that disagrees with a
// checkpoint's embedding table silently scrambles every caption.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "data/tokenize.h"

namespace imram::data {

struct Vocab {
    static constexpr std::int64_t kPad = 0, kStart = 1, kEnd = 2, kUnk = 3;

    std::unordered_map<std::string, std::int64_t> word2idx;
    std::vector<std::string> idx2word;

    std::int64_t size() const { return static_cast<std::int64_t>(idx2word.size()); }
    /// Id of `w`, or kUnk when the word is not in the vocabulary.
    std::int64_t id(const std::string& w) const;
    /// Appends `w` with the next id unless present (vocab.py's add_word); returns its id.
    std::int64_t add(const std::string& w);
};

/// Reads and validates a vocabulary JSON file (at most 64 MiB). Throws imram::Error naming the file and
/// the field.
Vocab load_vocab(const std::string& path);

/// The checks load_vocab makes once the file is parsed, for any reader of vocab.py's three fields
/// (the JSON file, the official codes' pickles): `n` ids, every id once in idx2word, word2idx its
/// inverse, the special tokens at 0..3. Errors name `path` and the field.
Vocab vocab_from_maps(const std::string& path, std::int64_t n,
                      const std::vector<std::pair<std::int64_t, std::string>>& idx2word,
                      const std::vector<std::pair<std::string, std::int64_t>>& word2idx);

/// A vocabulary pickled by vocab.py (an instance of vocab.Vocabulary with word2idx, idx2word and idx;
/// Python 2 protocols 0-2, as the VSE++ lineage ships them: CAMP's and PCME's vocab/*.pkl). Nothing in
/// the file is executed: only that class is allowed. Words that are not UTF-8 (a Python 2 byte string)
/// are read as Latin-1. The ids are the pickle's, which an official checkpoint's embedding rows follow.
Vocab load_vocab_pickle(const std::string& path);

/// Writes `v` in the same format (keys in the order idx2word, word2idx, idx), atomically.
void save_vocab(const std::string& path, const Vocab& v);

/// vocab.py's build_vocab: counts word_tokenize(caption) over every caption of `caption_files`
/// (read with read_captions), keeps words seen at least `threshold` times, and numbers them after
/// the special tokens in order of first appearance. (vocab.py iterates a Python 2 Counter, whose
/// order is arbitrary; first appearance makes the result deterministic. Ids therefore differ from
/// the shipped files, but the word set is the same for the same captions and tokenizer.)
Vocab build_vocab(const std::vector<std::string>& caption_files, int threshold = 4,
                  NltkRules rules = kVocabularyRules);

}  // namespace imram::data
