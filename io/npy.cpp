// SPDX-License-Identifier: MIT
#include "io/npy.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string_view>
#include <utility>
#include <vector>

#include "base/check.h"
#include "base/file_io.h"
#include "base/utf8.h"

namespace imram::io {
namespace {

static_assert(std::endian::native == std::endian::little, "the .npy reader assumes a little-endian host");

constexpr char kMagic[] = "\x93NUMPY";
constexpr std::size_t kMagicLen = 6;

// ---- a small parser for the Python literal in the header:
//   {'descr': '<f4', 'fortran_order': False, 'shape': (5, 36, 2048), }
// Dicts, tuples, lists, quoted strings (with the usual escapes), integers (Python 2 wrote "5L"),
// True/False/None. Anything else is an error that names the offset.
struct PyValue {
    enum class Kind { Str, Int, Bool, None, Tuple, List, Dict } kind = Kind::None;
    std::string str;
    std::int64_t num = 0;
    bool flag = false;
    std::vector<PyValue> items;                           // Tuple, List
    // Dict, in file order. Keys and values apart: a vector of pair<string, PyValue> needs the
    // complete PyValue where libstdc++ under clang checks pair's constructibility.
    std::vector<std::string> keys;
    std::vector<PyValue> values;
};

const char* kind_name(PyValue::Kind k) {
    switch (k) {
        case PyValue::Kind::Str:
            return "a string";
        case PyValue::Kind::Int:
            return "an integer";
        case PyValue::Kind::Bool:
            return "a bool";
        case PyValue::Kind::None:
            return "None";
        case PyValue::Kind::Tuple:
            return "a tuple";
        case PyValue::Kind::List:
            return "a list";
        case PyValue::Kind::Dict:
            return "a dict";
    }
    return "?";
}

class LiteralParser {
public:
    LiteralParser(std::string_view text, const std::string& path) : s_(text), path_(path) {}

    PyValue parse_all() {
        PyValue v = value();
        skip_ws();
        if (i_ != s_.size()) fail("unexpected text after the dict");
        return v;
    }

private:
    [[noreturn]] void fail(const std::string& why) const {
        IMRAM_FAIL(path_, ": header is not a valid Python literal (", why, " at header offset ", i_, "): ", s_);
    }
    void skip_ws() {
        while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
    }
    bool eat(char c) {
        skip_ws();
        if (i_ < s_.size() && s_[i_] == c) {
            ++i_;
            return true;
        }
        return false;
    }
    PyValue value() {
        if (++depth_ > 16) fail("nesting too deep");
        skip_ws();
        if (i_ >= s_.size()) fail("unexpected end");
        PyValue v;
        const char c = s_[i_];
        if (c == '{') {
            ++i_;
            v.kind = PyValue::Kind::Dict;
            while (!eat('}')) {
                PyValue key = value();
                if (key.kind != PyValue::Kind::Str) fail("dict key is not a string");
                if (!eat(':')) fail("expected ':'");
                v.keys.push_back(key.str);
                v.values.push_back(value());
                if (!eat(',')) {
                    if (!eat('}')) fail("expected ',' or '}'");
                    break;
                }
            }
        } else if (c == '(' || c == '[') {
            const char close = c == '(' ? ')' : ']';
            ++i_;
            v.kind = c == '(' ? PyValue::Kind::Tuple : PyValue::Kind::List;
            bool comma = false;  // "(5)" is an int in Python, "(5,)" a tuple
            while (!eat(close)) {
                v.items.push_back(value());
                comma = eat(',');
                if (!comma) {
                    if (!eat(close)) fail(std::string("expected ',' or '") + close + "'");
                    break;
                }
            }
            if (c == '(' && v.items.size() == 1 && !comma) {
                PyValue inner = std::move(v.items[0]);
                v = std::move(inner);
            }
        } else if (c == '\'' || c == '"') {
            v.kind = PyValue::Kind::Str;
            v.str = string_body();
        } else if ((c == 'u' || c == 'b') && i_ + 1 < s_.size() && (s_[i_ + 1] == '\'' || s_[i_ + 1] == '"')) {
            ++i_;
            v.kind = PyValue::Kind::Str;
            v.str = string_body();
        } else if (c == '-' || c == '+' || (c >= '0' && c <= '9')) {
            v.kind = PyValue::Kind::Int;
            v.num = integer();
        } else {
            std::size_t j = i_;
            while (j < s_.size() && ((s_[j] >= 'A' && s_[j] <= 'Z') || (s_[j] >= 'a' && s_[j] <= 'z'))) ++j;
            const std::string_view word = s_.substr(i_, j - i_);
            if (word == "True" || word == "False") {
                v.kind = PyValue::Kind::Bool;
                v.flag = word == "True";
            } else if (word == "None") {
                v.kind = PyValue::Kind::None;
            } else {
                fail("unexpected character '" + std::string(1, c) + "'");
            }
            i_ = j;
        }
        --depth_;
        return v;
    }
    std::string string_body() {
        const char quote = s_[i_++];
        std::string out;
        while (true) {
            if (i_ >= s_.size()) fail("unterminated string");
            const char c = s_[i_++];
            if (c == quote) break;
            if (c == '\n') fail("newline inside a string");
            if (c != '\\') {
                out.push_back(c);
                continue;
            }
            if (i_ >= s_.size()) fail("unterminated string");
            const char e = s_[i_++];
            switch (e) {
                case 'n':
                    out.push_back('\n');
                    break;
                case 't':
                    out.push_back('\t');
                    break;
                case 'r':
                    out.push_back('\r');
                    break;
                case '0':
                    out.push_back('\0');
                    break;
                case '\\':
                case '\'':
                case '"':
                    out.push_back(e);
                    break;
                default:
                    fail(std::string("unsupported escape '\\") + e + "'");
            }
        }
        return out;
    }
    std::int64_t integer() {
        bool neg = false;
        if (s_[i_] == '-' || s_[i_] == '+') neg = s_[i_++] == '-';
        if (i_ >= s_.size() || s_[i_] < '0' || s_[i_] > '9') fail("expected digits");
        std::int64_t v = 0;
        while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') {
            const int d = s_[i_++] - '0';
            if (v > (std::numeric_limits<std::int64_t>::max() - d) / 10) fail("integer too large");
            v = v * 10 + d;
        }
        if (i_ < s_.size() && (s_[i_] == 'L' || s_[i_] == 'l')) ++i_;  // Python 2 long
        return neg ? -v : v;
    }

