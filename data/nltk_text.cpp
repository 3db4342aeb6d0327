// SPDX-License-Identifier: MIT
// Python re's character classes on code points, for the tokenizer's regex passes (data/nltk_text.h).
#include "data/nltk_text.h"

#include <array>

namespace imram::data::nltk {
namespace {

struct Range {
    char32_t lo, hi;
};

bool in_ranges(char32_t c, const Range* r, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i)
        if (c >= r[i].lo && c <= r[i].hi) return true;
    return false;
}

// str.isspace(), which is also what re's \s and str.split() use.

}  // namespace

bool is_space(char32_t c) {
    return (c >= 9 && c <= 13) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

// string.whitespace (ASCII only), used by Punkt's _get_last_whitespace_index.
bool is_ascii_ws(char32_t c) {
    return c == ' ' || (c >= 9 && c <= 13);
}

// \d: Unicode decimal digits (the common blocks).
constexpr Range kDigits[] = {{'0', '9'},     {0x660, 0x669},   {0x6F0, 0x6F9},  {0x7C0, 0x7C9}, {0x966, 0x96F},
                             {0x9E6, 0x9EF}, {0xA66, 0xA6F},   {0xAE6, 0xAEF},  {0xB66, 0xB6F}, {0xBE6, 0xBEF},
                             {0xC66, 0xC6F}, {0xCE6, 0xCEF},   {0xD66, 0xD6F},  {0xE50, 0xE59}, {0xED0, 0xED9},
                             {0xF20, 0xF29}, {0x1040, 0x1049}, {0xFF10, 0xFF19}};
bool is_digit(char32_t c) {
    return in_ranges(c, kDigits, std::size(kDigits));
}

// Non-ASCII code points that are not \w (not alphanumeric): punctuation, symbols, marks, spaces,
// controls, private use. Everything else above U+007F counts as a word character.
constexpr Range kNonWord[] = {
    {0x80, 0xA9},       {0xAB, 0xB1},       {0xB4, 0xB4},     {0xB6, 0xB8},     {0xBB, 0xBB},     {0xBF, 0xBF},
    {0xD7, 0xD7},       {0xF7, 0xF7},       {0x2C2, 0x2C5},   {0x2D2, 0x2DF},   {0x2E5, 0x2EB},   {0x2ED, 0x2ED},
    {0x2EF, 0x36F},     {0x375, 0x375},     {0x37E, 0x37E},   {0x384, 0x385},   {0x387, 0x387},   {0x482, 0x489},
    {0x55A, 0x55F},     {0x589, 0x58A},     {0x591, 0x5C7},   {0x600, 0x61F},   {0x64B, 0x65F},   {0x66A, 0x66D},
    {0x6D4, 0x6D4},     {0x1680, 0x1680},   {0x2000, 0x206F}, {0x20A0, 0x20FF}, {0x2190, 0x245F}, {0x2500, 0x2775},
    {0x2794, 0x2BFF},   {0x2E00, 0x2E7F},   {0x3000, 0x3004}, {0x3008, 0x3020}, {0x3030, 0x3030}, {0x303D, 0x303F},
    {0x3099, 0x309C},   {0x30A0, 0x30A0},   {0x30FB, 0x30FB}, {0xD800, 0xF8FF}, {0xFE00, 0xFE6F}, {0xFEFF, 0xFEFF},
    {0xFF01, 0xFF0F},   {0xFF1A, 0xFF20},   {0xFF3B, 0xFF40}, {0xFF5B, 0xFF65}, {0xFFE0, 0xFFFF}, {0x1F000, 0x1F0FF},
    {0x1F10D, 0x1FAFF}, {0xE0000, 0x10FFFF}};

bool is_word(char32_t c) {
    if (c < 0x80) return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    return !in_ranges(c, kNonWord, std::size(kNonWord));
}

// str.isupper() / str.islower() of one character, for the scripts listed in tokenize.h.
bool is_upper(char32_t c) {
    if (c < 0x80) return c >= 'A' && c <= 'Z';
    if (c >= 0xC0 && c <= 0xDE) return c != 0xD7;
    if (c >= 0x100 && c <= 0x137) return c % 2 == 0;
    if (c >= 0x139 && c <= 0x148) return c % 2 == 1;
    if (c >= 0x14A && c <= 0x177) return c % 2 == 0;
    if (c == 0x178) return true;
    if (c >= 0x179 && c <= 0x17E) return c % 2 == 1;
    if (c == 0x386 || (c >= 0x388 && c <= 0x38A) || c == 0x38C || c == 0x38E || c == 0x38F) return true;
    if (c >= 0x391 && c <= 0x3AB) return c != 0x3A2;
    if (c >= 0x400 && c <= 0x42F) return true;
    if ((c >= 0x460 && c <= 0x481) || (c >= 0x48A && c <= 0x4BF)) return c % 2 == 0;
    if ((c >= 0x1E00 && c <= 0x1E95) || (c >= 0x1EA0 && c <= 0x1EFF)) return c % 2 == 0;
    return c == 0x1E9E;
}
bool is_lower(char32_t c) {
    if (c < 0x80) return c >= 'a' && c <= 'z';
    if (c == 0xAA || c == 0xB5 || c == 0xBA) return true;
    if (c >= 0xDF && c <= 0xFF) return c != 0xF7;
    if (c >= 0x100 && c <= 0x137) return c % 2 == 1;
    if (c == 0x138 || c == 0x149 || c == 0x17F) return true;
    if (c >= 0x139 && c <= 0x148) return c % 2 == 0;
    if (c >= 0x14A && c <= 0x177) return c % 2 == 1;
    if (c >= 0x179 && c <= 0x17E) return c % 2 == 0;
    if (c == 0x390 || (c >= 0x3AC && c <= 0x3CE)) return true;
    if (c >= 0x430 && c <= 0x45F) return true;
    if ((c >= 0x460 && c <= 0x481) || (c >= 0x48A && c <= 0x4BF)) return c % 2 == 1;
    if ((c >= 0x1E00 && c <= 0x1E95) || (c >= 0x1EA0 && c <= 0x1EFF)) return c % 2 == 1;
    return (c >= 0x1E96 && c <= 0x1E9D) || c == 0x1E9F;
}

char32_t ascii_lower_cp(char32_t c) {
    return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}
// Case-insensitive match of ASCII pattern `p` at s[i] (the (?i) flag on ASCII letters).
bool ieq_at(UV s, std::size_t i, std::string_view p) {
    if (i + p.size() > s.size()) return false;
    for (std::size_t k = 0; k < p.size(); ++k)
        if (ascii_lower_cp(s[i + k]) != static_cast<char32_t>(p[k])) return false;
    return true;
}
bool eq_at(UV s, std::size_t i, std::u32string_view p) {
    return i + p.size() <= s.size() && s.compare(i, p.size(), p) == 0;
}
// \b at position i (between s[i-1] and s[i]).
bool boundary(UV s, std::size_t i) {
    const bool before = i > 0 && is_word(s[i - 1]);
    const bool after = i < s.size() && is_word(s[i]);
    return before != after;
}
bool one_of(char32_t c, std::u32string_view set) {
    return set.find(c) != std::u32string_view::npos;
}

// Start of the trailing run of whitespace (s.size() when there is none).
std::size_t trailing_space_start(UV s) {
    std::size_t t = s.size();
    while (t > 0 && is_space(s[t - 1])) --t;
    return t;
}

// text[start:stop] with Python's slicing of an empty range.
UV slice_of(const U& s, Slice sl) {
    return sl.stop > sl.start ? UV(s).substr(sl.start, sl.stop - sl.start) : UV();
}

}  // namespace imram::data::nltk
