// SPDX-License-Identifier: MIT
#include "io/pth/pickle.h"

#include <algorithm>
#include <cstring>
#include <unordered_map>

#include "base/check.h"
#include "base/format.h"

namespace imram::pth {
namespace {

using Kind = PyValue::Kind;
constexpr int kMaxDepth = 64;  // state dicts nest 3-4 deep; anything far deeper is not a checkpoint

/// UTF-8 text -> one byte per code point, as _codecs.encode(text, 'latin1') does.
std::string latin1_bytes(const std::string& utf8, const std::string& src) {
    std::string out;
    for (std::size_t i = 0; i < utf8.size();) {
        const auto c = static_cast<unsigned char>(utf8[i]);
        if (c < 0x80) {
            out.push_back(static_cast<char>(c));
            ++i;
        } else {
            IMRAM_CHECK((c & 0xe0) == 0xc0 && i + 1 < utf8.size() && c <= 0xc3, src,
                        ": _codecs.encode(..., 'latin1') of a character outside latin-1");
            out.push_back(static_cast<char>(((c & 0x03) << 6) | (static_cast<unsigned char>(utf8[i + 1]) & 0x3f)));
            i += 2;
        }
    }
    return out;
}

}  // namespace

const PyValue* PyValue::get(std::string_view key) const {
    const PyValue* found = nullptr;
    for (const auto& [k, v] : entries)
        if (k->kind == Kind::Str && k->s == key) found = v;
    return found;
}

std::string PyValue::text() const {
    switch (kind) {
        case Kind::None: return "None";
        case Kind::Bool: return b ? "True" : "False";
        case Kind::Int: return std::to_string(i);
        case Kind::Float: return format_python_float(f);
        case Kind::Str: return s;
        default: break;
    }
    // Appended piece by piece: GCC 12 reports a false -Wrestrict on the chained operator+ here.
    std::string out = "<";
    out += type_name();
    if (kind == Kind::List || kind == Kind::Tuple || kind == Kind::Dict || kind == Kind::Object) {
        out += " of ";
        out += std::to_string(kind == Kind::List || kind == Kind::Tuple ? items.size() : entries.size());
        out += " items";
    }
    out += ">";
    return out;
}

std::string PyValue::type_name() const {
    switch (kind) {
        case Kind::None: return "None";
        case Kind::Bool: return "bool";
        case Kind::Int:
        case Kind::BigInt: return "int";
        case Kind::Float: return "float";
        case Kind::Str: return "str";
        case Kind::Bytes: return "bytes";
        case Kind::Tuple: return "tuple";
        case Kind::List: return "list";
        case Kind::Dict: return "dict";
        case Kind::Object: return s;
        case Kind::Global: return "global " + s;
        case Kind::Storage: return "storage";
        case Kind::Tensor: return "tensor";
        case Kind::Dtype: return "numpy.dtype";
    }
    return "?";
}

const std::vector<std::string>& Unpickler::allowed_globals() {
    static const std::vector<std::string> g = {
        "collections.OrderedDict", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor",
        "torch._utils._rebuild_parameter", "argparse.Namespace", "easydict.EasyDict", "numpy.core.multiarray.scalar",
        "numpy._core.multiarray.scalar", "numpy.dtype", "_codecs.encode", "torch.FloatStorage", "torch.DoubleStorage",
        "torch.HalfStorage", "torch.BFloat16Storage", "torch.LongStorage", "torch.IntStorage", "torch.ShortStorage",
        "torch.CharStorage", "torch.ByteStorage", "torch.BoolStorage"};
    return g;
}

const std::vector<std::string>& Unpickler::vocabulary_globals() {
    // Protocol 2 writes vocab.Vocabulary with NEWOBJ (copy_reg.__newobj__ under protocol 2 is the
    // NEWOBJ opcode itself); protocols 0 and 1 call copy_reg._reconstructor(cls, object, None).
    static const std::vector<std::string> g = {"vocab.Vocabulary", "copy_reg._reconstructor", "__builtin__.object",
                                               "copyreg._reconstructor", "builtins.object"};
    return g;
}

Unpickler::Unpickler(std::string source)
    : source_(std::move(source)),
      allowed_(allowed_globals()),
      what_("tensors, OrderedDict, argparse.Namespace, EasyDict and numpy scalars are read") {}

Unpickler::Unpickler(std::string source, std::vector<std::string> allowed, std::string what)
    : source_(std::move(source)), allowed_(std::move(allowed)), what_(std::move(what)) {}

PyValue* Unpickler::make(Kind k) {
    arena_.push_back(std::make_unique<PyValue>());
    arena_.back()->kind = k;
    return arena_.back().get();
}

namespace {

/// One run of the pickle machine over bytes[pos..STOP].
class Machine {
public:
    Machine(Unpickler& u, std::string_view b, std::size_t pos, const PersistentLoad& pl)
        : u_(u), src_(u.source()), b_(b), pos_(pos), persistent_(pl) {}

