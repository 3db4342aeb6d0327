// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "base/file_io.h"
#include "core/ops.h"
#include "search/index_file.h"
#include "tests/search/same_results.h"
#include "tests/testing/error_of.h"
#include "tests/testing/files.h"
#include "tests/testing/temp.h"

using namespace imram;
using namespace imram::search;
using Catch::Contains;
using imram::testing::read_bytes;
using imram::testing::tmp_path;
using imram::testing::write_bytes;

using imram::testing::check_same_results;
using imram::testing::error_of;

namespace {

IndexInfo sample_info(std::int64_t items) {
    IndexInfo info;
    info.side = "captions";
    info.model_family = "imram";
    info.model_mode = "full";
    info.model_fingerprint = "0123456789abcdef";
    info.model_path = "runs/a/model_best.safetensors";
    info.gallery_path = "data/f30k/test";
    info.gallery_fingerprint = "fedcba9876543210";
    info.gallery_items = items;
    info.extra = {{"split", "test"}, {"built", "2024-05-01T10:00:00Z"}, {"note", "quote \" and ü"}};
    return info;
}

VectorIndex flat_index(std::int64_t n, std::int64_t e, std::uint64_t seed) {
    IndexOptions o;
    o.kind = IndexKind::Flat;
    o.hnsw_m = 12;  // kept in the header whatever the kind
    o.ivf_probe = 5;
    return VectorIndex::build(l2norm(randn({n, e}, seed)), o);
}

std::uint64_t read_le(const std::string& s, std::size_t at, int bytes) {
    std::uint64_t v = 0;
    for (int i = 0; i < bytes; ++i)
        v |= static_cast<std::uint64_t>(static_cast<unsigned char>(s[at + static_cast<std::size_t>(i)])) << (8 * i);
    return v;
}

void append_le(std::string& s, std::uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// The parts of a well-formed file, and a file assembled by hand from (possibly edited) parts with a
// correct checksum, to reach the header checks behind the checksum.
struct Parts {
    nlohmann::json header;
    std::string index;
};

Parts split(const std::string& file) {
    const std::size_t h = static_cast<std::size_t>(read_le(file, 12, 8));
    Parts p;
    p.header = nlohmann::json::parse(file.substr(20, h));
    p.index = file.substr(20 + h, file.size() - 20 - h - 8);
    return p;
}

std::string assemble(const Parts& p, std::uint32_t version = kIndexFormatVersion) {
    const std::string h = p.header.dump();
    std::string out = "IMRAMIDX";
    append_le(out, version, 4);
    append_le(out, h.size(), 8);
    out += h;
    out += p.index;
    append_le(out, fnv1a64(out.data(), out.size()), 8);
    return out;
}

}  // namespace

TEST_CASE("fnv1a64 and hex64: the published FNV-1a 64 values", "[search]") {
    CHECK(fnv1a64("", 0) == 0xcbf29ce484222325ULL);
    CHECK(fnv1a64("a", 1) == 0xaf63dc4c8601ec8cULL);
    CHECK(fnv1a64("foobar", 6) == 0x85944171f73967e8ULL);
    // Continuing from a state equals hashing the concatenation.
    CHECK(fnv1a64("bar", 3, fnv1a64("foo", 3)) == fnv1a64("foobar", 6));
    CHECK(hex64(0x85944171f73967e8ULL) == "85944171f73967e8");
    CHECK(hex64(0x1ULL) == "0000000000000001");
}

TEST_CASE("index file: a saved index loads with every field and the same searches", "[search]") {
    std::vector<IndexKind> kinds{IndexKind::Flat};
    if (have_faiss()) kinds.insert(kinds.end(), {IndexKind::HNSW, IndexKind::IVF});
    const Tensor vectors = l2norm(randn({300, 16}, 3)), queries = l2norm(randn({7, 16}, 4));
    for (IndexKind kind : kinds) {
        INFO("kind " << kind_name(kind));
        IndexOptions o;
        o.kind = kind;
        o.hnsw_m = 8;
        o.hnsw_ef_construction = 40;
        o.hnsw_ef_search = 33;
        o.ivf_lists = 6;
        o.ivf_probe = 2;
        const VectorIndex index = VectorIndex::build(vectors, o);
        const IndexInfo info = sample_info(300);
        const std::string path = tmp_path(std::string("roundtrip_") + kind_name(kind) + ".imramidx");
        save_index(path, index, info);
        CHECK(read_bytes(path).substr(0, 8) == "IMRAMIDX");
        const IndexFile f = load_index(path);
        CHECK(f.info.side == info.side);
        CHECK(f.info.model_family == info.model_family);
        CHECK(f.info.model_mode == info.model_mode);
        CHECK(f.info.model_fingerprint == info.model_fingerprint);
        CHECK(f.info.model_path == info.model_path);
        CHECK(f.info.gallery_path == info.gallery_path);
        CHECK(f.info.gallery_fingerprint == info.gallery_fingerprint);
        CHECK(f.info.gallery_items == 300);
        CHECK(f.info.extra == info.extra);
        CHECK(f.index.kind() == kind);
        CHECK(f.index.size() == 300);
        CHECK(f.index.dim() == 16);
        CHECK(f.index.options().kind == kind);
        CHECK(f.index.options().hnsw_m == 8);
        CHECK(f.index.options().hnsw_ef_construction == 40);
        CHECK(f.index.options().hnsw_ef_search == 33);
        CHECK(f.index.options().ivf_lists == 6);
        CHECK(f.index.options().ivf_probe == 2);
        check_same_results(f.index.search(queries, 12), index.search(queries, 12));
    }
}

TEST_CASE("index file: saving over an existing index replaces it", "[search]") {
    const std::string path = tmp_path("replace.imramidx");
    save_index(path, flat_index(10, 4, 1), sample_info(10));
    const VectorIndex second = flat_index(20, 4, 2);
    IndexInfo info = sample_info(20);
    info.side = "images";
    save_index(path, second, info);
    const IndexFile f = load_index(path);
    CHECK(f.index.size() == 20);
    CHECK(f.info.side == "images");
    const Tensor q = randn({3, 4}, 9);
    check_same_results(f.index.search(q, 5), second.search(q, 5));
    // No temporary file is left beside it.
    std::size_t others = 0;
    for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::path(path).parent_path()))
        others += entry.path().filename().string().rfind("replace.imramidx", 0) == 0 &&
                  entry.path().filename() != "replace.imramidx";
    CHECK(others == 0);
}

