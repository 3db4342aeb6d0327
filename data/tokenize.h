// SPDX-License-Identifier: MIT
// Caption tokenization as the official code does it: nltk.tokenize.word_tokenize(caption.lower()).
//
// word_tokenize = Punkt sentence splitting (NLTK's pretrained English model) followed by NLTK's
// Treebank-style word tokenizer on each sentence. Both are re-implemented here as exact
// emulations of NLTK's regex passes on code points (no std::regex), so that captions map to the
// same vocabulary ids as in the Python pipeline. Checked against NLTK 3.10.4 and NLTK 3.2.5 (on
// Python 3.11) with the English Punkt parameters: the 81 captions of
// tests/fixtures/data_io/tokenizer_cases.tsv (made by tools/make_tokenizer_cases.py) and, during
// development, about 83,000 random strings of words, abbreviations, punctuation, quotes and
// Unicode, with no difference in either rule set.
//
// Two rule sets, because NLTK changed them over the years:
//   NltkRules::current     NLTK >= 3.9 (NLTKWordTokenizer; what `pip install nltk` gives today).
//   NltkRules::legacy_3_2  NLTK 3.2.5 (TreebankWordTokenizer plus word_tokenize's patches). The
//                          shipped vocabularies were built with an NLTK of that era: they contain
//                          tokens that it produces and current NLTK (and 3.4) does not, such as
//                          "back..", "'stop" and "'a".
// The two agree on ordinary captions; they differ on runs of two periods, a quote glued to the
// start of a word, "more'n", '*', '' and Unicode dashes, and in rare sentence splits.
//
// Lowercasing: ASCII only, like the official Python 2 code (`caption.lower().decode('utf-8')`).
// Python 3's str.lower() would also fold non-ASCII capitals; such captions may tokenize differently.
// Unicode classes (\w, \s, \d, upper/lower case) follow Python's for ASCII, Latin-1, Latin
// Extended-A, Greek and Cyrillic; elsewhere they are approximations (letters of other scripts count
// as word characters, their case is unknown). Punkt's English model is embedded only as far as it
// can matter for lowercase text: its abbreviation list, collocations, and the four types whose
// orthographic context says "may start a sentence in lower case".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace imram::data {

struct Vocab;

enum class NltkRules { current, legacy_3_2 };

/// The rules captions are encoded with everywhere in the project (datasets, vocabulary building,
/// queries): those the shipped vocabularies were built with. One place to change them.
inline constexpr NltkRules kVocabularyRules = NltkRules::legacy_3_2;

/// Lowercases ASCII letters; other bytes are unchanged.
std::string ascii_lower(std::string s);

/// Tokens of nltk.tokenize.word_tokenize(text.lower()) (ASCII lowercasing, see above).
/// `text` must be valid UTF-8 (throws imram::Error otherwise).
std::vector<std::string> word_tokenize(const std::string& text, NltkRules rules = NltkRules::current);

/// The Punkt (English) sentence split that word_tokenize applies to the lowercased text.
std::vector<std::string> sent_tokenize(const std::string& lowered_text, NltkRules rules = NltkRules::current);

/// The word tokenizer alone on one sentence (NLTKWordTokenizer().tokenize / the patched
/// TreebankWordTokenizer of NLTK 3.2), without lowercasing or sentence splitting.
std::vector<std::string> treebank_tokenize(const std::string& sentence, NltkRules rules = NltkRules::current);

/// [<start>] + vocab ids of word_tokenize(caption) (unknown words -> <unk>) + [<end>].
/// Refuses (ErrorKind::Data) a caption longer than kMaxCaptionBytes (checked before tokenizing) or
/// with more than kMaxCaptionTokens tokens (captions.h).
std::vector<std::int64_t> encode_caption(const Vocab& vocab, const std::string& caption,
                                         NltkRules rules = kVocabularyRules);

/// encode_caption for each of `captions`, the lines of the file `source`: an error names
/// "source:LINE" (caption i is line i + 1).
std::vector<std::vector<std::int64_t>> encode_captions(const Vocab& vocab, const std::vector<std::string>& captions,
                                                       NltkRules rules, const std::string& source);

}  // namespace imram::data
