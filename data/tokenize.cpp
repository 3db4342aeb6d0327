// SPDX-License-Identifier: MIT
// word_tokenize = Punkt sentences, then the Treebank tokenizer on each (data/nltk_text.h); captions
// to vocabulary ids with the project's limits.
#include "data/tokenize.h"

#include <algorithm>
#include <utility>

#include "base/check.h"
#include "base/utf8.h"
#include "data/captions.h"
#include "data/nltk_text.h"
#include "data/vocab.h"

namespace imram::data {
namespace {

using nltk::U;

U lowered(const std::string& text) {
    U s = utf8::decode(text, "word_tokenize: caption");
    for (auto& c : s) c = nltk::ascii_lower_cp(c);
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

std::vector<std::string> word_tokenize(const std::string& text, NltkRules rules) {
    const U s = lowered(text);
    std::vector<U> toks;
    for (const nltk::Slice sl : nltk::punkt_spans(s, rules)) {
        auto sent = nltk::treebank(nltk::slice_of(s, sl), rules);
        for (auto& t : sent) toks.push_back(std::move(t));
    }
    return encode_all(toks);
}

namespace {
// The first words of an over-long caption, so that a message shows which one it is.
std::string caption_start(const std::string& caption) {
    std::size_t n = std::min<std::size_t>(caption.size(), 40);
    while (n < caption.size() && n > 0 && (static_cast<unsigned char>(caption[n]) & 0xC0) == 0x80) --n;  // whole code points
    // Appended piece by piece: "\"" + caption.substr(...) trips GCC 12's -Wrestrict false positive.
    std::string out(1, '"');
    out.append(caption, 0, n);
    out.append(n < caption.size() ? "...\"" : "\"");
    return out;
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