    const PyValue* run(std::size_t& end) {
        for (;;) {
            const std::size_t at = pos_;
            const auto op = static_cast<unsigned char>(take(1, "opcode")[0]);
            if (op == '.') {
                IMRAM_CHECK(stack_.size() == 1 && marks_.empty(), src_, ": corrupt pickle: STOP at offset ", at, " with ",
                            stack_.size(), " values on the stack (expected 1)");
                end = pos_;
                return stack_.back();
            }
            step(op, at);
        }
    }

private:
    [[noreturn]] void bad(std::size_t at, const std::string& what) const {
        IMRAM_FAIL(src_, ": corrupt pickle at offset ", at, ": ", what);
    }

    std::string_view take(std::uint64_t n, const char* what) {
        IMRAM_CHECK(pos_ <= b_.size() && n <= b_.size() - pos_, src_, ": truncated pickle: ", what, " at offset ", pos_,
                    " needs ", n, " bytes, ", b_.size() - std::min(pos_, b_.size()), " left");
        const std::string_view v = b_.substr(pos_, n);
        pos_ += n;
        return v;
    }
    std::uint64_t uint(int n, const char* what) {
        const std::string_view v = take(static_cast<std::uint64_t>(n), what);
        std::uint64_t x = 0;
        for (int i = 0; i < n; ++i) x |= static_cast<std::uint64_t>(static_cast<unsigned char>(v[i])) << (8 * i);
        return x;
    }
    std::string line(const char* what) {
        const std::size_t nl = b_.find('\n', pos_);
        IMRAM_CHECK(nl != std::string_view::npos && nl - pos_ < 256, src_, ": truncated pickle: ", what, " at offset ",
                    pos_, " has no end of line");
        std::string s(b_.substr(pos_, nl - pos_));
        pos_ = nl + 1;
        return s;
    }

    PyValue* pop(std::size_t at) {
        if (stack_.empty() || (!marks_.empty() && stack_.size() <= marks_.back())) bad(at, "pop from an empty stack");
        PyValue* v = stack_.back();
        stack_.pop_back();
        return v;
    }
    PyValue* top(std::size_t at) {
        if (stack_.empty() || (!marks_.empty() && stack_.size() <= marks_.back())) bad(at, "empty stack");
        return stack_.back();
    }
    std::vector<PyValue*> pop_mark(std::size_t at) {
        if (marks_.empty()) bad(at, "no MARK to pop to");
        std::vector<PyValue*> v(stack_.begin() + static_cast<std::ptrdiff_t>(marks_.back()), stack_.end());
        stack_.resize(marks_.back());
        marks_.pop_back();
        return v;
    }
    void push(PyValue* v) { stack_.push_back(v); }

    PyValue* value(Kind k) { return u_.make(k); }
    PyValue* integer(std::int64_t i) {
        PyValue* v = value(Kind::Int);
        v->i = i;
        return v;
    }
    PyValue* text(Kind k, std::string_view s) {
        PyValue* v = value(k);
        v->s = std::string(s);
        return v;
    }
    void grow(PyValue* container, const PyValue* child, std::size_t at) {
        container->depth = std::max(container->depth, child->depth + 1);
        if (container->depth > kMaxDepth) bad(at, "values nest deeper than " + std::to_string(kMaxDepth) + " levels");
    }
    PyValue* tuple(std::vector<PyValue*> items, std::size_t at) {
        PyValue* t = value(Kind::Tuple);
        for (PyValue* x : items) grow(t, x, at);
        t->items = std::move(items);
        return t;
    }
    void set_item(PyValue* d, PyValue* k, PyValue* v, std::size_t at) {
        if (d->kind != Kind::Dict) bad(at, "SETITEM on a " + d->type_name());
        grow(d, k, at);
        grow(d, v, at);
        d->entries.emplace_back(k, v);
    }
    void append(PyValue* l, PyValue* x, std::size_t at) {
        if (l->kind != Kind::List) bad(at, "APPEND on a " + l->type_name());
        grow(l, x, at);
        l->items.push_back(x);
    }

