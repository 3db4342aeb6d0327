// SPDX-License-Identifier: MIT
// The NLTK tokenizer emulation (data/tokenize.*) on arbitrary text: the first byte picks the
// rule set, the rest is the caption. Invalid UTF-8 must be an imram::Error; valid text must give
// valid UTF-8 tokens without whitespace, and encode_caption must frame them with <start> and <end>
// (or refuse the caption when it is over the limits of data/captions.h).
#include <cstdint>
#include <string>
#include <vector>

#include "base/check.h"
#include "fuzz/fuzz_input.h"
#include "data/captions.h"
#include "data/tokenize.h"
#include "base/utf8.h"
#include "data/vocab.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using imram::fuzz::require;
    namespace d = imram::data;
    if (size == 0) return 0;
    const d::NltkRules rules = (data[0] & 1) ? d::NltkRules::legacy_3_2 : d::NltkRules::current;
    const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
    try {
        const auto tokens = d::word_tokenize(text, rules);
        for (const std::string& t : tokens) {
            require(imram::utf8::find_invalid(t) == imram::utf8::npos, "tokens are valid UTF-8");
            require(t.find_first_of(" \t\n\r") == std::string::npos, "tokens hold no ASCII whitespace");
        }
        static const d::Vocab vocab = [] {
            d::Vocab v;
            for (const char* w : {"<pad>", "<start>", "<end>", "<unk>", "a", "dog", ".", "'s", "n't", "-"}) v.add(w);
            return v;
        }();
        // encode_caption refuses exactly the captions over the documented limits (captions.h).
        const bool over = text.size() > d::kMaxCaptionBytes || tokens.size() > d::kMaxCaptionTokens;
        std::vector<std::int64_t> ids;
        bool refused = false;
        try {
            ids = d::encode_caption(vocab, text, rules);
        } catch (const imram::Error&) {
            refused = true;
        }
        require(refused == over, "encode_caption refuses a caption exactly when it is over the limits");
        if (!refused) {
            require(ids.size() == tokens.size() + 2 && ids.front() == d::Vocab::kStart && ids.back() == d::Vocab::kEnd,
                    "encode_caption frames the tokens");
            for (std::size_t i = 1; i + 1 < ids.size(); ++i)
                require(ids[i] >= 0 && ids[i] < vocab.size(), "ids are in the vocabulary");
        }
        // The lower-level passes take already lowercased, valid text.
        const std::string lowered = d::ascii_lower(text);
        for (const std::string& s : d::sent_tokenize(lowered, rules)) (void)d::treebank_tokenize(s, rules);
    } catch (const imram::Error&) {
        require(imram::utf8::find_invalid(text) != imram::utf8::npos, "only invalid UTF-8 is rejected");
    }
    return 0;
}
