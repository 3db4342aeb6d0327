// SPDX-License-Identifier: MIT
// The Treebank word tokenizer of NLTK (NLTKWordTokenizer, and TreebankWordTokenizer as NLTK 3.2's
// word_tokenize patched it). Each NLTK regex substitution is one function below that reproduces
// re.sub on that pattern: the leftmost match wins, matches do not overlap, and lookarounds see the
// string as it was before the pass. The pattern each function stands for is quoted above it.
#include <algorithm>
#include <string_view>
#include <utility>

#include "base/utf8.h"
#include "data/nltk_text.h"

namespace imram::data {
namespace nltk {
namespace {

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

}  // namespace

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

}  // namespace nltk

std::vector<std::string> treebank_tokenize(const std::string& sentence, NltkRules rules) {
    std::vector<std::string> out;
    for (const auto& t : nltk::treebank(utf8::decode(sentence, "treebank_tokenize: sentence"), rules))
        out.push_back(utf8::encode(t));
    return out;
}

}  // namespace imram::data
