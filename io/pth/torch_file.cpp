// SPDX-License-Identifier: MIT
#include "io/pth/torch_file.h"

#include <cstring>

#include "base/check.h"
#include "base/file_io.h"
#include "io/pth/zip_reader.h"

namespace imram::pth {
namespace {

using Kind = PyValue::Kind;

// The legacy format's magic number 0x1950a86a20f9469cfc6c, as pickle's little-endian LONG1 bytes.
constexpr char kMagic[] = "\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19";
constexpr std::int64_t kLegacyProtocol = 1001;

std::size_t element_size(const std::string& type) {
    if (type == "DoubleStorage" || type == "LongStorage") return 8;
    if (type == "FloatStorage" || type == "IntStorage") return 4;
    if (type == "HalfStorage" || type == "BFloat16Storage" || type == "ShortStorage") return 2;
    if (type == "CharStorage" || type == "ByteStorage" || type == "BoolStorage") return 1;
    return 0;
}

std::string hex_bytes(std::string_view b) {
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (char c : b) {
        if (!out.empty()) out += ' ';
        out += hex[(static_cast<unsigned char>(c) >> 4) & 15];
        out += hex[static_cast<unsigned char>(c) & 15];
    }
    return out;
}

/// The fields every storage persistent id starts with: ('storage', torch.<T>Storage, key, location, numel).
struct StorageId {
    std::string type, key, location;
    std::int64_t numel;
};

StorageId storage_id(const PyValue& pid, std::size_t expected_len, const std::string& src) {
    const char* layout = expected_len == 5 ? "('storage', type, key, location, numel)"
                                           : "('storage', type, key, location, numel, view)";
    IMRAM_CHECK(pid.kind == Kind::Tuple && pid.items.size() == expected_len, src, ": persistent id must be ", layout,
                ", got a ", pid.type_name(), " of ", pid.items.size(), " items");
    const auto& it = pid.items;
    IMRAM_CHECK(it[0]->kind == Kind::Str && it[0]->s == "storage", src, ": persistent id of unknown kind (expected 'storage')");
    IMRAM_CHECK(it[1]->kind == Kind::Global && it[1]->s.rfind("torch.", 0) == 0 && element_size(it[1]->s.substr(6)) > 0,
                src, ": persistent id names ", it[1]->type_name(), " where a torch storage class is expected");
    IMRAM_CHECK(it[2]->kind == Kind::Str && it[3]->kind == Kind::Str && it[4]->kind == Kind::Int && it[4]->i >= 0, src,
                ": persistent id ", layout, " has a field of the wrong type");
    return {it[1]->s.substr(6), it[2]->s, it[3]->s, it[4]->i};
}

/// Bytes of one storage: `numel` elements of `type`, checked against what is available.
std::string storage_bytes(std::string_view avail, const StorageId& id, const std::string& src, const char* where) {
    const std::size_t es = element_size(id.type);
    IMRAM_CHECK(static_cast<std::uint64_t>(id.numel) <= avail.size() / es, src, ": storage '", id.key, "' (", id.type,
                ") is shorter than announced: ", id.numel, " elements need ", static_cast<std::uint64_t>(id.numel) * es,
                " bytes but ", where, " holds ", avail.size());
    return std::string(avail.substr(0, static_cast<std::size_t>(id.numel) * es));
}

float half_to_float(std::uint16_t h) {
    const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000) << 16;
    std::uint32_t exp = (h >> 10) & 0x1f, mant = h & 0x3ff, bits;
    if (exp == 0x1f) {
        bits = sign | 0x7f800000u | (mant << 13);
    } else if (exp == 0) {
        if (mant == 0) {
            bits = sign;
        } else {  // subnormal: normalise
            int e = -1;
            do {
                ++e;
                mant <<= 1;
            } while (!(mant & 0x400));
            bits = sign | static_cast<std::uint32_t>(127 - 15 - e) << 23 | (mant & 0x3ff) << 13;
        }
    } else {
        bits = sign | (exp + 127 - 15) << 23 | mant << 13;
    }
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
}

}  // namespace

bool looks_like_torch_file(std::string_view head) {
    return head.substr(0, 4) == std::string_view("PK\x03\x04", 4) || head.substr(0, 4) == std::string_view("\x80\x02\x8a\x0a", 4);
}

TorchFile TorchFile::load(const std::string& path) { return parse(read_file(path), path); }