    PyValue* long_bytes(std::string_view v) {
        if (v.size() <= 8) {
            std::uint64_t x = 0;
            for (std::size_t i = 0; i < v.size(); ++i) x |= static_cast<std::uint64_t>(static_cast<unsigned char>(v[i])) << (8 * i);
            if (!v.empty() && v.size() < 8 && (static_cast<unsigned char>(v.back()) & 0x80))
                x |= ~std::uint64_t{0} << (8 * v.size());  // sign-extend
            return integer(static_cast<std::int64_t>(x));
        }
        return text(Kind::BigInt, v);
    }

    PyValue* global(const std::string& module, const std::string& name, std::size_t at) {
        const std::string g = module + "." + name;
        const auto& ok = u_.allowed();
        IMRAM_CHECK(std::find(ok.begin(), ok.end(), g) != ok.end(), src_, ": refusing to load: the pickle at offset ", at,
                    " refers to global '", g, "', which is not allowed (only ", u_.what(),
                    "; nothing in the file is executed)");
        return text(Kind::Global, g);
    }

    PyValue* tensor(const std::vector<PyValue*>& a, std::size_t at, const std::string& fn) {
        auto ints = [&](const PyValue* t, const char* what) {
            if (t->kind != Kind::Tuple && t->kind != Kind::List) bad(at, fn + ": " + what + " must be a tuple");
            std::vector<std::int64_t> out;
            for (const PyValue* x : t->items) {
                if (x->kind != Kind::Int) bad(at, fn + ": " + what + " must hold integers");
                out.push_back(x->i);
            }
            return out;
        };
        if (a[0]->kind != Kind::Storage) bad(at, fn + ": first argument must be a storage, got " + a[0]->type_name());
        if (a[1]->kind != Kind::Int) bad(at, fn + ": storage offset must be an integer");
        PyValue* t = value(Kind::Tensor);
        t->storage = a[0];
        t->offset = a[1]->i;
        t->size = ints(a[2], "size");
        t->stride = ints(a[3], "stride");
        if (t->size.size() != t->stride.size()) bad(at, fn + ": size and stride have different lengths");
        return t;
    }

    PyValue* scalar(const PyValue* dtype, const PyValue* data, std::size_t at) {
        if (dtype->kind != Kind::Dtype || data->kind != Kind::Bytes) bad(at, "numpy scalar: expected (dtype, bytes)");
        const std::string& code = dtype->s;
        const bool big = dtype->b;  // byte order '>'
        std::string raw = data->s;
        if (big) std::reverse(raw.begin(), raw.end());
        auto need = [&](std::size_t n) {
            if (raw.size() != n) bad(at, "numpy scalar of type " + code + " must hold " + std::to_string(n) + " bytes");
        };
        if (code == "f8") {
            need(8);
            PyValue* v = value(Kind::Float);
            std::memcpy(&v->f, raw.data(), 8);
            return v;
        }
        if (code == "f4") {
            need(4);
            float f;
            std::memcpy(&f, raw.data(), 4);
            PyValue* v = value(Kind::Float);
            v->f = f;
            return v;
        }
        if (code == "b1") {
            need(1);
            PyValue* v = value(Kind::Bool);
            v->b = raw[0] != 0;
            return v;
        }
        if (code.size() == 2 && (code[0] == 'i' || code[0] == 'u') && (code[1] == '1' || code[1] == '2' || code[1] == '4' || code[1] == '8')) {
            const std::size_t n = static_cast<std::size_t>(code[1] - '0');
            need(n);
            if (code[0] == 'u' && n == 8 && (static_cast<unsigned char>(raw[7]) & 0x80)) return text(Kind::BigInt, raw + '\0');
            if (code[0] == 'u') raw.push_back('\0');  // keep it non-negative
            return long_bytes(raw);
        }
        bad(at, "numpy scalar of unsupported type '" + code + "'");
    }

