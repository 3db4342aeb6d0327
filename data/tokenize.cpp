// SPDX-License-Identifier: MIT
// Each NLTK regex substitution is one function below that reproduces re.sub on that pattern: the
// leftmost match wins, matches do not overlap, and lookarounds see the string as it was before the
// pass. The pattern each function stands for is quoted above it.
#include "data/tokenize.h"

#include <algorithm>
#include <array>
#include <string_view>
#include <utility>

#include "base/check.h"
#include "data/captions.h"
#include "base/utf8.h"
#include "data/vocab.h"

namespace imram::data {
namespace {

using U = std::u32string;
using UV = std::u32string_view;

// ---------------------------------------------------------------- character classes (Python re)

struct Range {
    char32_t lo, hi;
};

bool in_ranges(char32_t c, const Range* r, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i)
        if (c >= r[i].lo && c <= r[i].hi) return true;
    return false;
}

// str.isspace(), which is also what re's \s and str.split() use.
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

// ---------------------------------------------------------------- generic passes

// r"[set]" -> r" \g<0> "
U pad_each(UV s, bool (*pred)(char32_t)) {
    U out;
    out.reserve(s.size() + 8);
    for (const char32_t c : s) {
        if (pred(c)) {
            out += U' ';
            out += c;
            out += U' ';
        } else {
            out += c;
        }
    }
    return out;
}
// r"literal" -> r" literal " (non-overlapping, left to right)
U pad_literal(UV s, std::u32string_view lit) {
    U out;
    out.reserve(s.size() + 8);
    std::size_t i = 0;
    while (i < s.size()) {
        if (eq_at(s, i, lit)) {
            out += U' ';
            out += lit;
            out += U' ';
            i += lit.size();
        } else {
            out += s[i++];
        }
    }
    return out;
}
// r"c+" (c{min,}) -> r" \g<0> "
U pad_runs(UV s, char32_t c, std::size_t min) {
    U out;
    out.reserve(s.size() + 8);
    std::size_t i = 0;
    while (i < s.size()) {
        std::size_t j = i;
        while (j < s.size() && s[j] == c) ++j;
        if (j - i >= min) {
            out += U' ';
            out.append(s.substr(i, j - i));
            out += U' ';
            i = j;
        } else {
            out += s[i++];
        }
    }
    return out;
}

// ---------------------------------------------------------------- starting quotes

// current: "([«“‘„]|[`]+)" -> r" \1 "   legacy: "([«“‘])" -> r" \1 "
U open_quotes(UV s, NltkRules rules) {
    const bool cur = rules == NltkRules::current;
    U out;
    std::size_t i = 0;
    while (i < s.size()) {
        const char32_t c = s[i];
        if (c == U'«' || c == U'“' || c == U'‘' || (cur && c == U'„')) {
            out += U' ';
            out += c;
            out += U' ';
            ++i;
        } else if (cur && c == U'`') {
            std::size_t j = i;
            while (j < s.size() && s[j] == U'`') ++j;
            out += U' ';
            out.append(s.substr(i, j - i));
            out += U' ';
            i = j;
        } else {
            out += c;
            ++i;
        }
    }
    return out;
}

// r'^\"' -> r'``'
U leading_double_quote(UV s) {
    if (!s.empty() && s[0] == U'"') return U"``" + U(s.substr(1));
    return U(s);
}

// current: r"([ \(\[{<])(\"|\'{2})" -> r"\1 `` "    legacy: r'([ (\[{<])"' -> r'\1 `` '
U quote_after_opener(UV s, NltkRules rules) {
    U out;
    std::size_t i = 0;
    while (i < s.size()) {
        const char32_t c = s[i];
        if (one_of(c, U" ([{<") && i + 1 < s.size()) {
            std::size_t len = 0;
            if (s[i + 1] == U'"')
                len = 2;
            else if (rules == NltkRules::current && eq_at(s, i + 1, U"''"))
                len = 3;
            if (len > 0) {
                out += c;
                out += U" `` ";
                i += len;
                continue;
            }
        }
        out += c;
        ++i;
    }
    return out;
}

// current only: r"(?i)(?<!\w)(\')(?!(?:re|ve|ll|m|t|s|d|n)\b)(?=\w)" -> r"\1 "
U split_leading_apostrophe(UV s) {
    static constexpr std::string_view kClitics[] = {"re", "ve", "ll", "m", "t", "s", "d", "n"};
    U out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        out += s[i];
        if (s[i] != U'\'') continue;
        if (i > 0 && is_word(s[i - 1])) continue;
        if (i + 1 >= s.size() || !is_word(s[i + 1])) continue;
        bool clitic = false;
        for (const auto c : kClitics)
            if (ieq_at(s, i + 1, c) && boundary(s, i + 1 + c.size())) clitic = true;
        if (!clitic) out += U' ';
    }
    return out;
}

