// SPDX-License-Identifier: MIT
#include "nn/safetensors.h"

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>

#include "base/file_io.h"
#include "core/finite.h"

namespace imram::nn {
namespace {

using json = nlohmann::json;
constexpr std::uint64_t kMaxHeader = 100u << 20;  // the format's own limit is 100 MB

const char* st_dtype(DType t) {
    switch (t) {
        case DType::F32:
            return "F32";
        case DType::F64:
            return "F64";
        case DType::I32:
            return "I32";
        case DType::I64:
            return "I64";
        case DType::Bool:
            return "BOOL";
    }
    return "?";
}

bool parse_dtype(const std::string& s, DType& out) {
    static const std::map<std::string, DType> m = {
        {"F32", DType::F32}, {"F64", DType::F64}, {"I32", DType::I32}, {"I64", DType::I64}, {"BOOL", DType::Bool}};
    auto it = m.find(s);
    if (it == m.end()) return false;
    out = it->second;
    return true;
}

}  // namespace

const Tensor* TensorFile::find(const std::string& name) const {
    for (const auto& [n, t] : tensors)
        if (n == name) return &t;
    return nullptr;
}

std::string encode_safetensors(const TensorFile& f) {
    json header = json::object();
    std::uint64_t offset = 0;
    std::vector<Tensor> host;
    for (const auto& [name, t0] : f.tensors) {
        IMRAM_CHECK(name != "__metadata__" && !name.empty(), "safetensors: invalid tensor name '", name, "'");
        Tensor t = t0.device().is_host() ? t0.contiguous() : t0.detach().to(Device::cpu());
        header[name] = {{"dtype", st_dtype(t.dtype())},
                        {"shape", std::vector<std::int64_t>(t.shape().begin(), t.shape().end())},
                        {"data_offsets", {offset, offset + t.nbytes()}}};
        offset += t.nbytes();
        host.push_back(t);
    }
    if (!f.metadata.empty()) header["__metadata__"] = f.metadata;
    std::string h = header.dump();
    while ((8 + h.size()) % 8 != 0) h.push_back(' ');  // align the data section to 8 bytes
    std::string out(8, '\0');
    const std::uint64_t n = h.size();
    for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
    out += h;
    out.reserve(out.size() + offset);
    for (const Tensor& t : host) out.append(static_cast<const char*>(t.raw_data()), t.nbytes());
    return out;
}

TensorFile decode_safetensors(const std::string& bytes, const std::string& src) {
    IMRAM_CHECK(bytes.size() >= 8, src, ": not a safetensors file: ", bytes.size(),
                " bytes is shorter than the 8-byte header length");
    std::uint64_t n = 0;
    for (int i = 0; i < 8; ++i) n |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes[i])) << (8 * i);
    IMRAM_CHECK(n <= kMaxHeader && n <= bytes.size() - 8, src, ": header length ", n, " exceeds the file (",
                bytes.size(), " bytes) or the 100 MB limit: truncated or not a safetensors file");
    json header;
    try {
        header = json::parse(bytes.begin() + 8, bytes.begin() + 8 + static_cast<std::ptrdiff_t>(n));
    } catch (const json::exception& e) {
        IMRAM_FAIL(src, ": header is not valid JSON: ", e.what());
    }
    IMRAM_CHECK(header.is_object(), src, ": header must be a JSON object");
    const std::uint64_t data_size = bytes.size() - 8 - n;
    const char* data = bytes.data() + 8 + n;
    TensorFile f;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> spans;
    std::vector<std::pair<std::uint64_t, std::pair<std::string, Tensor>>> found;  // by data offset
    for (auto it = header.begin(); it != header.end(); ++it) {
        const std::string& name = it.key();
        const json& e = it.value();
        if (name == "__metadata__") {
            IMRAM_CHECK(e.is_object(), src, ": __metadata__ must be an object of strings");
            for (auto m = e.begin(); m != e.end(); ++m) {
                IMRAM_CHECK(m.value().is_string(), src, ": __metadata__.", m.key(), " must be a string");
                f.metadata[m.key()] = m.value().get<std::string>();
            }
            continue;
        }
        IMRAM_CHECK(e.is_object() && e.contains("dtype") && e.contains("shape") && e.contains("data_offsets"), src,
                    ": tensor '", name, "' needs dtype, shape and data_offsets");
        DType dt;
        IMRAM_CHECK(e["dtype"].is_string() && parse_dtype(e["dtype"].get<std::string>(), dt), src, ": tensor '", name,
                    "': unsupported dtype ", e["dtype"].dump(), " (expected F32, F64, I32, I64 or BOOL)");
        IMRAM_CHECK(e["shape"].is_array(), src, ": tensor '", name, "': shape must be an array");
        Shape shape;
        // Bytes the shape spans, counting a zero dimension as 1 (the strides still reach that far):
        // checked for overflow, since a wrapped product could match the data offsets.
        std::int64_t span = dtype_size(dt);
        for (const json& d : e["shape"]) {
            IMRAM_CHECK(d.is_number_integer() && d.get<std::int64_t>() >= 0, src, ": tensor '", name,
                        "': shape entries must be non-negative integers, got ", e["shape"].dump());
            shape.push_back(d.get<std::int64_t>());
            IMRAM_CHECK(!__builtin_mul_overflow(span, std::max<std::int64_t>(shape.back(), 1), &span), src,
                        ": tensor '", name, "': shape ", e["shape"].dump(), " has too many elements");
        }
        const json& off = e["data_offsets"];
        IMRAM_CHECK(off.is_array() && off.size() == 2 && off[0].is_number_unsigned() && off[1].is_number_unsigned(),
                    src, ": tensor '", name, "': data_offsets must be [begin, end], got ", off.dump());
        const auto b = off[0].get<std::uint64_t>(), end = off[1].get<std::uint64_t>();
        IMRAM_CHECK(b <= end && end <= data_size, src, ": tensor '", name, "': data_offsets [", b, ", ", end,
                    "] lie outside the ", data_size, "-byte data section (truncated file?)");
        const std::uint64_t want = static_cast<std::uint64_t>(shape_numel(shape)) * dtype_size(dt);
        IMRAM_CHECK(end - b == want, src, ": tensor '", name, "': shape ", shape, " of ", dtype_name(dt), " needs ",
                    want, " bytes but data_offsets span ", end - b);
        spans.emplace_back(b, end);
        Tensor t = empty(shape, dt, Device::cpu());
        if (want) std::memcpy(t.raw_data(), data + b, want);
        found.push_back({b, {name, t}});
    }
    std::sort(spans.begin(), spans.end());
    for (std::size_t i = 1; i < spans.size(); ++i)
        IMRAM_CHECK(spans[i].first >= spans[i - 1].second, src, ": tensors overlap in the data section");
    // File order is data order (the JSON object itself is unordered).
    std::stable_sort(found.begin(), found.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
    for (auto& [off, entry] : found) f.tensors.push_back(std::move(entry));
    return f;
}

