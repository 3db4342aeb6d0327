// SPDX-License-Identifier: MIT
// Vocabulary JSON (data/vocab.*): the two maps, the size field and the special tokens.
// A vocabulary that loads must be a bijection with <pad>, <start>, <end>, <unk> at 0..3.
#include <cstdint>

#include "base/check.h"
#include "fuzz/fuzz_input.h"
#include "data/vocab.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using imram::fuzz::require;
    try {
        const imram::data::Vocab v = imram::data::load_vocab(imram::fuzz::as_file(data, size));
        require(v.size() >= 4, "four special tokens");
        require(static_cast<std::size_t>(v.size()) == v.word2idx.size(), "maps of equal size");
        for (std::int64_t i = 0; i < v.size(); ++i) require(v.id(v.idx2word[static_cast<std::size_t>(i)]) == i, "bijection");
        require(v.id("<pad>") == 0 && v.id("<start>") == 1 && v.id("<end>") == 2 && v.id("<unk>") == 3, "special ids");
    } catch (const imram::Error&) {
    }
    return 0;
}
