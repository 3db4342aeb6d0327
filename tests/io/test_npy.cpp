// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>

#include "core/storage.h"
#include "core/tensor.h"
#include "tests/testing/files.h"
#include "io/npy.h"

using namespace imram;
using imram::io::load_npy;
using imram::io::save_npy;
using imram::testing::read_bytes;
using imram::testing::temp_file;
using imram::testing::write_bytes;
using Catch::Contains;

namespace {

std::string le32(std::uint32_t v) {
    std::string s(4, '\0');
    for (int k = 0; k < 4; ++k) s[static_cast<std::size_t>(k)] = static_cast<char>((v >> (8 * k)) & 0xFF);
    return s;
}

// A .npy file with the given version bytes and header text taken verbatim (no padding added).
std::string npy_raw(int major, int minor, const std::string& header, const std::string& data) {
    std::string b = "\x93NUMPY";
    b.push_back(static_cast<char>(major));
    b.push_back(static_cast<char>(minor));
    if (major == 1) {
        b.push_back(static_cast<char>(header.size() & 0xFF));
        b.push_back(static_cast<char>((header.size() >> 8) & 0xFF));
    } else {
        b += le32(static_cast<std::uint32_t>(header.size()));
    }
    return b + header + data;
}

// The same with `dict` padded by spaces and '\n' so the data starts on a 64-byte boundary.
std::string npy(int major, const std::string& dict, const std::string& data) {
    const std::size_t prefix = major == 1 ? 10 : 12;
    std::string header = dict;
    header.append((64 - (prefix + header.size() + 1) % 64) % 64, ' ');
    header.push_back('\n');
    return npy_raw(major, 0, header, data);
}

std::string float_bytes(const std::vector<float>& v) {
    std::string s(v.size() * 4, '\0');
    if (!v.empty()) std::memcpy(s.data(), v.data(), s.size());
    return s;
}

std::vector<float> iota_f(std::size_t n, float start = 0.5f) {
    std::vector<float> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = start + static_cast<float>(i) * 1.25f;
    return v;
}

std::string dict_f4(const std::string& shape) {
    return "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
}

}  // namespace

TEST_CASE("npy: save_npy and load_npy round trip through a 64-byte aligned version 1.0 file", "[data]") {
    const auto values = iota_f(24);
    const Tensor t = from_vector<float>(values, {2, 3, 4});
    const std::string path = temp_file("roundtrip.npy");
    save_npy(path, t);

    const std::string bytes = read_bytes(path);
    REQUIRE(bytes.size() > 10);
    CHECK(bytes.compare(0, 6, "\x93NUMPY") == 0);
    CHECK(bytes[6] == 1);
    CHECK(bytes[7] == 0);
    const std::size_t hlen = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
    CHECK((10 + hlen) % 64 == 0);
    CHECK(bytes[10 + hlen - 1] == '\n');
    CHECK(bytes.substr(10, hlen).find("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3, 4), }") == 0);
    CHECK(bytes.size() == 10 + hlen + 24 * 4);

    const Tensor u = load_npy(path);
    CHECK(u.dtype() == DType::F32);
    CHECK(u.device() == Device::cpu());
    CHECK(u.shape() == Shape{2, 3, 4});
    CHECK(u.to_vector<float>() == values);
}

TEST_CASE("npy: 1-d, 0-d and empty shapes round trip", "[data]") {
    for (const Shape& shape : {Shape{5}, Shape{}, Shape{2, 0, 3}, Shape{1, 1}}) {
        INFO("shape " << shape);
        const auto values = iota_f(static_cast<std::size_t>(shape_numel(shape)), -3.f);
        const std::string path = temp_file("shapes.npy");
        save_npy(path, from_vector<float>(values, shape));
        const std::string bytes = read_bytes(path);
        if (shape.size() == 1) CHECK(bytes.find("'shape': (5,)") != std::string::npos);
        if (shape.empty()) CHECK(bytes.find("'shape': ()") != std::string::npos);
        const Tensor u = load_npy(path);
        CHECK(u.shape() == shape);
        CHECK(u.to_vector<float>() == values);
    }
}