TEST_CASE("index file: save refuses an index that does not cover its gallery", "[search][errors]") {
    const std::string path = tmp_path("refused_save.imramidx");
    std::filesystem::remove(path);
    const Error items = error_of([&] { save_index(path, flat_index(10, 4, 1), sample_info(11)); });
    CHECK(items.kind == ErrorKind::Usage);
    CHECK_THAT(items.message(), Contains(path) && Contains("11") && Contains("10"));
    IndexInfo info = sample_info(10);
    info.side = "pictures";
    const Error side = error_of([&] { save_index(path, flat_index(10, 4, 1), info); });
    CHECK(side.kind == ErrorKind::Usage);
    CHECK_THAT(side.message(), Contains(path) && Contains("'pictures'"));
    CHECK_FALSE(std::filesystem::exists(path));
}

TEST_CASE("index file: missing, foreign, newer, truncated and damaged files are refused", "[search][errors]") {
    const std::string good_path = tmp_path("good.imramidx");
    save_index(good_path, flat_index(50, 8, 5), sample_info(50));
    const std::string good = read_bytes(good_path);
    REQUIRE_NOTHROW(load_index(good_path));

    const std::string missing = tmp_path("no_such_index.imramidx");
    const Error absent = error_of([&] { load_index(missing); });
    CHECK(absent.kind == ErrorKind::Missing);
    CHECK_THAT(absent.message(), Contains(missing));

    const std::string path = tmp_path("bad.imramidx");
    auto refused = [&](const std::string& bytes) {
        write_bytes(path, bytes);
        const Error e = error_of([&] { load_index(path); });
        CHECK(e.kind == ErrorKind::Data);
        CHECK_THAT(e.message(), Contains(path));
        return e.message();
    };
    CHECK_THAT(refused("NOTANIDX" + good.substr(8)), Contains("not an imram index file"));
    CHECK_THAT(refused(""), Contains("not an imram index file"));
    CHECK_THAT(refused("{\"json\": true}"), Contains("not an imram index file"));

    std::string newer = good;
    newer[8] = 2;
    CHECK_THAT(refused(newer), Contains("written by a newer imram (format 2)") &&
                                   Contains("this build reads format 1: rebuild the index"));
    // Refused for its version even when everything else is consistent.
    CHECK_THAT(refused(assemble(split(good), 7)), Contains("newer imram (format 7)"));

    CHECK_THAT(refused(good.substr(0, 6)), Contains("truncated"));
    CHECK_THAT(refused(good.substr(0, 15)), Contains("truncated"));
    CHECK_THAT(refused(good.substr(0, 40)), Contains("truncated"));
    CHECK_THAT(refused(good.substr(0, good.size() - 100)), Contains("truncated"));
    CHECK_THAT(refused(good.substr(0, good.size() - 1)), Contains("truncated"));
    CHECK_THAT(refused(good + "extra"), Contains("damaged"));

    // One flipped byte anywhere after the version: in the index, the header, the checksum.
    const std::size_t header_len = static_cast<std::size_t>(read_le(good, 12, 8));
    for (std::size_t at : {good.size() - 300, std::size_t{20} + header_len / 2, good.size() - 3}) {
        std::string flipped = good;
        flipped[at] = static_cast<char>(flipped[at] ^ 0x10);
        INFO("byte " << at);
        CHECK_THAT(refused(flipped), Contains("damaged: checksum mismatch"));
    }
}