// ---------------------------------------------------------------- punctuation

// Start of the trailing run of whitespace (s.size() when there is none).
std::size_t trailing_space_start(UV s) {
    std::size_t t = s.size();
    while (t > 0 && is_space(s[t - 1])) --t;
    return t;
}

// word_tokenize's "improved" final period (both rule sets; possessive in current NLTK, which cannot
// change the result): r'([^\.])(\.)([\]\)}>"\'»”’ ]*)\s*$' -> r"\1 \2 \3 "
U final_period_improved(UV s) {
    auto closer = [](char32_t c) { return one_of(c, U"])}>\"'»”’ "); };
    const std::size_t t = trailing_space_start(s);
    std::size_t c = t;
    while (c > 0 && closer(s[c - 1])) --c;
    if (c < 2 || s[c - 1] != U'.' || s[c - 2] == U'.') return U(s);
    std::size_t q = c;
    while (q < s.size() && closer(s[q])) ++q;
    U out(s.substr(0, c - 1));
    out += U" . ";
    out.append(s.substr(c, q - c));
    out += U' ';
    return out;
}

// The Treebank final period: r'([^\.])(\.)([\]\)}>"\']*)\s*$' -> r'\1 \2\3 '
U final_period(UV s) {
    auto closer = [](char32_t c) { return one_of(c, U"])}>\"'"); };
    const std::size_t t = trailing_space_start(s);
    std::size_t c = t;
    while (c > 0 && closer(s[c - 1])) --c;
    if (c < 2 || s[c - 1] != U'.' || s[c - 2] == U'.') return U(s);
    U out(s.substr(0, c - 1));
    out += U" .";
    out.append(s.substr(c, t - c));
    out += U' ';
    return out;
}

// r'([:,])([^\d])' -> r' \1 \2'
U comma_colon(UV s) {
    U out;
    std::size_t i = 0;
    while (i < s.size()) {
        if ((s[i] == U':' || s[i] == U',') && i + 1 < s.size() && !is_digit(s[i + 1])) {
            out += U' ';
            out += s[i];
            out += U' ';
            out += s[i + 1];
            i += 2;
        } else {
            out += s[i++];
        }
    }
    return out;
}

// r'([:,])$' -> r' \1 '   ($ also matches before a final '\n')
U comma_colon_at_end(UV s) {
    std::size_t p = std::u32string_view::npos;
    if (!s.empty() && (s.back() == U':' || s.back() == U','))
        p = s.size() - 1;
    else if (s.size() >= 2 && s.back() == U'\n' && (s[s.size() - 2] == U':' || s[s.size() - 2] == U','))
        p = s.size() - 2;
    if (p == std::u32string_view::npos) return U(s);
    U out(s.substr(0, p));
    out += U' ';
    out += s[p];
    out += U' ';
    out.append(s.substr(p + 1));
    return out;
}

// r"([^'])' " -> r"\1 ' "
U quote_before_space(UV s) {
    U out;
    std::size_t i = 0;
    while (i < s.size()) {
        if (i + 2 < s.size() && s[i] != U'\'' && s[i + 1] == U'\'' && s[i + 2] == U' ') {
            out += s[i];
            out += U" ' ";
            i += 3;
        } else {
            out += s[i++];
        }
    }
    return out;
}

// ---------------------------------------------------------------- ending quotes

// legacy: r"(\S)(\'\')" -> r"\1 \2 "
U double_single_quote_after_nonspace(UV s) {
    U out;
    std::size_t i = 0;
    while (i < s.size()) {
        if (i + 2 < s.size() && !is_space(s[i]) && s[i + 1] == U'\'' && s[i + 2] == U'\'') {
            out += s[i];
            out += U" '' ";
            i += 3;
        } else {
            out += s[i++];
        }
    }
    return out;
}

// r"\s+" -> " "
U collapse_space(UV s) {
    U out;
    std::size_t i = 0;
    while (i < s.size()) {
        if (is_space(s[i])) {
            while (i < s.size() && is_space(s[i])) ++i;
            out += U' ';
        } else {
            out += s[i++];
        }
    }
    return out;
}

