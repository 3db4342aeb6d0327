// SPDX-License-Identifier: MIT
#include "search/index_file.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>

#include "base/check.h"
#include "base/file_io.h"

namespace imram::search {
namespace {

using json = nlohmann::json;

constexpr char kMagic[8] = {'I', 'M', 'R', 'A', 'M', 'I', 'D', 'X'};
constexpr std::size_t kPreamble = 8 + 4 + 8;  // magic, version, header length
constexpr std::size_t kChecksumBytes = 8;

void put_le(std::string& out, std::uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

std::uint64_t get_le(const std::string& in, std::size_t at, int bytes) {
    std::uint64_t v = 0;
    for (int i = 0; i < bytes; ++i)
        v |= static_cast<std::uint64_t>(static_cast<unsigned char>(in[at + static_cast<std::size_t>(i)])) << (8 * i);
    return v;
}

bool valid_side(const std::string& side) {
    return side == "images" || side == "captions";
}

// Typed access to the header's fields: a missing or ill-typed field is refused naming the file and
// the field's path in the header (e.g. "gallery.items").
class HeaderReader {
public:
    explicit HeaderReader(const std::string& path) : path_(path) {}

    const json& field(const json& parent, const std::string& prefix, const char* name) const {
        IMRAM_CHECK(parent.contains(name), path_, ": index header lacks the field '", prefix, name, "'");
        return parent.at(name);
    }
    const json& object(const json& parent, const std::string& prefix, const char* name) const {
        const json& v = field(parent, prefix, name);
        IMRAM_CHECK(v.is_object(), path_, ": index header field '", prefix, name, "' must be an object, not ",
                    v.type_name());
        return v;
    }
    std::string string(const json& parent, const std::string& prefix, const char* name) const {
        const json& v = field(parent, prefix, name);
        IMRAM_CHECK(v.is_string(), path_, ": index header field '", prefix, name, "' must be a string, not ",
                    v.type_name());
        return v.get<std::string>();
    }
    std::int64_t integer(const json& parent, const std::string& prefix, const char* name, std::int64_t min) const {
        const json& v = field(parent, prefix, name);
        IMRAM_CHECK(v.is_number_integer(), path_, ": index header field '", prefix, name, "' must be an integer, not ",
                    v.type_name());
        IMRAM_CHECK(!v.is_number_unsigned() ||
                        v.get<std::uint64_t>() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()),
                    path_, ": index header field '", prefix, name, "' is out of range: ", v.dump());
        const auto x = v.get<std::int64_t>();
        IMRAM_CHECK(x >= min, path_, ": index header field '", prefix, name, "' must be >= ", min, ", got ", x);
        return x;
    }

private:
    const std::string& path_;
};

}  // namespace

std::uint64_t fnv1a64(const void* bytes, std::size_t n, std::uint64_t state) {
    const auto* p = static_cast<const unsigned char*>(bytes);
    for (std::size_t i = 0; i < n; ++i) {
        state ^= p[i];
        state *= 0x100000001b3ULL;
    }
    return state;
}

std::string hex64(std::uint64_t v) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
    return buf;
}

void save_index(const std::string& path, const VectorIndex& index, const IndexInfo& info) {
    IMRAM_CHECK_KIND(info.gallery_items == index.size(), Usage, path, ": the gallery has ", info.gallery_items,
                     " items but the index holds ", index.size(), "; an index must cover exactly its gallery");
    IMRAM_CHECK_KIND(valid_side(info.side), Usage, path, ": index side '", info.side,
                     "' must be \"images\" or \"captions\"");
    const std::string blob = index.serialize();
    const IndexOptions& o = index.options();
    json extra = json::object();
    for (const auto& [k, v] : info.extra) extra[k] = v;
    const json header = {
        {"kind", kind_name(index.kind())},
        {"side", info.side},
        {"items", index.size()},
        {"dim", index.dim()},
        {"hnsw_m", o.hnsw_m},
        {"hnsw_ef_construction", o.hnsw_ef_construction},
        {"hnsw_ef_search", o.hnsw_ef_search},
        {"ivf_lists", o.ivf_lists},
        {"ivf_probe", o.ivf_probe},
        {"model",
         {{"family", info.model_family},
          {"mode", info.model_mode},
          {"fingerprint", info.model_fingerprint},
          {"path", info.model_path}}},
        {"gallery",
         {{"path", info.gallery_path}, {"fingerprint", info.gallery_fingerprint}, {"items", info.gallery_items}}},
        {"extra", extra},
        {"index_bytes", static_cast<std::uint64_t>(blob.size())},
    };
    const std::string h = header.dump();
    std::string out;
    out.reserve(kPreamble + h.size() + blob.size() + kChecksumBytes);
    out.append(kMagic, sizeof kMagic);
    put_le(out, kIndexFormatVersion, 4);
    put_le(out, h.size(), 8);
    out += h;
    out += blob;
    put_le(out, fnv1a64(out.data(), out.size()), 8);
    write_file_atomic(path, out);
}