    std::string_view s_;
    const std::string& path_;
    std::size_t i_ = 0;
    int depth_ = 0;
};

// "'<f8' (float64)" for error messages.
std::string describe_descr(const std::string& d) {
    std::string kind;
    if (d.size() >= 3) {
        const char order = d[0];
        const std::string code = d.substr(1);
        const char* name = nullptr;
        if (code == "f2") name = "float16";
        if (code == "f4") name = "float32";
        if (code == "f8") name = "float64";
        if (code == "i1") name = "int8";
        if (code == "i2") name = "int16";
        if (code == "i4") name = "int32";
        if (code == "i8") name = "int64";
        if (code == "u1") name = "uint8";
        if (code == "u2") name = "uint16";
        if (code == "u4") name = "uint32";
        if (code == "u8") name = "uint64";
        if (code == "b1") name = "bool";
        if (name) {
            kind = name;
            if (order == '>') kind = "big-endian " + kind;
        }
    }
    return "'" + d + "'" + (kind.empty() ? std::string() : " (" + kind + ")");
}

struct Header {
    std::size_t data_offset = 0;
    Shape shape;
    std::int64_t numel = 1;
};

// The descr of the element types this reader and writer support (both 4 bytes wide).
const char* descr_of(DType t) { return t == DType::I32 ? "<i4" : "<f4"; }
const char* descr_meaning(DType t) { return t == DType::I32 ? "little-endian int32" : "little-endian float32"; }

Header parse_header(int fd, const std::string& path, std::uint64_t file_size, DType dtype) {
    unsigned char pre[12] = {};
    const std::size_t want = file_size < sizeof(pre) ? static_cast<std::size_t>(file_size) : sizeof(pre);
    const ssize_t got = ::pread(fd, pre, want, 0);
    IMRAM_CHECK(got == static_cast<ssize_t>(want), path, ": read error: ", std::strerror(errno));
    IMRAM_CHECK(file_size >= 10, path, ": not a .npy file (", file_size, " bytes, shorter than the 10-byte preamble)");
    IMRAM_CHECK(std::memcmp(pre, kMagic, kMagicLen) == 0, path,
                ": not a .npy file (bad magic: expected \\x93NUMPY at offset 0)");
    const int major = pre[6], minor = pre[7];
    IMRAM_CHECK((major == 1 || major == 2 || major == 3) && minor == 0, path, ": unsupported .npy format version ",
                major, ".", minor, " (supported: 1.0, 2.0, 3.0)");
    std::size_t prefix = 0;
    std::uint64_t header_len = 0;
    if (major == 1) {
        prefix = 10;
        header_len = static_cast<std::uint64_t>(pre[8]) | (static_cast<std::uint64_t>(pre[9]) << 8);
    } else {
        IMRAM_CHECK(file_size >= 12, path, ": truncated .npy preamble (", file_size, " bytes, version ", major,
                    ".0 needs 12)");
        prefix = 12;
        header_len = static_cast<std::uint64_t>(pre[8]) | (static_cast<std::uint64_t>(pre[9]) << 8) |
                     (static_cast<std::uint64_t>(pre[10]) << 16) | (static_cast<std::uint64_t>(pre[11]) << 24);
    }
    IMRAM_CHECK(prefix + header_len <= file_size, path, ": header length ", header_len, " (version ", major,
                ".0) runs past the end of the file (", file_size, " bytes)");
    std::string text(static_cast<std::size_t>(header_len), '\0');
    if (header_len > 0) {
        const ssize_t n = ::pread(fd, text.data(), text.size(), static_cast<off_t>(prefix));
        IMRAM_CHECK(n == static_cast<ssize_t>(text.size()), path, ": read error in the header: ", std::strerror(errno));
    }
    if (major == 3) {
        const std::size_t bad = utf8::find_invalid(text);
        IMRAM_CHECK(bad == utf8::npos, path, ": version 3.0 header is not valid UTF-8 (byte ", bad, ")");
    } else {
        for (std::size_t k = 0; k < text.size(); ++k)
            IMRAM_CHECK(static_cast<unsigned char>(text[k]) < 0x80, path, ": version ", major,
                        ".0 header has a non-ASCII byte at header offset ", k, " (only 3.0 headers may be UTF-8)");
    }

    const PyValue dict = LiteralParser(text, path).parse_all();
    IMRAM_CHECK(dict.kind == PyValue::Kind::Dict, path, ": header is ", kind_name(dict.kind), ", expected a dict");
    const PyValue* descr = nullptr;
    const PyValue* fortran = nullptr;
    const PyValue* shape = nullptr;
    for (std::size_t f = 0; f < dict.keys.size(); ++f) {
        const std::string& key = dict.keys[f];
        const PyValue& val = dict.values[f];
        const PyValue** slot = key == "descr"           ? &descr
                               : key == "fortran_order" ? &fortran
                               : key == "shape"         ? &shape
                                                        : nullptr;
        IMRAM_CHECK(slot != nullptr, path, ": header has an unexpected field '", key,
                    "' (expected exactly 'descr', 'fortran_order', 'shape')");
        IMRAM_CHECK(*slot == nullptr, path, ": header field '", key, "' appears twice");
        *slot = &val;
    }
    IMRAM_CHECK(descr != nullptr, path, ": header field 'descr' is missing");
    IMRAM_CHECK(fortran != nullptr, path, ": header field 'fortran_order' is missing");
    IMRAM_CHECK(shape != nullptr, path, ": header field 'shape' is missing");

    IMRAM_CHECK(descr->kind == PyValue::Kind::Str, path, ": header field 'descr' is ", kind_name(descr->kind),
                " (a structured dtype?): expected '", descr_of(dtype), "' (", descr_meaning(dtype), ")");
    IMRAM_CHECK(descr->str == descr_of(dtype), path, ": header field 'descr': dtype ", describe_descr(descr->str),
                ": expected '", descr_of(dtype), "' (", descr_meaning(dtype), ")");
    IMRAM_CHECK(fortran->kind == PyValue::Kind::Bool, path, ": header field 'fortran_order' is ",
                kind_name(fortran->kind), ", expected True or False");
    IMRAM_CHECK(!fortran->flag, path,
                ": header field 'fortran_order' is True (column-major data is not supported; "
                "save with np.ascontiguousarray)");
    IMRAM_CHECK(shape->kind == PyValue::Kind::Tuple, path, ": header field 'shape' is ", kind_name(shape->kind),
                ", expected a tuple of non-negative integers like (5, 36, 2048)");

    Header h;
    h.data_offset = prefix + static_cast<std::size_t>(header_len);
    // Bytes the shape spans with a zero dimension counted as 1: an empty array's strides still
    // multiply its other dimensions, so those must not overflow either.
    std::int64_t span = 4;
    for (std::size_t d = 0; d < shape->items.size(); ++d) {
        const PyValue& dim = shape->items[d];
        IMRAM_CHECK(dim.kind == PyValue::Kind::Int, path, ": header field 'shape': entry ", d, " is ",
                    kind_name(dim.kind), ", expected a non-negative integer");
        IMRAM_CHECK(dim.num >= 0, path, ": header field 'shape': entry ", d, " is negative (", dim.num, ")");
        IMRAM_CHECK(!__builtin_mul_overflow(span, std::max<std::int64_t>(dim.num, 1), &span), path,
                    ": header field 'shape': the element count overflows");
        h.numel *= dim.num;
        h.shape.push_back(dim.num);
    }
    return h;
}

}  // namespace