    /// REDUCE and NEWOBJ: a call of an allow-listed global, interpreted rather than executed.
    PyValue* call(const PyValue* fn, const PyValue* args, std::size_t at) {
        if (fn->kind != Kind::Global) bad(at, "call of a " + fn->type_name() + " (only globals can be called)");
        if (args->kind != Kind::Tuple) bad(at, "call of " + fn->s + " with non-tuple arguments");
        const std::string& g = fn->s;
        const std::vector<PyValue*>& a = args->items;
        if (g == "collections.OrderedDict") {
            PyValue* d = value(Kind::Dict);
            if (a.empty()) return d;
            if (a.size() == 1 && a[0]->kind == Kind::List) {
                for (PyValue* kv : a[0]->items) {
                    if (kv->kind != Kind::Tuple || kv->items.size() != 2) bad(at, "OrderedDict(items): items must be pairs");
                    set_item(d, kv->items[0], kv->items[1], at);
                }
                return d;
            }
            bad(at, "OrderedDict called with unexpected arguments");
        }
        if (g == "torch._utils._rebuild_tensor_v2") {
            if (a.size() < 6 || a.size() > 7) bad(at, g + " expects 6 or 7 arguments, got " + std::to_string(a.size()));
            return tensor(a, at, g);
        }
        if (g == "torch._utils._rebuild_tensor") {
            if (a.size() != 4) bad(at, g + " expects 4 arguments, got " + std::to_string(a.size()));
            return tensor(a, at, g);
        }
        if (g == "torch._utils._rebuild_parameter") {
            if (a.size() != 3 || a[0]->kind != Kind::Tensor) bad(at, g + " expects (tensor, requires_grad, hooks)");
            return a[0];
        }
        if (g == "argparse.Namespace") {
            if (!a.empty()) bad(at, "argparse.Namespace is rebuilt from no arguments");
            return text(Kind::Object, g);
        }
        if (g == "easydict.EasyDict") {
            // A dict subclass (CAMP's saved config): pickled as EasyDict() followed by SETITEMS with its
            // items and a BUILD with its __dict__, which repeats them. Read as a plain dict of its items.
            if (!a.empty()) bad(at, "easydict.EasyDict is rebuilt from no arguments");
            return value(Kind::Dict);
        }
        if (g == "vocab.Vocabulary") {  // NEWOBJ(cls, ()): an instance whose BUILD sets its attributes
            if (!a.empty()) bad(at, "vocab.Vocabulary is rebuilt from no arguments");
            return text(Kind::Object, g);
        }
        if (g == "copy_reg._reconstructor" || g == "copyreg._reconstructor") {
            // _reconstructor(cls, object, None): object.__new__(cls); BUILD follows.
            if (a.size() != 3 || a[0]->kind != Kind::Global || a[1]->kind != Kind::Global ||
                (a[1]->s != "__builtin__.object" && a[1]->s != "builtins.object") || a[2]->kind != Kind::None)
                bad(at, g + " expects (class, object, None)");
            if (a[0]->s == "vocab.Vocabulary") return text(Kind::Object, a[0]->s);
            bad(at, g + " of '" + a[0]->s + "'");
        }
        if (g == "numpy.dtype") {
            if (a.empty() || a[0]->kind != Kind::Str) bad(at, "numpy.dtype expects a type code");
            return text(Kind::Dtype, a[0]->s);
        }
        if (g == "numpy.core.multiarray.scalar" || g == "numpy._core.multiarray.scalar") {
            if (a.size() != 2) bad(at, "numpy scalar expects (dtype, bytes)");
            return scalar(a[0], a[1], at);
        }
        if (g == "_codecs.encode") {
            if (a.size() != 2 || a[0]->kind != Kind::Str || a[1]->kind != Kind::Str) bad(at, "_codecs.encode expects (str, encoding)");
            if (a[1]->s == "latin1" || a[1]->s == "latin-1") return text(Kind::Bytes, latin1_bytes(a[0]->s, src_));
            if (a[1]->s == "utf-8" || a[1]->s == "utf8") return text(Kind::Bytes, a[0]->s);
            bad(at, "_codecs.encode with unsupported encoding '" + a[1]->s + "'");
        }
        bad(at, "'" + g + "' cannot be called");
    }

