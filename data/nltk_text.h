// SPDX-License-Identifier: MIT
// The parts of the caption tokenizer (data/tokenize.h), shared by its files and by nothing else:
//   data/nltk_text.cpp   Python re's character classes on code points (\w, \s, \d, case)
//   data/treebank.cpp    the Treebank word tokenizer: one function per NLTK regex pass
//   data/punkt.cpp       the Punkt sentence splitter with NLTK's English parameters
//   data/tokenize.cpp    word_tokenize (the two together) and caption encoding
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "data/tokenize.h"

namespace imram::data::nltk {

using U = std::u32string;
using UV = std::u32string_view;

// Character classes as Python's re sees them (see data/tokenize.h for their reach).
bool is_space(char32_t c);
bool is_ascii_ws(char32_t c);
bool is_digit(char32_t c);
bool is_word(char32_t c);
bool is_upper(char32_t c);
bool is_lower(char32_t c);
char32_t ascii_lower_cp(char32_t c);
/// Case-insensitive match of ASCII pattern `p` at s[i] (the (?i) flag on ASCII letters).
bool ieq_at(UV s, std::size_t i, std::string_view p);
bool eq_at(UV s, std::size_t i, std::u32string_view p);
/// \b at position i.
bool boundary(UV s, std::size_t i);
bool one_of(char32_t c, std::u32string_view set);
/// Start of the trailing run of whitespace (s.size() when there is none).
std::size_t trailing_space_start(UV s);

/// The Treebank word tokenizer on one sentence (code points in, tokens out).
std::vector<U> treebank(UV sentence, NltkRules rules);

/// A sentence as [start, stop) of the text, as Punkt's span_tokenize gives it.
struct Slice {
    std::size_t start, stop;
};
/// Punkt's sentence spans of a (lowercased) text.
std::vector<Slice> punkt_spans(UV text, NltkRules rules);
/// text[start:stop] with Python's slicing of an empty range.
UV slice_of(const U& s, Slice sl);

}  // namespace imram::data::nltk
