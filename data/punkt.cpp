// SPDX-License-Identifier: MIT
// The Punkt sentence splitter with NLTK's pretrained English parameters, as far as they can matter
// for lowercase text (data/tokenize.h).
#include <algorithm>
#include <array>
#include <string_view>
#include <utility>

#include "base/utf8.h"
#include "data/nltk_text.h"

namespace imram::data {
namespace nltk {
namespace {

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

}  // namespace

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

}  // namespace nltk

std::vector<std::string> sent_tokenize(const std::string& lowered_text, NltkRules rules) {
    const nltk::U s = utf8::decode(lowered_text, "sent_tokenize: text");
    std::vector<std::string> out;
    for (const nltk::Slice sl : nltk::punkt_spans(s, rules)) out.push_back(utf8::encode(nltk::slice_of(s, sl)));
    return out;
}

}  // namespace imram::data