void save_safetensors(const std::string& path, const TensorFile& f) {
    write_file_atomic(path, encode_safetensors(f));
}

TensorFile load_safetensors(const std::string& path) {
    return decode_safetensors(read_file(path), path);
}

void check_finite(const TensorFile& f, const std::string& source) {
    for (const auto& [name, t] : f.tensors) {
        const Tensor host = t.device().is_host() ? t : t.detach().to(Device::cpu());
        const std::int64_t bad = first_non_finite(host);
        if (bad < 0) continue;
        const Tensor c = host.contiguous();
        const double v = c.dtype() == DType::F32 ? c.data<float>()[bad] : c.data<double>()[bad];
        IMRAM_FAIL(source, ": tensor '", name, "' ", c.shape(), ": element ", bad, " (at ",
                   unravel_index(bad, c.shape()), ") is ", non_finite_name(v), "; model weights must be finite");
    }
}

TensorFile state_dict(Module& m, const std::map<std::string, std::string>& metadata) {
    TensorFile f;
    for (auto& [name, p] : m.named_parameters()) f.tensors.emplace_back(name, p->detach().to(Device::cpu()));
    f.metadata = metadata;
    return f;
}

std::size_t load_state_dict(Module& m, const TensorFile& f, bool strict, const std::string& src) {
    std::map<std::string, const Tensor*> by_name;
    for (const auto& [n, t] : f.tensors) {
        const std::string key = n.rfind("module.", 0) == 0 ? n.substr(7) : n;
        by_name[key] = &t;
    }
    std::set<std::string> used;
    for (auto& [name, p] : m.named_parameters()) {
        auto it = by_name.find(name);
        if (it == by_name.end()) {
            IMRAM_CHECK(!strict, src, ": missing parameter '", name, "' (expected shape ", p->shape(), ")");
            continue;
        }
        const Tensor& t = *it->second;
        IMRAM_CHECK(t.shape() == p->shape(), src, ": parameter '", name, "' has shape ", t.shape(),
                    ", the model expects ", p->shape());
        IMRAM_CHECK(is_floating(t.dtype()), src, ": parameter '", name, "' has dtype ", t.dtype(),
                    ", expected floating");
        p->detach().copy_(t);
        used.insert(name);
    }
    if (strict)
        for (const auto& [name, t] : by_name)
            IMRAM_CHECK(used.count(name), src, ": unexpected tensor '", name, "' (not a parameter of the model)");
    return used.size();
}

}  // namespace imram::nn