TorchFile TorchFile::parse(std::string_view bytes, const std::string& src) {
    TorchFile t;
    t.unpickler_ = std::make_unique<Unpickler>(src);
    Unpickler& u = *t.unpickler_;
    std::map<std::string, PyValue*> by_key;

    if (bytes.substr(0, 4) == std::string_view("PK\x03\x04", 4)) {
        t.format_ = "zip";
        const std::vector<ZipEntry> entries = read_zip(bytes, src);
        const ZipEntry* pkl = nullptr;
        for (const ZipEntry& e : entries) {
            const std::size_t slash = e.name.find('/');
            if (slash != std::string::npos && e.name.substr(slash + 1) == "data.pkl") pkl = &e;
        }
        IMRAM_CHECK(pkl != nullptr, src, ": zip archive has no {name}/data.pkl entry: not a torch.save checkpoint");
        const std::string prefix = pkl->name.substr(0, pkl->name.size() - 8);
        std::map<std::string, std::string_view> files;
        for (const ZipEntry& e : entries) files[e.name] = e.data;
        if (auto it = files.find(prefix + "byteorder"); it != files.end())
            IMRAM_CHECK(it->second == "little", src, ": ", prefix, "byteorder is '", std::string(it->second),
                        "'; only little-endian checkpoints are supported");
        const PersistentLoad load_storage = [&](const PyValue& pid) -> PyValue* {
            const StorageId id = storage_id(pid, 5, src);
            if (auto it = by_key.find(id.key); it != by_key.end()) return it->second;
            const auto f = files.find(prefix + "data/" + id.key);
            IMRAM_CHECK(f != files.end(), src, ": storage '", id.key, "' has no entry ", prefix, "data/", id.key);
            const std::string where = "entry " + prefix + "data/" + id.key;
            Storage s{id.type, id.numel, storage_bytes(f->second, id, src, where.c_str())};
            IMRAM_CHECK(s.bytes.size() == f->second.size(), src, ": storage '", id.key, "' announces ", id.numel,
                        " elements (", s.bytes.size(), " bytes) but its entry holds ", f->second.size(), " bytes");
            t.storages_[id.key] = std::move(s);
            PyValue* v = u.make(Kind::Storage);
            v->s = id.key;
            v->storage_type = id.type;
            v->location = id.location;
            v->i = id.numel;
            return by_key[id.key] = v;
        };
        std::size_t pos = 0;
        t.root_ = u.load(pkl->data, pos, load_storage);
        IMRAM_CHECK(pos == pkl->data.size(), src, ": ", pkl->name, " has ", pkl->data.size() - pos,
                    " bytes after the end of its pickle");
        return t;
    }

    // Legacy layout.
    IMRAM_CHECK(bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x80, src,
                ": not a PyTorch checkpoint: expected a zip archive (bytes 50 4b 03 04) or the legacy format's pickled "
                "magic number (80 02 8a 0a ...), got ", hex_bytes(bytes.substr(0, 4)));
    t.format_ = "legacy";
    std::size_t pos = 0;
    const PyValue* magic = u.load(bytes, pos);
    IMRAM_CHECK(magic->kind == Kind::BigInt && magic->s == std::string_view(kMagic, 10), src,
                ": wrong magic number: expected the legacy torch.save magic 0x1950a86a20f9469cfc6c, got ",
                magic->kind == Kind::BigInt ? "bytes " + hex_bytes(magic->s) : "a " + magic->type_name());
    const PyValue* proto = u.load(bytes, pos);
    IMRAM_CHECK(proto->kind == Kind::Int && proto->i == kLegacyProtocol, src, ": legacy protocol version must be ",
                kLegacyProtocol, ", got ", proto->kind == Kind::Int ? std::to_string(proto->i) : proto->type_name());
    const PyValue* sys_info = u.load(bytes, pos);
    IMRAM_CHECK(sys_info->kind == Kind::Dict, src, ": legacy sys_info must be a dict, got a ", sys_info->type_name());
    if (const PyValue* le = sys_info->get("little_endian"))
        IMRAM_CHECK(le->kind == Kind::Bool && le->b, src, ": sys_info.little_endian is false; only little-endian "
                                                          "checkpoints are supported");
    std::map<std::string, StorageId> declared;
    const PersistentLoad declare = [&](const PyValue& pid) -> PyValue* {
        const StorageId id = storage_id(pid, 6, src);
        IMRAM_CHECK(pid.items[5]->kind == Kind::None, src, ": storage '", id.key,
                    "' is a view of another storage (PyTorch < 0.4 layout), which is not supported");
        if (auto it = by_key.find(id.key); it != by_key.end()) {
            IMRAM_CHECK(declared[id.key].type == id.type && declared[id.key].numel == id.numel, src, ": storage '", id.key,
                        "' is announced twice with different types or sizes");
            return it->second;
        }
        declared[id.key] = id;
        PyValue* v = u.make(Kind::Storage);
        v->s = id.key;
        v->storage_type = id.type;
        v->location = id.location;
        v->i = id.numel;
        return by_key[id.key] = v;
    };
    t.root_ = u.load(bytes, pos, declare);
    const PyValue* keys = u.load(bytes, pos);
    IMRAM_CHECK(keys->kind == Kind::List, src, ": the storage key list must be a list, got a ", keys->type_name());
    for (const PyValue* k : keys->items) {
        IMRAM_CHECK(k->kind == Kind::Str, src, ": storage keys must be strings, got a ", k->type_name());
        const auto d = declared.find(k->s);
        IMRAM_CHECK(d != declared.end(), src, ": storage key '", k->s, "' is listed but no tensor uses it");
        IMRAM_CHECK(!t.storages_.count(k->s), src, ": storage key '", k->s, "' is listed twice");
        IMRAM_CHECK(pos <= bytes.size() && bytes.size() - pos >= 8, src, ": truncated file: storage '", k->s,
                    "' needs its 8-byte element count at offset ", pos, " but the file has ", bytes.size(), " bytes");
        std::int64_t count = 0;
        std::memcpy(&count, bytes.data() + pos, 8);
        pos += 8;
        IMRAM_CHECK(count == d->second.numel, src, ": storage '", k->s, "' holds ", count, " elements but the pickle announced ",
                    d->second.numel);
        const std::string where = "the rest of the file (offset " + std::to_string(pos) + ")";
        Storage s{d->second.type, count, storage_bytes(bytes.substr(pos), d->second, src + " (truncated file?)", where.c_str())};
        pos += s.bytes.size();
        t.storages_[k->s] = std::move(s);
    }
    for (const auto& [key, id] : declared)
        IMRAM_CHECK(t.storages_.count(key), src, ": storage '", key, "' is used by a tensor but has no data");
    IMRAM_CHECK(pos == bytes.size(), src, ": ", bytes.size() - pos, " unexpected bytes after the last storage (offset ",
                pos, ")");
    return t;
}