// r"([^' ])('[sS]|'[mM]|'[dD]|') " -> r"\1 \2 "
U clitic_s_m_d(UV s) {
    U out;
    std::size_t i = 0;
    while (i < s.size()) {
        if (s[i] != U'\'' && s[i] != U' ' && i + 1 < s.size() && s[i + 1] == U'\'') {
            std::size_t glen = 0;  // length of group 2
            if (i + 3 < s.size() && one_of(s[i + 2], U"sSmMdD") && s[i + 3] == U' ')
                glen = 2;
            else if (i + 2 < s.size() && s[i + 2] == U' ')
                glen = 1;
            if (glen > 0) {
                out += s[i];
                out += U' ';
                out.append(s.substr(i + 1, glen));
                out += U' ';
                i += glen + 2;
                continue;
            }
        }
        out += s[i++];
    }
    return out;
}

// r"([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) " -> r"\1 \2 "
U clitic_ll_re_ve_nt(UV s) {
    static constexpr std::u32string_view kAlts[] = {U"'ll", U"'LL", U"'re", U"'RE", U"'ve", U"'VE", U"n't", U"N'T"};
    U out;
    std::size_t i = 0;
    while (i < s.size()) {
        if (s[i] != U'\'' && s[i] != U' ' && i + 4 < s.size() && s[i + 4] == U' ') {
            bool hit = false;
            for (const auto a : kAlts) hit = hit || eq_at(s, i + 1, a);
            if (hit) {
                out += s[i];
                out += U' ';
                out.append(s.substr(i + 1, 3));
                out += U' ';
                i += 5;
                continue;
            }
        }
        out += s[i++];
    }
    return out;
}

// MacIntyre contractions: r"(?i)\b(can)(not)\b" etc. -> r" \1 \2 ". `end` says what must follow:
// a word boundary, whitespace (lookahead), or whitespace that the match consumes (NLTK 3.2 "wanna").
enum class After { boundary, space_lookahead, space_consumed };
U contraction2(UV s, std::string_view a, std::string_view b, After after) {
    const std::size_t len = a.size() + b.size();
    U out;
    std::size_t i = 0;
    while (i < s.size()) {
        const std::size_t j = i + len;
        bool m = (i == 0 || !is_word(s[i - 1])) && ieq_at(s, i, a) && ieq_at(s, i + a.size(), b);
        if (m) {
            if (after == After::boundary)
                m = j == s.size() || !is_word(s[j]);
            else
                m = j < s.size() && is_space(s[j]);
        }
        if (!m) {
            out += s[i++];
            continue;
        }
        out += U' ';
        out.append(s.substr(i, a.size()));
        out += U' ';
        out.append(s.substr(i + a.size(), b.size()));
        out += U' ';
        i = after == After::space_consumed ? j + 1 : j;
    }
    return out;
}

// r"(?i) ('t)(is)\b" -> r" \1 \2 "
U contraction3(UV s, std::string_view b) {
    U out;
    std::size_t i = 0;
    while (i < s.size()) {
        const std::size_t j = i + 3 + b.size();
        if (s[i] == U' ' && ieq_at(s, i + 1, "'t") && ieq_at(s, i + 3, b) && (j == s.size() || !is_word(s[j]))) {
            out += U' ';
            out.append(s.substr(i + 1, 2));
            out += U' ';
            out.append(s.substr(i + 3, b.size()));
            out += U' ';
            i = j;
        } else {
            out += s[i++];
        }
    }
    return out;
}

std::vector<U> split_ws(UV s) {
    std::vector<U> toks;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && is_space(s[i])) ++i;
        const std::size_t st = i;
        while (i < s.size() && !is_space(s[i])) ++i;
        if (i > st) toks.emplace_back(s.substr(st, i - st));
    }
    return toks;
}