TEST_CASE("index file: every header field is checked, naming the file and the field", "[search][errors]") {
    const std::string good_path = tmp_path("fields_good.imramidx");
    save_index(good_path, flat_index(30, 6, 8), sample_info(30));
    const Parts good = split(read_bytes(good_path));
    const std::string path = tmp_path("fields_bad.imramidx");
    auto refused = [&](const Parts& p) {
        write_bytes(path, assemble(p));
        const Error e = error_of([&] { load_index(path); });
        CHECK(e.kind == ErrorKind::Data);
        CHECK_THAT(e.message(), Contains(path));
        return e.message();
    };
    REQUIRE_NOTHROW(load_index((write_bytes(path, assemble(good)), path)));

    for (const char* field : {"kind", "side", "items", "dim", "hnsw_m", "hnsw_ef_construction", "hnsw_ef_search",
                              "ivf_lists", "ivf_probe", "model", "gallery", "extra", "index_bytes"}) {
        Parts p = good;
        p.header.erase(field);
        INFO("without " << field);
        CHECK_THAT(refused(p), Contains(std::string("'") + field + "'"));
    }
    for (const char* field : {"family", "mode", "fingerprint", "path"}) {
        Parts p = good;
        p.header["model"].erase(field);
        CHECK_THAT(refused(p), Contains(std::string("'model.") + field + "'"));
    }
    {
        Parts p = good;
        p.header["gallery"].erase("items");
        CHECK_THAT(refused(p), Contains("'gallery.items'"));
    }
    {
        Parts p = good;
        p.header["dim"] = "six";
        CHECK_THAT(refused(p), Contains("'dim'") && Contains("integer"));
    }
    {
        Parts p = good;
        p.header["items"] = 0;
        CHECK_THAT(refused(p), Contains("'items'") && Contains(">= 1"));
    }
    {
        Parts p = good;
        p.header["model"]["fingerprint"] = 1234;
        CHECK_THAT(refused(p), Contains("'model.fingerprint'") && Contains("string"));
    }
    {
        Parts p = good;
        p.header["extra"]["split"] = 3;
        CHECK_THAT(refused(p), Contains("'extra.split'"));
    }
    {
        Parts p = good;
        p.header["kind"] = "annoy";
        CHECK_THAT(refused(p), Contains("'kind'") && Contains("annoy"));
    }
    {
        Parts p = good;
        p.header["side"] = "pictures";
        CHECK_THAT(refused(p), Contains("'side'") && Contains("pictures"));
    }
    {
        Parts p = good;
        p.header["gallery"]["items"] = 31;
        CHECK_THAT(refused(p), Contains("'gallery.items'"));
    }
    {
        // Consistent header and section, but sizes that do not match the vectors.
        Parts p = good;
        p.header["dim"] = 5;
        CHECK_THAT(refused(p), Contains("flat index section"));
    }
    {
        Parts p = good;
        p.header["index_bytes"] = 12;
        CHECK_THAT(refused(p), Contains("truncated") || Contains("damaged"));
    }
    {
        Parts p = good;
        p.header = nlohmann::json::array({1, 2});
        CHECK_THAT(refused(p), Contains("JSON object"));
    }
    {
        write_bytes(path, [&] {
            std::string h = "{not json";
            std::string out = "IMRAMIDX";
            append_le(out, 1, 4);
            append_le(out, h.size(), 8);
            out += h;
            append_le(out, fnv1a64(out.data(), out.size()), 8);
            return out;
        }());
        CHECK_THROWS_WITH(load_index(path), Contains(path) && Contains("not valid JSON"));
    }
}