    void build(PyValue* obj, PyValue* state, std::size_t at) {
        if (obj->kind == Kind::Object) {
            PyValue* d = state;
            if (d->kind == Kind::Tuple && !d->items.empty()) d = d->items[0];  // (dict, slots)
            if (d->kind != Kind::Dict) bad(at, "BUILD of " + obj->s + " with a " + d->type_name() + " state");
            for (auto& [k, v] : d->entries) {
                if (k->kind != Kind::Str) bad(at, "attribute names of " + obj->s + " must be strings");
                grow(obj, v, at);
                obj->entries.emplace_back(k, v);
            }
            return;
        }
        if (obj->kind == Kind::Dict) {
            // An OrderedDict's instance attributes (a state dict's _metadata with per-module versions), an
            // EasyDict's (the same values as its items): not part of the dict's contents.
            if (state->kind != Kind::Dict && state->kind != Kind::None) bad(at, "BUILD of a dict with a " + state->type_name());
            return;
        }
        if (obj->kind == Kind::Dtype) {
            // numpy's dtype state: (version, byte order, ...).
            if (state->kind != Kind::Tuple || state->items.size() < 2 || state->items[1]->kind != Kind::Str)
                bad(at, "BUILD of a numpy.dtype with an unexpected state");
            obj->b = state->items[1]->s == ">";
            return;
        }
        bad(at, "BUILD of a " + obj->type_name());
    }

    void memo_put(std::uint64_t idx, std::size_t at) { memo_[idx] = top(at); }
    void memo_get(std::uint64_t idx, std::size_t at) {
        const auto it = memo_.find(idx);
        if (it == memo_.end()) bad(at, "memo entry " + std::to_string(idx) + " was never stored");
        push(it->second);
    }