// NLTKWordTokenizer.tokenize (current) / TreebankWordTokenizer.tokenize as patched by NLTK 3.2's
// word_tokenize (legacy), in NLTK's order.
std::vector<U> treebank(UV in, NltkRules rules) {
    const bool cur = rules == NltkRules::current;
    U s(in);
    // STARTING_QUOTES
    s = open_quotes(s, rules);
    s = leading_double_quote(s);
    s = pad_literal(s, U"``");
    s = quote_after_opener(s, rules);
    if (cur) s = split_leading_apostrophe(s);
    // PUNCTUATION
    s = final_period_improved(s);
    s = comma_colon(s);
    s = comma_colon_at_end(s);
    s = cur ? pad_runs(s, U'.', 2) : pad_literal(s, U"...");
    s = pad_each(s, [](char32_t c) { return one_of(c, U";@#$%&"); });
    if (cur) s = pad_each(s, [](char32_t c) { return c >= 0x2012 && c <= 0x2015; });
    s = final_period(s);
    s = pad_each(s, [](char32_t c) { return c == U'?' || c == U'!'; });
    s = quote_before_space(s);
    if (cur) s = pad_each(s, [](char32_t c) { return c == U'*'; });
    // PARENS_BRACKETS, DOUBLE_DASHES
    s = pad_each(s, [](char32_t c) { return one_of(c, U"[](){}<>"); });
    s = pad_literal(s, U"--");
    s = U' ' + s + U' ';
    // ENDING_QUOTES
    s = pad_each(s, [](char32_t c) { return c == U'»' || c == U'”' || c == U'’'; });
    auto quote_to_two_singles = [](UV in) {  // r'"' -> " '' "
        U r;
        for (const char32_t c : in) {
            if (c == U'"')
                r += U" '' ";
            else
                r += c;
        }
        return r;
    };
    if (cur) {
        s = pad_literal(s, U"''");
        s = quote_to_two_singles(s);
        s = collapse_space(s);
    } else {
        s = quote_to_two_singles(s);
        s = double_single_quote_after_nonspace(s);
    }
    s = clitic_s_m_d(s);
    s = clitic_ll_re_ve_nt(s);
    // CONTRACTIONS2, CONTRACTIONS3
    s = contraction2(s, "can", "not", After::boundary);
    s = contraction2(s, "d", "'ye", After::boundary);
    s = contraction2(s, "gim", "me", After::boundary);
    s = contraction2(s, "gon", "na", After::boundary);
    s = contraction2(s, "got", "ta", After::boundary);
    s = contraction2(s, "lem", "me", After::boundary);
    s = cur ? contraction2(s, "more", "'n", After::boundary) : contraction2(s, "mor", "'n", After::boundary);
    s = contraction2(s, "wan", "na", cur ? After::space_lookahead : After::space_consumed);
    s = contraction3(s, "is");
    s = contraction3(s, "was");
    return split_ws(s);
}

// ---------------------------------------------------------------- Punkt (English model)

// PunktParameters of NLTK's English model (punkt_tab/english, the same data as english.pickle).
constexpr std::string_view kAbbrevTypes[] = {
    ". . ", "a.a",  "a.c",  "a.d",   "a.g",   "a.h", "a.m",   "a.m.e",   "a.s",   "a.t",   "adm",  "ala",   "ariz",
    "aug",  "ave",  "b.f",  "b.v",   "bros",  "c",   "c.i.t", "c.o.m.b", "c.v",   "calif", "chg",  "cie",   "co",
    "col",  "colo", "conn", "corp",  "cos",   "ct",  "d",     "d.c",     "d.h",   "d.w",   "dec",  "dr",    "e",
    "e.f",  "e.h",  "e.l",  "e.m",   "f",     "f.g", "f.j",   "feb",     "fla",   "fri",   "ft",   "g",     "g.d",
    "g.f",  "g.k",  "ga",   "gen",   "h",     "h.c", "h.f",   "h.m",     "i.m.s", "ill",   "inc",  "j.b",   "j.c",
    "j.j",  "j.k",  "j.p",  "j.r",   "jan",   "jr",  "k",     "kan",     "ky",    "l",     "l.a",  "l.f",   "l.p",
    "lt",   "ltd",  "m",    "m.b.a", "m.d.c", "m.j", "maj",   "messrs",  "mg",    "mich",  "minn", "mr",    "mrs",
    "ms",   "n",    "n.c",  "n.d",   "n.h",   "n.j", "n.m",   "n.v",     "n.y",   "nev",   "nov",  "oct",   "ok",
    "okla", "ore",  "p",    "p.a.m", "p.m",   "pa",  "ph.d",  "prof",    "r",     "r.a",   "r.h",  "r.i",   "r.j",
    "r.k",  "r.t",  "rep",  "reps",  "s",     "s.a", "s.a.y", "s.c",     "s.g",   "s.p.a", "s.s",  "sen",   "sep",
    "sept", "sr",   "st",   "sw",    "t",     "t.j", "tenn",  "tues",    "u.k",   "u.n",   "u.s",  "u.s.a", "u.s.s.r",
    "v",    "va",   "vs",   "vt",    "w",     "w.c", "w.r",   "w.va",    "w.w",   "wash",  "wed",  "wis",   "yr"};