TEST_CASE("npy: int32 arrays round trip as '<i4', and each dtype rejects the other's files", "[data]") {
    const std::vector<std::int32_t> values = {7, -1, 0, 2147483647, -2147483647 - 1, 12};
    const std::string path = temp_file("lens.npy");
    save_npy(path, from_vector<std::int32_t>(values, {6}));
    CHECK(read_bytes(path).find("{'descr': '<i4', 'fortran_order': False, 'shape': (6,), }") == 10);
    const Tensor u = load_npy(path, DType::I32);
    CHECK(u.dtype() == DType::I32);
    CHECK(u.to_vector<std::int32_t>() == values);
    CHECK_THROWS_WITH(load_npy(path), Contains(path) && Contains("dtype '<i4' (int32): expected '<f4' (little-endian float32)"));
    const std::string fpath = temp_file("floats.npy");
    save_npy(fpath, from_vector<float>({1.f, 2.f}, {2}));
    CHECK_THROWS_WITH(load_npy(fpath, DType::I32),
                      Contains(fpath) && Contains("dtype '<f4' (float32): expected '<i4' (little-endian int32)"));
    CHECK_THROWS_WITH(load_npy(fpath, DType::F64), Contains("F32 or I32"));
    CHECK_THROWS_WITH(save_npy(fpath, from_vector<double>({1.0}, {1})), Contains("only F32 and I32"));
}

TEST_CASE("npy: save_npy writes non-contiguous views and other host devices in row-major order", "[data]") {
    const Tensor base = from_vector<float>(iota_f(6), {2, 3});
    const Tensor transposed = make_view(base, {3, 2}, {1, 3}, 0);  // base.T
    const std::string path = temp_file("transposed.npy");
    save_npy(path, transposed);
    CHECK(load_npy(path).to_vector<float>() == transposed.to_vector<float>());
    CHECK(load_npy(path).to_vector<float>() != base.to_vector<float>());
    save_npy(path, base.to(Device::ref()));
    CHECK(load_npy(path).to_vector<float>() == base.to_vector<float>());
}

TEST_CASE("npy: hand-written version 2.0 and 3.0 headers and Python 2 long integers", "[data]") {
    const auto values = iota_f(6);
    SECTION("2.0") {
        const std::string p = write_bytes(temp_file("v2.npy"), npy(2, dict_f4("(2, 3)"), float_bytes(values)));
        const Tensor t = load_npy(p);
        CHECK(t.shape() == Shape{2, 3});
        CHECK(t.to_vector<float>() == values);
    }
    SECTION("3.0") {
        const std::string p = write_bytes(temp_file("v3.npy"), npy(3, dict_f4("(3, 2)"), float_bytes(values)));
        const Tensor t = load_npy(p);
        CHECK(t.shape() == Shape{3, 2});
        CHECK(t.to_vector<float>() == values);
    }
    SECTION("keys in another order, double quotes, no trailing comma, 5L") {
        const std::string dict = "{\"shape\": (2L,3L), \"fortran_order\": False, \"descr\": \"<f4\"}";
        const std::string p = write_bytes(temp_file("v1_py2.npy"), npy(1, dict, float_bytes(values)));
        const Tensor t = load_npy(p);
        CHECK(t.shape() == Shape{2, 3});
        CHECK(t.to_vector<float>() == values);
    }
}

TEST_CASE("npy: a data offset that is not 4-byte aligned is read into owned memory", "[data]") {
    const auto values = iota_f(4);
    const std::string header = dict_f4("(4,)") + " \n";  // 12 + header length is odd
    REQUIRE((12 + header.size()) % 4 != 0);
    const std::string p = write_bytes(temp_file("misaligned.npy"), npy_raw(2, 0, header, float_bytes(values)));
    const Tensor t = load_npy(p);
    CHECK(reinterpret_cast<std::uintptr_t>(t.raw_data()) % alignof(float) == 0);
    CHECK(t.to_vector<float>() == values);
}

