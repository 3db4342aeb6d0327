// SPDX-License-Identifier: MIT
// load_vocab_pickle (data/vocab.h): vocab.py's pickled Vocabulary, read with its own allow-list.
#include <string>
#include <utility>
#include <vector>

#include "base/check.h"
#include "base/file_io.h"
#include "base/utf8.h"
#include "data/vocab.h"
#include "io/pth/pickle.h"

namespace imram::data {
namespace {

using pth::PyValue;
using Kind = PyValue::Kind;

// A Python 2 byte string is whatever the writer's str held: UTF-8 text (NLTK's tokens encoded) is
// kept; anything else is read as Latin-1, as Python 3's pickle.load(encoding='latin1') does.
std::string word_text(const std::string& bytes) {
    if (utf8::find_invalid(bytes) == utf8::npos) return bytes;
    std::u32string cps;
    for (const char c : bytes) cps.push_back(static_cast<unsigned char>(c));
    return utf8::encode(cps);
}

const PyValue& field(const PyValue& obj, const char* name, Kind kind, const std::string& path) {
    const PyValue* f = obj.get(name);
    IMRAM_CHECK(f != nullptr, path, ": field '", name, "' is missing");
    IMRAM_CHECK(f->kind == kind, path, ": field '", name, "' must be a ",
                kind == Kind::Dict ? "dict" : "int", ", got a ", f->type_name());
    return *f;
}

}  // namespace

Vocab load_vocab_pickle(const std::string& path) {
    constexpr std::uint64_t kMaxVocabBytes = 64u << 20;  // as load_vocab: COCO's pickle is about 0.3 MB
    const std::string bytes = read_file(path, kMaxVocabBytes);
    pth::Unpickler u(path, pth::Unpickler::vocabulary_globals(), "vocab.Vocabulary is read");
    std::size_t pos = 0;
    const PyValue* root = u.load(bytes, pos);
    IMRAM_CHECK(root->kind == Kind::Object || root->kind == Kind::Dict, path,
                ": expected a pickled vocab.Vocabulary (word2idx, idx2word, idx), got a ", root->type_name());
    const PyValue& w2i = field(*root, "word2idx", Kind::Dict, path);
    const PyValue& i2w = field(*root, "idx2word", Kind::Dict, path);
    const std::int64_t n = field(*root, "idx", Kind::Int, path).i;
    std::vector<std::pair<std::int64_t, std::string>> id_word;
    for (const auto& [k, w] : i2w.entries) {
        IMRAM_CHECK(k->kind == Kind::Int, path, ": field 'idx2word': a key is a ", k->type_name(), ", expected an int id");
        IMRAM_CHECK(w->kind == Kind::Str || w->kind == Kind::Bytes, path, ": field 'idx2word': entry ", k->i,
                    " is a ", w->type_name(), ", expected a string");
        id_word.emplace_back(k->i, word_text(w->s));
    }
    std::vector<std::pair<std::string, std::int64_t>> word_id;
    for (const auto& [w, id] : w2i.entries) {
        IMRAM_CHECK(w->kind == Kind::Str || w->kind == Kind::Bytes, path, ": field 'word2idx': a key is a ",
                    w->type_name(), ", expected a string");
        IMRAM_CHECK(id->kind == Kind::Int, path, ": field 'word2idx': the id of \"", word_text(w->s), "\" is a ",
                    id->type_name(), ", expected an int");
        word_id.emplace_back(word_text(w->s), id->i);
    }
    return vocab_from_maps(path, n, id_word, word_id);
}

}  // namespace imram::data