Tensor TorchFile::tensor(const PyValue& v, const std::string& what) const {
    const std::string& src = source();
    IMRAM_CHECK(v.kind == Kind::Tensor, src, ": '", what, "' must be a tensor, got a ", v.type_name());
    const auto it = storages_.find(v.storage->s);
    IMRAM_CHECK(it != storages_.end(), src, ": tensor '", what, "' refers to unknown storage '", v.storage->s, "'");
    const Storage& st = it->second;
    DType dt;
    if (st.type == "FloatStorage" || st.type == "HalfStorage" || st.type == "BFloat16Storage") dt = DType::F32;
    else if (st.type == "DoubleStorage") dt = DType::F64;
    else if (st.type == "LongStorage") dt = DType::I64;
    else if (st.type == "IntStorage") dt = DType::I32;
    else if (st.type == "BoolStorage") dt = DType::Bool;
    else IMRAM_FAIL(src, ": tensor '", what, "' has elements of ", st.type, ", which imram.cpp does not support");

    // Extent check before any copy: offset + sum (size_i - 1) stride_i must lie inside the storage.
    IMRAM_CHECK(v.offset >= 0, src, ": tensor '", what, "' has a negative storage offset ", v.offset);
    __int128 numel = 1, last = v.offset;
    for (std::size_t d = 0; d < v.size.size(); ++d) {
        IMRAM_CHECK(v.size[d] >= 0 && v.stride[d] >= 0, src, ": tensor '", what, "' has a negative size or stride");
        numel *= v.size[d];
        if (numel > (__int128{1} << 48)) IMRAM_FAIL(src, ": tensor '", what, "' is implausibly large");
        if (v.size[d] > 0) last += static_cast<__int128>(v.size[d] - 1) * v.stride[d];
    }
    Shape shape(v.size.begin(), v.size.end());
    if (numel == 0) return empty(shape, dt);
    // Both checks come before the output is allocated, so a pickle cannot make the loader allocate more
    // than the file holds: the extent must lie inside the storage, and the tensor may not have more
    // elements than its storage (only a stride-0 broadcast view could, and torch.save of a model's
    // parameters never writes one).
    IMRAM_CHECK(last < st.numel, src, ": tensor '", what, "' of shape ", shape, " (offset ", v.offset, ", strides ",
                Shape(v.stride.begin(), v.stride.end()), ") reaches element ", static_cast<long long>(last),
                " of storage '", v.storage->s, "', which holds only ", st.numel, " elements");
    IMRAM_CHECK(numel <= st.numel, src, ": tensor '", what, "' of shape ", shape, " has ",
                static_cast<long long>(numel), " elements but its storage '", v.storage->s, "' holds only ", st.numel,
                " (a broadcast view; save a contiguous copy)");
    Tensor out = empty(shape, dt);

    const std::size_t es = element_size(st.type);
    const char* base = st.bytes.data();
    char* dst = static_cast<char*>(out.raw_data());
    const bool half = st.type == "HalfStorage", bf16 = st.type == "BFloat16Storage";
    const std::int64_t n = static_cast<std::int64_t>(numel);
    std::vector<std::int64_t> idx(v.size.size(), 0);  // row-major walk over the tensor's elements
    for (std::int64_t k = 0; k < n; ++k) {
        std::int64_t e = v.offset;
        for (std::size_t d = 0; d < idx.size(); ++d) e += idx[d] * v.stride[d];
        const char* from = base + static_cast<std::size_t>(e) * es;
        if (half || bf16) {
            std::uint16_t h;
            std::memcpy(&h, from, 2);
            float f = half_to_float(h);
            if (bf16) {
                const std::uint32_t bits = static_cast<std::uint32_t>(h) << 16;
                std::memcpy(&f, &bits, 4);
            }
            std::memcpy(dst + k * 4, &f, 4);
        } else {
            std::memcpy(dst + k * static_cast<std::int64_t>(es), from, es);
        }
        for (std::size_t d = idx.size(); d-- > 0;) {
            if (++idx[d] < v.size[d]) break;
            idx[d] = 0;
        }
    }
    return out;
}

}  // namespace imram::pth