TEST_CASE("npy: load_npy maps the file without copying, and writes never reach the file", "[data]") {
    const std::size_t n = 256 * 1024;  // 1 MiB of data
    const auto values = iota_f(n);
    const std::string p = write_bytes(temp_file("mapped.npy"), npy(1, dict_f4("(256, 1024)"), float_bytes(values)));
    const std::string before = read_bytes(p);

    const auto in_use = host_alloc_stats().bytes_in_use;
    Tensor t = load_npy(p);
    CHECK(host_alloc_stats().bytes_in_use == in_use);  // a mapping, not an allocation
    CHECK(t.at(0) == Approx(values[0]));
    CHECK(t.at(static_cast<std::int64_t>(n) - 1) == Approx(values[n - 1]));
    CHECK(t.at(777) == Approx(values[777]));

    t.data<float>()[0] = 42.f;  // copy-on-write: private to this mapping
    CHECK(t.at(0) == 42.0);
    CHECK(read_bytes(p) == before);
    CHECK(load_npy(p).at(0) == Approx(values[0]));

    const Tensor view = make_view(t, {1024}, {1}, 1024);  // the mapping outlives the first handle
    t = Tensor();
    CHECK(view.at(0) == Approx(values[1024]));
    std::filesystem::remove(p);  // the mapping stays valid after the file's name is gone
    CHECK(view.at(1) == Approx(values[1025]));
}