    void step(unsigned char op, std::size_t at) {
        switch (op) {
            case 0x80: {  // PROTO
                const auto p = uint(1, "protocol");
                IMRAM_CHECK(p >= 2 && p <= 5, src_, ": pickle protocol ", p, " at offset ", at, " is not supported (2 to 5)");
                return;
            }
            case 0x95: uint(8, "frame length"); return;  // FRAME: the frame's bytes follow inline
            case '(': marks_.push_back(stack_.size()); return;
            case '0': pop(at); return;
            case '1': pop_mark(at); return;
            case '2': push(top(at)); return;
            case 'N': push(value(Kind::None)); return;
            case 0x88:
            case 0x89: {
                PyValue* v = value(Kind::Bool);
                v->b = op == 0x88;
                push(v);
                return;
            }
            case 'J': push(integer(static_cast<std::int32_t>(uint(4, "BININT")))); return;
            case 'K': push(integer(static_cast<std::int64_t>(uint(1, "BININT1")))); return;
            case 'M': push(integer(static_cast<std::int64_t>(uint(2, "BININT2")))); return;
            case 0x8a: push(long_bytes(take(uint(1, "LONG1 length"), "LONG1"))); return;
            case 0x8b: {
                const auto n = static_cast<std::int32_t>(uint(4, "LONG4 length"));
                if (n < 0) bad(at, "negative LONG4 length");
                push(long_bytes(take(static_cast<std::uint64_t>(n), "LONG4")));
                return;
            }
            case 'G': {
                std::uint64_t bits = 0;
                for (char c : take(8, "BINFLOAT")) bits = (bits << 8) | static_cast<unsigned char>(c);  // big-endian
                PyValue* v = value(Kind::Float);
                std::memcpy(&v->f, &bits, 8);
                push(v);
                return;
            }
            case 'X': push(text(Kind::Str, take(uint(4, "BINUNICODE length"), "BINUNICODE"))); return;
            case 0x8c: push(text(Kind::Str, take(uint(1, "SHORT_BINUNICODE length"), "SHORT_BINUNICODE"))); return;
            case 0x8d: push(text(Kind::Str, take(uint(8, "BINUNICODE8 length"), "BINUNICODE8"))); return;
            // Python 2's str: torch.load reads it as text, and so do we.
            case 'T': {
                const auto n = static_cast<std::int32_t>(uint(4, "BINSTRING length"));
                if (n < 0) bad(at, "negative BINSTRING length");
                push(text(Kind::Str, take(static_cast<std::uint64_t>(n), "BINSTRING")));
                return;
            }
            case 'U': push(text(Kind::Str, take(uint(1, "SHORT_BINSTRING length"), "SHORT_BINSTRING"))); return;
            case 'B': push(text(Kind::Bytes, take(uint(4, "BINBYTES length"), "BINBYTES"))); return;
            case 'C': push(text(Kind::Bytes, take(uint(1, "SHORT_BINBYTES length"), "SHORT_BINBYTES"))); return;
            case 0x8e: push(text(Kind::Bytes, take(uint(8, "BINBYTES8 length"), "BINBYTES8"))); return;
            case ')': push(tuple({}, at)); return;
            case 't': push(tuple(pop_mark(at), at)); return;
            case 0x85:
            case 0x86:
            case 0x87: {
                const std::size_t n = op - 0x84u;
                std::vector<PyValue*> items(n);
                for (std::size_t k = n; k-- > 0;) items[k] = pop(at);
                push(tuple(std::move(items), at));
                return;
            }
            case ']': push(value(Kind::List)); return;
            case 'l': {
                PyValue* l = value(Kind::List);
                for (PyValue* x : pop_mark(at)) append(l, x, at);
                push(l);
                return;
            }
            case 'a': {
                PyValue* x = pop(at);
                append(top(at), x, at);
                return;
            }
            case 'e': {
                const std::vector<PyValue*> xs = pop_mark(at);
                PyValue* l = top(at);
                for (PyValue* x : xs) append(l, x, at);
                return;
            }
            case '}': push(value(Kind::Dict)); return;
            case 'd': {
                const std::vector<PyValue*> kv = pop_mark(at);
                if (kv.size() % 2) bad(at, "DICT with an odd number of items");
                PyValue* d = value(Kind::Dict);
                for (std::size_t k = 0; k < kv.size(); k += 2) set_item(d, kv[k], kv[k + 1], at);
                push(d);
                return;
            }
            case 's': {
                PyValue* v = pop(at);
                PyValue* k = pop(at);
                set_item(top(at), k, v, at);
                return;
            }
            case 'u': {
                const std::vector<PyValue*> kv = pop_mark(at);
                if (kv.size() % 2) bad(at, "SETITEMS with an odd number of items");
                PyValue* d = top(at);
                for (std::size_t k = 0; k < kv.size(); k += 2) set_item(d, kv[k], kv[k + 1], at);
                return;
            }
            case 'c': {
                const std::string module = line("GLOBAL module");
                const std::string name = line("GLOBAL name");
                push(global(module, name, at));
                return;
            }
            case 0x93: {
                PyValue* name = pop(at);
                PyValue* module = pop(at);
                if (module->kind != Kind::Str || name->kind != Kind::Str) bad(at, "STACK_GLOBAL needs two strings");
                push(global(module->s, name->s, at));
                return;
            }
            case 'R':
            case 0x81: {
                PyValue* args = pop(at);
                PyValue* fn = pop(at);
                push(call(fn, args, at));
                return;
            }
            case 'b': {
                PyValue* state = pop(at);
                build(top(at), state, at);
                return;
            }
            case 'q': memo_put(uint(1, "BINPUT"), at); return;
            case 'r': memo_put(uint(4, "LONG_BINPUT"), at); return;
            case 0x94: memo_put(memo_.size(), at); return;
            case 'h': memo_get(uint(1, "BINGET"), at); return;
            case 'j': memo_get(uint(4, "LONG_BINGET"), at); return;
            case 'Q': {
                PyValue* pid = pop(at);
                if (!persistent_) bad(at, "persistent id where none is expected");
                push(persistent_(*pid));
                return;
            }
            default: {
                static const char* hex = "0123456789abcdef";
                bad(at, std::string("unsupported opcode 0x") + hex[op >> 4] + hex[op & 15] + " (only the binary protocols 1 to 5 are read; torch.save writes 2)");
            }
        }
    }

    Unpickler& u_;
    const std::string& src_;
    std::string_view b_;
    std::size_t pos_;
    const PersistentLoad& persistent_;
    std::vector<PyValue*> stack_;
    std::vector<std::size_t> marks_;
    std::unordered_map<std::uint64_t, PyValue*> memo_;
};

}  // namespace

const PyValue* Unpickler::load(std::string_view bytes, std::size_t& pos, const PersistentLoad& persistent) {
    Machine m(*this, bytes, pos, persistent);
    return m.run(pos);
}

}  // namespace imram::pth