IndexFile load_index(const std::string& path) {
    const std::string bytes = read_file(path);
    const std::size_t n = bytes.size();
    const std::size_t magic_seen = std::min(n, sizeof kMagic);
    IMRAM_CHECK(std::memcmp(bytes.data(), kMagic, magic_seen) == 0 && n > 0, path,
                ": not an imram index file (it does not start with \"IMRAMIDX\")");
    IMRAM_CHECK(n >= kPreamble, path, ": truncated: ", n, " bytes is shorter than the ", kPreamble,
                "-byte start of an index file");
    const auto version = static_cast<std::uint32_t>(get_le(bytes, 8, 4));
    IMRAM_CHECK(version <= kIndexFormatVersion, path, ": written by a newer imram (format ", version,
                "); this build reads format ", kIndexFormatVersion, ": rebuild the index");
    IMRAM_CHECK(version >= 1, path, ": unknown index format version ", version, "; this build reads format ",
                kIndexFormatVersion);
    const std::uint64_t header_len = get_le(bytes, 12, 8);
    IMRAM_CHECK(header_len <= n - kPreamble && n - kPreamble - header_len >= kChecksumBytes, path,
                ": truncated: the header length ", header_len, " does not fit in the file's ", n, " bytes");
    const std::size_t h = static_cast<std::size_t>(header_len);

    // The header says how long the index section is; a file of another length is truncated (or has
    // trailing bytes), which says more than the checksum mismatch it would also cause.
    std::optional<json> header;
    try {
        header = json::parse(bytes.begin() + static_cast<std::ptrdiff_t>(kPreamble),
                             bytes.begin() + static_cast<std::ptrdiff_t>(kPreamble + h));
    } catch (const json::exception&) {
        header.reset();  // reported after the checksum, which tells damage from a bad writer
    }
    const std::uint64_t index_at = kPreamble + h;
    if (header && header->is_object() && header->contains("index_bytes") &&
        (*header)["index_bytes"].is_number_unsigned()) {
        const std::uint64_t index_bytes = (*header)["index_bytes"].get<std::uint64_t>();
        const std::uint64_t available = n - index_at - kChecksumBytes;
        IMRAM_CHECK(index_bytes <= available, path, ": truncated: the header announces ", index_bytes,
                    " index bytes but the file holds ", available, " (", n, " bytes in all)");
        IMRAM_CHECK(index_bytes == available, path, ": damaged: ", available - index_bytes,
                    " bytes after the index that the header does not announce");
    }
    const std::uint64_t stored = get_le(bytes, n - kChecksumBytes, 8);
    const std::uint64_t computed = fnv1a64(bytes.data(), n - kChecksumBytes);
    IMRAM_CHECK(stored == computed, path, ": damaged: checksum mismatch (stored ", hex64(stored), ", computed ",
                hex64(computed), "); rebuild the index");
    IMRAM_CHECK(header.has_value(), path, ": the index header is not valid JSON");
    const json& j = *header;
    IMRAM_CHECK(j.is_object(), path, ": the index header must be a JSON object, not ", j.type_name());

    const HeaderReader r(path);
    const std::string kind_str = r.string(j, "", "kind");
    IMRAM_CHECK(kind_str == "flat" || kind_str == "hnsw" || kind_str == "ivf", path, ": index header field 'kind' is '",
                kind_str, "'; expected flat, hnsw or ivf");
    IndexOptions o;
    o.kind = parse_kind(kind_str);
    o.hnsw_m = r.integer(j, "", "hnsw_m", 0);
    o.hnsw_ef_construction = r.integer(j, "", "hnsw_ef_construction", 0);
    o.hnsw_ef_search = r.integer(j, "", "hnsw_ef_search", 0);
    o.ivf_lists = r.integer(j, "", "ivf_lists", 0);
    o.ivf_probe = r.integer(j, "", "ivf_probe", 0);

    IndexInfo info;
    info.side = r.string(j, "", "side");
    IMRAM_CHECK(valid_side(info.side), path, ": index header field 'side' is '", info.side,
                "'; expected \"images\" or \"captions\"");
    const std::int64_t items = r.integer(j, "", "items", 1);
    const std::int64_t dim = r.integer(j, "", "dim", 1);
    const json& model = r.object(j, "", "model");
    info.model_family = r.string(model, "model.", "family");
    info.model_mode = r.string(model, "model.", "mode");
    info.model_fingerprint = r.string(model, "model.", "fingerprint");
    info.model_path = r.string(model, "model.", "path");
    const json& gallery = r.object(j, "", "gallery");
    info.gallery_path = r.string(gallery, "gallery.", "path");
    info.gallery_fingerprint = r.string(gallery, "gallery.", "fingerprint");
    info.gallery_items = r.integer(gallery, "gallery.", "items", 0);
    IMRAM_CHECK(info.gallery_items == items, path, ": index header field 'gallery.items' (", info.gallery_items,
                ") differs from 'items' (", items, ")");
    const json& extra = r.object(j, "", "extra");
    for (auto it = extra.begin(); it != extra.end(); ++it) {
        IMRAM_CHECK(it.value().is_string(), path, ": index header field 'extra.", it.key(), "' must be a string, not ",
                    it.value().type_name());
        info.extra[it.key()] = it.value().get<std::string>();
    }
    const std::int64_t index_bytes = r.integer(j, "", "index_bytes", 0);
    IMRAM_CHECK(static_cast<std::uint64_t>(index_bytes) == n - index_at - kChecksumBytes, path,
                ": index header field 'index_bytes' (", index_bytes, ") differs from the index section's ",
                n - index_at - kChecksumBytes, " bytes");

    const std::string blob = bytes.substr(static_cast<std::size_t>(index_at), static_cast<std::size_t>(index_bytes));
    return IndexFile{std::move(info), VectorIndex::deserialize(blob, o.kind, items, dim, o, path)};
}

}  // namespace imram::search