constexpr std::pair<std::string_view, std::string_view> kCollocations[] = {{"##number##", "abreast"},
                                                                           {"##number##", "aes"},
                                                                           {"##number##", "business"},
                                                                           {"##number##", "cbot"},
                                                                           {"##number##", "colgate"},
                                                                           {"##number##", "commodities"},
                                                                           {"##number##", "cooper"},
                                                                           {"##number##", "corrections"},
                                                                           {"##number##", "credit"},
                                                                           {"##number##", "dividend"},
                                                                           {"##number##", "financing"},
                                                                           {"##number##", "genentech"},
                                                                           {"##number##", "henley"},
                                                                           {"##number##", "insider"},
                                                                           {"##number##", "international"},
                                                                           {"##number##", "leisure"},
                                                                           {"##number##", "letters"},
                                                                           {"##number##", "notable"},
                                                                           {"##number##", "pay-fone"},
                                                                           {"##number##", "pegasus"},
                                                                           {"##number##", "pepper"},
                                                                           {"##number##", "review"},
                                                                           {"##number##", "rj"},
                                                                           {"##number##", "wedgestone"},
                                                                           {"##number##", "who"},
                                                                           {"##number##", "zimmer"},
                                                                           {"b", "edelman"},
                                                                           {"b", "levine"},
                                                                           {"b", "smith"},
                                                                           {"b", "stewart"},
                                                                           {"b", "wigton"},
                                                                           {"i", "magnin"},
                                                                           {"i", "toussie"},
                                                                           {"j", "aron"},
                                                                           {"j", "fialka"},
                                                                           {"j", "walter"},
                                                                           {"o", "ludcke"}};
// The only types of the model's orthographic context that are seen in lower case at a sentence
// start and never capitalised: for them the heuristic answers "unknown" instead of "not a sentence
// starter". (The model has no type with a non-ASCII first letter; its sentence-starter list only
// matters for capitalised words, which ASCII-lowercased text does not have.)
constexpr std::string_view kLowerCaseStarters[] = {"administrators", "b-week", "r-revised", "z-holiday"};

bool is_abbrev(const std::string& w) {
    return std::find(std::begin(kAbbrevTypes), std::end(kAbbrevTypes), w) != std::end(kAbbrevTypes);
}

struct PunktToken {
    U tok;
    std::string type;  // ASCII-lowercased UTF-8, or "##number##"
    bool period_final = false;
    bool sentbreak = false, abbr = false, ellipsis = false;
};

bool numeric(UV t) {  // r"^-?[\.,]?\d[\d,\.-]*\.?$"
    std::size_t j = 0;
    if (j < t.size() && t[j] == U'-') ++j;
    if (j < t.size() && (t[j] == U'.' || t[j] == U',')) ++j;
    if (j >= t.size() || !is_digit(t[j])) return false;
    for (++j; j < t.size(); ++j)
        if (!is_digit(t[j]) && !one_of(t[j], U",.-")) return false;
    return true;
}

PunktToken make_token(U tok) {
    PunktToken t;
    t.period_final = !tok.empty() && tok.back() == U'.';
    if (numeric(tok)) {
        t.type = "##number##";
    } else {
        U low = tok;
        for (auto& c : low) c = ascii_lower_cp(c);
        t.type = utf8::encode(low);
    }
    t.tok = std::move(tok);
    return t;
}
std::string type_no_period(const std::string& type) {
    return type.size() > 1 && type.back() == '.' ? type.substr(0, type.size() - 1) : type;
}
std::string type_no_sentperiod(const PunktToken& t) {
    return t.sentbreak ? type_no_period(t.type) : t.type;
}
bool is_initial(const PunktToken& t) {  // r"[^\W\d]\.$"
    return t.tok.size() == 2 && is_word(t.tok[0]) && !is_digit(t.tok[0]) && t.tok[1] == U'.';
}
bool is_ellipsis(const PunktToken& t) {  // r"\.\.+$"
    return t.tok.size() >= 2 && std::all_of(t.tok.begin(), t.tok.end(), [](char32_t c) { return c == U'.'; });
}

bool non_word_char(char32_t c, NltkRules rules) {
    if (one_of(c, U")\";}]*:@'({[?!")) return true;
    return rules == NltkRules::current && one_of(c, U"‘’“”«»");
}
bool word_start_char(char32_t c) {
    return !one_of(c, U"(\"`{[:;&#*@)}]-,");
}
// r"(?:\-{2,}|\.{2,}|(?:\.\s){2,}\.)" at s[i]: match length, or 0.
std::size_t multi_char_punct(UV s, std::size_t i) {
    if (i + 1 < s.size() && (s[i] == U'-' || s[i] == U'.') && s[i + 1] == s[i]) {
        std::size_t j = i;
        while (j < s.size() && s[j] == s[i]) ++j;
        return j - i;
    }
    std::size_t k = 0;
    while (i + 2 * k + 1 < s.size() && s[i + 2 * k] == U'.' && is_space(s[i + 2 * k + 1])) ++k;
    if (k < 2) return 0;
    if (i + 2 * k < s.size() && s[i + 2 * k] == U'.') return 2 * k + 1;
    return k >= 3 ? 2 * k - 1 : 0;
}