Tensor load_npy(const std::string& path, DType dtype) {
    IMRAM_CHECK(dtype == DType::F32 || dtype == DType::I32, "load_npy ", path, ": dtype ", dtype_name(dtype),
                " is not supported (F32 or I32)");
    // A directory or device is refused here (it has no size to check the header against).
    std::uint64_t file_size = 0;
    const int fd = open_regular_file(path, file_size);
    struct FdCloser {
        int fd;
        ~FdCloser() { ::close(fd); }
    } closer{fd};

    const Header h = parse_header(fd, path, file_size, dtype);
    const auto data_bytes = static_cast<std::uint64_t>(h.numel) * 4;
    const std::uint64_t expected = h.data_offset + data_bytes;
    IMRAM_CHECK(file_size >= expected, path, ": truncated: header field 'shape' ", h.shape, " needs ", expected,
                " bytes (", h.data_offset, " header + ", data_bytes, " data), the file has ", file_size);
    IMRAM_CHECK(file_size == expected, path, ": ", file_size - expected,
                " unexpected trailing bytes: header field 'shape' ", h.shape, " needs ", expected, " bytes (",
                h.data_offset, " header + ", data_bytes, " data), the file has ", file_size);

    if (h.data_offset % alignof(float) != 0) {
        // Never written by NumPy (it pads the header to 16 or 64 bytes); copy rather than read floats
        // through a misaligned pointer.
        auto storage = std::make_shared<Storage>(static_cast<std::size_t>(data_bytes), Device::cpu());
        std::size_t done = 0;
        auto* dst = static_cast<char*>(storage->data());
        while (done < data_bytes) {
            const ssize_t n = ::pread(fd, dst + done, static_cast<std::size_t>(data_bytes) - done,
                                      static_cast<off_t>(h.data_offset + done));
            if (n < 0 && errno == EINTR) continue;
            IMRAM_CHECK(n > 0, path, ": read error in the data: ", std::strerror(errno));
            done += static_cast<std::size_t>(n);
        }
        return make_tensor(std::move(storage), h.shape, dtype, Device::cpu());
    }

    const auto map_len = static_cast<std::size_t>(file_size);
    void* base = ::mmap(nullptr, map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    IMRAM_CHECK(base != MAP_FAILED, path, ": mmap of ", map_len, " bytes failed: ", std::strerror(errno));
    auto storage =
        std::make_shared<Storage>(static_cast<char*>(base) + h.data_offset, static_cast<std::size_t>(data_bytes),
                                  Device::cpu(), [base, map_len](void*) { ::munmap(base, map_len); });
    return make_tensor(std::move(storage), h.shape, dtype, Device::cpu());
}

void save_npy(const std::string& path, const Tensor& t) {
    IMRAM_CHECK(t.defined(), "save_npy ", path, ": undefined tensor");
    IMRAM_CHECK(t.dtype() == DType::F32 || t.dtype() == DType::I32, "save_npy ", path, ": tensor is ", t.describe(),
                "; only F32 and I32 are supported");
    Tensor host = t.device().is_host() ? t : t.to(Device::cpu());
    host = host.contiguous();

    std::string header = std::string("{'descr': '") + descr_of(host.dtype()) + "', 'fortran_order': False, 'shape': (";
    for (std::size_t d = 0; d < host.shape().size(); ++d) {
        if (d > 0) header += ", ";
        header += std::to_string(host.shape()[d]);
    }
    if (host.shape().size() == 1) header += ",";
    header += "), }";
    // Version 1.0: 10-byte preamble; pad with spaces and end with '\n' so the data is 64-byte aligned.
    const std::size_t unpadded = 10 + header.size() + 1;
    header.append((64 - unpadded % 64) % 64, ' ');
    header.push_back('\n');
    IMRAM_CHECK(header.size() <= 0xFFFF, "save_npy ", path, ": header too long for format 1.0");

    const std::size_t data_bytes = host.nbytes();
    std::string bytes;
    bytes.reserve(10 + header.size() + data_bytes);
    bytes.append(kMagic, kMagicLen);
    bytes.push_back('\x01');
    bytes.push_back('\x00');
    bytes.push_back(static_cast<char>(header.size() & 0xFF));
    bytes.push_back(static_cast<char>((header.size() >> 8) & 0xFF));
    bytes += header;
    if (data_bytes > 0) bytes.append(static_cast<const char*>(host.raw_data()), data_bytes);
    write_file_atomic(path, bytes);
}

}  // namespace imram::io
