// SPDX-License-Identifier: MIT
// A pickle reader for what torch.save writes (protocol 2, and the protocol 3-5 opcodes that a newer
// writer may use). It never calls anything: each global the stream names must be on a fixed allow-list
// and is interpreted here (an OrderedDict, a tensor rebuilt from a storage, an argparse.Namespace, an
// easydict.EasyDict read as a plain dict, a numpy scalar); any other global stops the load with an error
// naming it. A pickled vocabulary (vocab.Vocabulary) is read with its own, separate allow-list.
//
// Values live in an arena owned by the result, so cycles and deep nesting a hostile stream could build
// cost neither a leak nor a recursive destructor.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace imram::pth {

struct PyValue {
    enum class Kind { None, Bool, Int, BigInt, Float, Str, Bytes, Tuple, List, Dict, Object, Global, Storage, Tensor, Dtype };
    Kind kind = Kind::None;
    bool b = false;
    std::int64_t i = 0;
    double f = 0;
    // Str/Bytes: the text; BigInt: little-endian two's complement; Global: "module.name";
    // Object: its class ("argparse.Namespace"); Storage: its key; Dtype: numpy's code ("f8").
    std::string s;
    std::vector<PyValue*> items;                          // Tuple, List
    std::vector<std::pair<PyValue*, PyValue*>> entries;   // Dict; Object attributes (Str keys)
    // Storage: element type (the storage class name), location, element count.
    std::string storage_type, location;
    // Tensor: its storage, element offset, sizes and strides (in elements).
    PyValue* storage = nullptr;
    std::int64_t offset = 0;
    std::vector<std::int64_t> size, stride;
    int depth = 0;  // nesting depth, bounded by the reader

    const PyValue* get(std::string_view key) const;  // Dict/Object entry with a Str key, or null
    std::string type_name() const;                   // Python's name of the kind, for errors
    /// The value as Python prints it (scalars), or a short description ("<dict of 3 items>"): how a
    /// checkpoint's non-tensor entries go into a model file's metadata.
    std::string text() const;
};

/// Called for each persistent id (BINPERSID); returns the value it stands for, allocated through `make`.
using PersistentLoad = std::function<PyValue*(const PyValue& pid)>;

class Unpickler {
public:
    /// `source` names the file (and the part of it) in errors. The stream may name the globals of a
    /// checkpoint (allowed_globals()).
    explicit Unpickler(std::string source);
    /// A reader for another kind of pickle: the stream may name only `allowed` (each interpreted here),
    /// and a refusal says that only `what` is read.
    Unpickler(std::string source, std::vector<std::string> allowed, std::string what);
    Unpickler(const Unpickler&) = delete;
    Unpickler& operator=(const Unpickler&) = delete;

    /// Runs one pickle starting at bytes[pos] up to its STOP; sets `pos` past it and returns the object.
    /// Values stay valid as long as this Unpickler.
    const PyValue* load(std::string_view bytes, std::size_t& pos, const PersistentLoad& persistent = nullptr);

    PyValue* make(PyValue::Kind k);
    const std::string& source() const { return source_; }

    /// The globals a checkpoint may name.
    static const std::vector<std::string>& allowed_globals();
    /// The globals a pickled vocabulary (vocab.py's vocab.Vocabulary, Python 2 protocol 0-2) may name.
    static const std::vector<std::string>& vocabulary_globals();
    const std::vector<std::string>& allowed() const { return allowed_; }
    const std::string& what() const { return what_; }

private:
    std::string source_;
    std::vector<std::string> allowed_;
    std::string what_;
    std::vector<std::unique_ptr<PyValue>> arena_;
};

}  // namespace imram::pth