// PunktLanguageVars.word_tokenize: findall of
//   MultiChar | (?=WordStart)\S+?(?=\s|$|NonWord|MultiChar|,(?=$|\s|NonWord|MultiChar)) | \S
void punkt_words(UV s, NltkRules rules, std::vector<PunktToken>& out) {
    auto ends_word = [&](std::size_t e) {
        if (e >= s.size() || is_space(s[e]) || non_word_char(s[e], rules) || multi_char_punct(s, e) > 0) return true;
        if (s[e] != U',') return false;
        return e + 1 >= s.size() || is_space(s[e + 1]) || non_word_char(s[e + 1], rules) ||
               multi_char_punct(s, e + 1) > 0;
    };
    std::size_t i = 0;
    while (i < s.size()) {
        if (const std::size_t m = multi_char_punct(s, i)) {
            out.push_back(make_token(U(s.substr(i, m))));
            i += m;
        } else if (is_space(s[i])) {
            ++i;
        } else if (word_start_char(s[i])) {
            std::size_t e = i + 1;
            while (!ends_word(e)) ++e;
            out.push_back(make_token(U(s.substr(i, e - i))));
            i = e;
        } else {
            out.push_back(make_token(U(1, s[i])));
            ++i;
        }
    }
}

enum class Ortho { no, yes, unknown };
Ortho ortho_heuristic(const PunktToken& t) {
    if (t.tok.size() == 1 && one_of(t.tok[0], U";:,.!?")) return Ortho::no;
    const std::string typ = type_no_sentperiod(t);
    const bool lower_starter =
        std::find(std::begin(kLowerCaseStarters), std::end(kLowerCaseStarters), typ) != std::end(kLowerCaseStarters);
    // ortho_context is BEG_LC for the four types above and (as far as lowercase text can tell) has
    // an upper-case flag or lacks BEG_LC for every other type seen; unseen types have 0.
    if (is_lower(t.tok[0]) && !lower_starter) return Ortho::no;
    return Ortho::unknown;  // capitalised first letters never have (LC and not MID_UC): no type qualifies
}

void first_pass(PunktToken& t) {
    if (t.tok == U"." || t.tok == U"?" || t.tok == U"!") {
        t.sentbreak = true;
    } else if (is_ellipsis(t)) {
        t.ellipsis = true;
    } else if (t.period_final && !(t.tok.size() >= 2 && t.tok[t.tok.size() - 2] == U'.')) {
        U w = t.tok.substr(0, t.tok.size() - 1);
        for (auto& c : w) c = ascii_lower_cp(c);
        const std::string word = utf8::encode(w);
        const std::size_t dash = word.rfind('-');
        if (is_abbrev(word) || (dash != std::string::npos && is_abbrev(word.substr(dash + 1))))
            t.abbr = true;
        else
            t.sentbreak = true;
    }
}

void second_pass(PunktToken& t1, const PunktToken& t2) {
    if (!t1.period_final) return;
    const std::string typ = type_no_period(t1.type);
    const std::string next_typ = type_no_sentperiod(t2);
    const bool initial = is_initial(t1);
    for (const auto& [a, b] : kCollocations) {
        if (a == typ && b == next_typ) {
            t1.sentbreak = false;
            t1.abbr = true;
            return;
        }
    }
    if ((t1.abbr || t1.ellipsis) && !initial) {
        if (ortho_heuristic(t2) == Ortho::yes) {
            t1.sentbreak = true;
            return;
        }
        // Frequent-sentence-starter rule: needs a capitalised next word that is a known starter
        // (all ASCII), which ASCII-lowercased text never has.
    }
    if (initial || typ == "##number##") {
        const Ortho o = ortho_heuristic(t2);
        if (o == Ortho::no) {
            t1.sentbreak = false;
            t1.abbr = true;
            return;
        }
        // ortho_context[next_typ] has no lower-case flag for any capitalised word (see above).
        if (o == Ortho::unknown && initial && is_upper(t2.tok[0])) {
            t1.sentbreak = false;
            t1.abbr = true;
        }
    }
}

bool text_contains_sentbreak(UV context, NltkRules rules) {
    std::vector<PunktToken> toks;
    std::size_t start = 0;
    while (start <= context.size()) {  // _tokenize_words: per line, skipping blank lines
        std::size_t end = context.find(U'\n', start);
        if (end == std::u32string_view::npos) end = context.size();
        const UV line = context.substr(start, end - start);
        if (std::any_of(line.begin(), line.end(), [](char32_t c) { return !is_space(c); }))
            punkt_words(line, rules, toks);
        start = end + 1;
    }
    for (auto& t : toks) first_pass(t);
    for (std::size_t i = 0; i + 1 < toks.size(); ++i) second_pass(toks[i], toks[i + 1]);
    bool found = false;
    for (const auto& t : toks) {
        if (found) return true;
        if (t.sentbreak) found = true;
    }
    return false;
}