TEST_CASE("npy: malformed, unsupported and truncated files are rejected with the file and field named",
          "[data][errors]") {
    using Catch::Contains;
    const std::string data6 = float_bytes(iota_f(6));
    auto file = [](const std::string& name, const std::string& bytes) { return write_bytes(temp_file(name), bytes); };

    SECTION("missing file") {
        const std::string p = temp_file("does_not_exist.npy");
        CHECK_THROWS_WITH(load_npy(p), Contains(p) && Contains("cannot open"));
    }
    SECTION("bad magic") {
        std::string b = npy(1, dict_f4("(2, 3)"), data6);
        b[5] = 'Z';
        const std::string p = file("bad_magic.npy", b);
        CHECK_THROWS_WITH(load_npy(p), Contains(p) && Contains("bad magic"));
    }
    SECTION("shorter than the preamble") {
        const std::string p = file("short.npy", "\x93NUM");
        CHECK_THROWS_WITH(load_npy(p), Contains(p) && Contains("shorter than the 10-byte preamble"));
    }
    SECTION("unsupported versions") {
        const std::string p4 = file("v4.npy", npy_raw(4, 0, dict_f4("(2, 3)") + "\n", data6));
        CHECK_THROWS_WITH(load_npy(p4), Contains(p4) && Contains("unsupported .npy format version 4.0"));
        const std::string p11 = file("v11.npy", npy_raw(1, 1, dict_f4("(2, 3)") + "\n", data6));
        CHECK_THROWS_WITH(load_npy(p11), Contains("version 1.1"));
    }
    SECTION("header longer than the file") {
        std::string b = npy(1, dict_f4("(2, 3)"), "");
        b[8] = static_cast<char>(0xE8), b[9] = 0x03;  // header length 1000
        const std::string p = file("long_header.npy", b);
        CHECK_THROWS_WITH(load_npy(p), Contains(p) && Contains("header length 1000") && Contains("runs past the end"));
        const std::string p2 = file("long_header_v2.npy", npy_raw(2, 0, "", "") + std::string(3, ' '));
        std::string b2 = read_bytes(p2);
        b2.replace(8, 4, le32(70000));
        write_bytes(p2, b2);
        CHECK_THROWS_WITH(load_npy(p2), Contains("header length 70000"));
    }
    SECTION("truncated data names expected and actual sizes") {
        const std::string p = file("truncated.npy", npy(1, dict_f4("(2, 3)"), data6.substr(0, 20)));
        CHECK_THROWS_WITH(load_npy(p), Contains(p) && Contains("truncated") && Contains("needs 152 bytes") &&
                                           Contains("128 header + 24 data") && Contains("the file has 148"));
    }
    SECTION("trailing bytes") {
        const std::string p = file("trailing.npy", npy(1, dict_f4("(2, 3)"), data6 + "xx"));
        CHECK_THROWS_WITH(load_npy(p), Contains(p) && Contains("2 unexpected trailing bytes"));
    }
    SECTION("float64 and other dtypes") {
        const std::string p =
            file("f8.npy", npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", std::string(24, '\0')));
        CHECK_THROWS_WITH(load_npy(p), Contains(p) && Contains("header field 'descr'") &&
                                           Contains("dtype '<f8' (float64): expected '<f4' (little-endian float32)"));
        const std::string pb =
            file("be.npy", npy(1, "{'descr': '>f4', 'fortran_order': False, 'shape': (3,), }", std::string(12, '\0')));
        CHECK_THROWS_WITH(load_npy(pb), Contains("'>f4' (big-endian float32)"));
        const std::string ps =
            file("struct.npy",
                 npy(1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (3,), }", std::string(12, '\0')));
        CHECK_THROWS_WITH(load_npy(ps), Contains("header field 'descr' is a list") && Contains("structured"));
    }
    SECTION("fortran order") {
        const std::string p =
            file("fortran.npy", npy(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", data6));
        CHECK_THROWS_WITH(load_npy(p), Contains(p) && Contains("header field 'fortran_order' is True"));
        const std::string p2 =
            file("fortran2.npy", npy(1, "{'descr': '<f4', 'fortran_order': 0, 'shape': (2, 3), }", data6));
        CHECK_THROWS_WITH(load_npy(p2), Contains("header field 'fortran_order' is an integer"));
    }
    SECTION("malformed shapes") {
        const std::string pn = file("neg.npy", npy(1, dict_f4("(2, -3)"), data6));
        CHECK_THROWS_WITH(load_npy(pn), Contains(pn) && Contains("header field 'shape': entry 1 is negative"));
        const std::string ps = file("str.npy", npy(1, dict_f4("(2, 'a')"), data6));
        CHECK_THROWS_WITH(load_npy(ps), Contains("header field 'shape': entry 1 is a string"));
        const std::string pl = file("list.npy", npy(1, dict_f4("[2, 3]"), data6));
        CHECK_THROWS_WITH(load_npy(pl), Contains("header field 'shape' is a list"));
        const std::string pi = file("int.npy", npy(1, dict_f4("(6)"), data6));
        CHECK_THROWS_WITH(load_npy(pi), Contains("header field 'shape' is an integer"));
        const std::string pu =
            file("unterminated.npy", npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3", data6));
        CHECK_THROWS_WITH(load_npy(pu), Contains(pu) && Contains("not a valid Python literal"));
        const std::string po = file("overflow.npy", npy(1, dict_f4("(4611686018427387904, 4)"), ""));
        CHECK_THROWS_WITH(load_npy(po), Contains("header field 'shape': the element count overflows"));
        // An empty array whose other dimensions overflow its strides (found by fuzz_npy's seeds).
        const std::string pz = file("zero_overflow.npy", npy(1, dict_f4("(0, 4611686018427387904, 4)"), ""));
        CHECK_THROWS_WITH(load_npy(pz), Contains(pz) && Contains("header field 'shape': the element count overflows"));
        const std::string pg = file("garbage.npy", npy(1, dict_f4("(2, 3)x"), data6));
        CHECK_THROWS_WITH(load_npy(pg), Contains("not a valid Python literal"));
    }
    SECTION("missing, duplicate and unexpected fields; not a dict") {
        const std::string pm = file("missing.npy", npy(1, "{'descr': '<f4', 'fortran_order': False}", data6));
        CHECK_THROWS_WITH(load_npy(pm), Contains(pm) && Contains("header field 'shape' is missing"));
        const std::string pd =
            file("dup.npy", npy(1, "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (6,)}", data6));
        CHECK_THROWS_WITH(load_npy(pd), Contains("header field 'descr' appears twice"));
        const std::string px =
            file("extra.npy", npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (6,), 'x': 1}", data6));
        CHECK_THROWS_WITH(load_npy(px), Contains("unexpected field 'x'"));
        const std::string pl = file("notdict.npy", npy(1, "[1, 2]", data6));
        CHECK_THROWS_WITH(load_npy(pl), Contains("header is a list, expected a dict"));
    }
    SECTION("header encodings") {
        const std::string p1 = file("nonascii_v1.npy", npy(1, dict_f4("(2, 3)") + " \xc3\xa9", data6));
        CHECK_THROWS_WITH(load_npy(p1), Contains(p1) && Contains("non-ASCII byte"));
        const std::string p3 = file("badutf8_v3.npy", npy(3, dict_f4("(2, 3)") + " \xc3", data6));
        CHECK_THROWS_WITH(load_npy(p3), Contains(p3) && Contains("not valid UTF-8"));
    }
    SECTION("save_npy accepts only F32 and I32") {
        const std::string p = temp_file("f64_save.npy");
        CHECK_THROWS_WITH(save_npy(p, zeros({2}, DType::F64)), Contains(p) && Contains("only F32"));
        CHECK_THROWS_WITH(save_npy(p, Tensor()), Contains("undefined tensor"));
    }
}