struct Slice {
    std::size_t start, stop;
};

// PunktSentenceTokenizer.span_tokenize (realign_boundaries=True) with the English parameters.
std::vector<Slice> punkt_spans(UV s, NltkRules rules) {
    struct Match {
        std::size_t p;          // the sentence-end character
        std::size_t after_end;  // end of the after_tok group
        bool has_next;
        std::size_t next_start;
    };
    // The lookahead of period_context_re after a sentence-end character at p:
    //   (?=(?P<after_tok>NonWord|\s+(?P<next_tok>\S+)))
    auto match_at = [&](std::size_t p, Match& m) {
        if (!one_of(s[p], U".?!") || p + 1 >= s.size()) return false;
        if (non_word_char(s[p + 1], rules)) {
            m = {p, p + 2, false, 0};
            return true;
        }
        if (!is_space(s[p + 1])) return false;
        std::size_t q = p + 1;
        while (q < s.size() && is_space(s[q])) ++q;
        if (q == s.size()) return false;
        std::size_t r = q;
        while (r < s.size() && !is_space(s[r])) ++r;
        m = {p, r, true, q};
        return true;
    };
    std::vector<std::pair<Match, U>> contexts;
    if (rules == NltkRules::legacy_3_2) {
        // NLTK 3.2: finditer of r"\S*[.?!](?=...)"; the context is the whole match plus after_tok.
        // From `pos`, \S* runs to the end of the non-space run and backs off to the last sentence-end
        // character whose lookahead holds; without one, no later start inside the run matches either.
        std::size_t pos = 0;
        while (pos < s.size()) {
            std::size_t e = pos;
            while (e < s.size() && !is_space(s[e])) ++e;
            bool found = false;
            Match m{};
            for (std::size_t p = e; p > pos && !found; --p) found = match_at(p - 1, m);
            if (!found) {
                pos = e + 1;
                continue;
            }
            U c(s.substr(pos, m.p + 1 - pos));
            c.append(s.substr(m.p + 1, m.after_end - m.p - 1));
            contexts.emplace_back(m, std::move(c));
            pos = m.p + 1;
        }
    } else {
        // Current NLTK: _match_potential_end_contexts over every sentence-end character, merging
        // candidates whose preceding words overlap.
        std::vector<Match> matches;
        for (std::size_t p = 0; p < s.size(); ++p) {
            Match m{};
            if (match_at(p, m)) matches.push_back(m);
        }
        Slice prev_slice{0, 0};
        const Match* prev = nullptr;
        auto context_of = [&](const Match& m, Slice word) {
            U c(s.substr(word.start, word.stop > word.start ? word.stop - word.start : 0));
            c.append(s.substr(m.p, m.after_end - m.p));
            return c;
        };
        for (const Match& m : matches) {
            std::size_t idx = 0;  // _get_last_whitespace_index of text[prev_slice.stop : m.p]
            for (std::size_t k = m.p; k > prev_slice.stop; --k) {
                if (is_ascii_ws(s[k - 1])) {
                    idx = k - 1 - prev_slice.stop;
                    break;
                }
            }
            const std::size_t word_start = idx ? idx + prev_slice.stop + 1 : prev_slice.start;
            const Slice word{word_start, m.p};
            if (prev && prev_slice.stop <= word.start) contexts.emplace_back(*prev, context_of(*prev, prev_slice));
            prev = &m;
            prev_slice = word;
        }
        if (prev) contexts.emplace_back(*prev, context_of(*prev, prev_slice));
    }

    // _slices_from_text
    std::vector<Slice> slices;
    std::size_t last_break = 0;
    for (const auto& [m, ctx] : contexts) {
        if (!text_contains_sentbreak(ctx, rules)) continue;
        slices.push_back({last_break, m.p + 1});
        last_break = m.has_next ? m.next_start : m.p + 1;
    }
    slices.push_back({last_break, trailing_space_start(s)});

    // _realign_boundaries: r'["\')\]}]+?(?:\s+|(?=--)|$)' (current NLTK adds ‘’“”«»)
    auto closer = [&](char32_t c) {
        return one_of(c, U"\"')]}") || (rules == NltkRules::current && one_of(c, U"‘’“”«»"));
    };
    auto nonempty = [](Slice sl) { return sl.stop > sl.start; };
    std::vector<Slice> out;
    std::size_t realign = 0;
    for (std::size_t k = 0; k < slices.size(); ++k) {
        const Slice s1{slices[k].start + realign, slices[k].stop};
        if (k + 1 == slices.size()) {
            if (nonempty(s1)) out.push_back(s1);
            continue;
        }
        const Slice s2 = slices[k + 1];
        const std::size_t s2_end = std::max(s2.start, s2.stop);
        std::size_t j = s2.start;
        while (j < s2_end && closer(s[j])) ++j;
        const std::size_t n_closers = j - s2.start;
        bool m = false;
        std::size_t m_end = j;
        if (n_closers > 0) {
            if (j == s2_end || s[j] == U'\n') {
                m = true;
                while (m_end < s2_end && is_space(s[m_end])) ++m_end;
            } else if (is_space(s[j])) {
                m = true;
                while (m_end < s2_end && is_space(s[m_end])) ++m_end;
            } else if (j + 1 < s2_end && s[j] == U'-' && s[j + 1] == U'-') {
                m = true;
            }
        }
        if (m) {
            out.push_back({s1.start, s2.start + n_closers});
            realign = m_end - s2.start;
        } else {
            realign = 0;
            if (nonempty(s1)) out.push_back(s1);
        }
    }
    return out;
}

// text[start:stop] with Python's slicing of an empty range.
UV slice_of(const U& s, Slice sl) {
    return sl.stop > sl.start ? UV(s).substr(sl.start, sl.stop - sl.start) : UV();
}

U lowered(const std::string& text) {
    U s = utf8::decode(text, "word_tokenize: caption");
    for (auto& c : s) c = ascii_lower_cp(c);
    return s;
}

std::vector<std::string> encode_all(const std::vector<U>& toks) {
    std::vector<std::string> out;
    out.reserve(toks.size());
    for (const auto& t : toks) out.push_back(utf8::encode(t));
    return out;
}

}  // namespace

std::string ascii_lower(std::string s) {
    for (auto& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    return s;
}

std::vector<std::string> sent_tokenize(const std::string& lowered_text, NltkRules rules) {
    const U s = utf8::decode(lowered_text, "sent_tokenize: text");
    std::vector<std::string> out;
    for (const Slice sl : punkt_spans(s, rules)) out.push_back(utf8::encode(slice_of(s, sl)));
    return out;
}

std::vector<std::string> treebank_tokenize(const std::string& sentence, NltkRules rules) {
    return encode_all(treebank(utf8::decode(sentence, "treebank_tokenize: sentence"), rules));
}

std::vector<std::string> word_tokenize(const std::string& text, NltkRules rules) {
    const U s = lowered(text);
    std::vector<U> toks;
    for (const Slice sl : punkt_spans(s, rules)) {
        auto sent = treebank(slice_of(s, sl), rules);
        for (auto& t : sent) toks.push_back(std::move(t));
    }
    return encode_all(toks);
}

namespace {
// The first words of an over-long caption, so that a message shows which one it is.
std::string caption_start(const std::string& caption) {
    std::size_t n = std::min<std::size_t>(caption.size(), 40);
    while (n < caption.size() && n > 0 && (static_cast<unsigned char>(caption[n]) & 0xC0) == 0x80) --n;  // whole code points
    return "\"" + caption.substr(0, n) + (n < caption.size() ? "...\"" : "\"");
}
}  // namespace

std::vector<std::int64_t> encode_caption(const Vocab& vocab, const std::string& caption, NltkRules rules) {
    // The byte limit comes first: it bounds the tokenizer's own work, which a token count cannot.
    IMRAM_CHECK(caption.size() <= kMaxCaptionBytes, "caption ", caption_start(caption), " has ", caption.size(),
                " bytes, more than the limit of ", kMaxCaptionBytes, " bytes");
    const std::vector<std::string> words = word_tokenize(caption, rules);
    IMRAM_CHECK(words.size() <= kMaxCaptionTokens, "caption ", caption_start(caption), " has ", words.size(),
                " tokens, more than the limit of ", kMaxCaptionTokens, " tokens");
    std::vector<std::int64_t> ids{Vocab::kStart};
    for (const auto& w : words) ids.push_back(vocab.id(w));
    ids.push_back(Vocab::kEnd);
    return ids;
}

std::vector<std::vector<std::int64_t>> encode_captions(const Vocab& vocab, const std::vector<std::string>& captions,
                                                       NltkRules rules, const std::string& source) {
    std::vector<std::vector<std::int64_t>> out;
    out.reserve(captions.size());
    for (std::size_t i = 0; i < captions.size(); ++i) {
        try {
            out.push_back(encode_caption(vocab, captions[i], rules));
        } catch (const Error& e) {
            throw Error(source + ":" + std::to_string(i + 1) + ": " + e.message(), e.kind);
        }
    }
    return out;
}

}  // namespace imram::data
