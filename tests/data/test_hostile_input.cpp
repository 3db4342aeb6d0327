// SPDX-License-Identifier: MIT
// Hostile input: every loader refuses what is not a regular file (a directory, /dev/zero, a FIFO) at
// once and with the right kind; headers that claim more data than the file holds are refused before
// anything is allocated; non-finite features and scores are refused naming their position; captions
// longer than the documented limits are refused naming the file and line; a dataset that does not fit
// a model is refused before any work.
#include <catch2/catch.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>
#include <limits>

#include "base/file_io.h"
#include "core/ops.h"
#include "core/finite.h"
#include "nn/safetensors.h"
#include "tests/testing/files.h"
#include "data/captions.h"
#include "io/npy.h"
#include "data/precomp.h"
#include "data/tokenize.h"
#include "data/vocab.h"
#include "eval/data_checks.h"
#include "eval/metrics.h"
#include "models/imram/model.h"
#include "models/imram/official_checkpoint.h"

using namespace imram;
using Catch::Contains;
using imram::testing::temp_dir;
using imram::testing::temp_file;
using imram::testing::write_bytes;
namespace fs = std::filesystem;

namespace {

struct Caught {
    bool thrown = false;
    ErrorKind kind = ErrorKind::Internal;
    std::string message;
    double seconds = 0;
};

Caught catch_error(const std::function<void()>& f) {
    Caught c;
    const auto t0 = std::chrono::steady_clock::now();
    try {
        f();
    } catch (const Error& e) {
        c.thrown = true;
        c.kind = e.kind;
        c.message = e.message();
    }
    c.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return c;
}

// {root}/{name}/ with test_ims.npy (n_img, regions, feats) and five captions per image.
std::string make_split(const std::string& name, std::vector<float> v, std::int64_t n_img, std::int64_t regions,
                       std::int64_t feats) {
    const auto dir = temp_dir() / "hostile" / name;
    fs::remove_all(dir);
    fs::create_directories(dir);
    io::save_npy((dir / "test_ims.npy").string(), from_vector<float>(v, {n_img, regions, feats}));
    std::string caps;
    for (std::int64_t c = 0; c < 5 * n_img; ++c) caps += "a dog on the grass\n";
    write_bytes((dir / "test_caps.txt").string(), caps);
    return (temp_dir() / "hostile").string();
}

// A valid .npy preamble + header for `header_dict`, followed by `data` bytes.
std::string npy_bytes(const std::string& header_dict, const std::string& data) {
    std::string h = header_dict;
    while ((10 + h.size() + 1) % 64 != 0) h.push_back(' ');
    h.push_back('\n');
    std::string out("\x93NUMPY\x01\x00", 8);
    out.push_back(static_cast<char>(h.size() & 0xff));
    out.push_back(static_cast<char>(h.size() >> 8));
    return out + h + data;
}

}  // namespace

TEST_CASE("hostile: a directory, /dev/zero or a FIFO is refused by every loader at once", "[data][data_io][errors]") {
    const std::string dir = (temp_dir() / "hostile_dir.safetensors").string();
    fs::create_directories(dir);
    const std::string fifo = temp_file("hostile_fifo.npy");
    ::unlink(fifo.c_str());
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);  // no writer: a blocking open would wait forever

    const std::vector<std::pair<std::string, std::function<void(const std::string&)>>> loaders = {
        {"read_file", [](const std::string& p) { read_file(p); }},
        {"load_npy", [](const std::string& p) { io::load_npy(p); }},
        {"load_safetensors", [](const std::string& p) { nn::load_safetensors(p); }},
        {"read_captions", [](const std::string& p) { data::read_captions(p); }},
        {"load_vocab", [](const std::string& p) { data::load_vocab(p); }},
        {"load_official_checkpoint", [](const std::string& p) { models::load_official_checkpoint(p); }},
        {"load_model_tensors", [](const std::string& p) { models::load_model_tensors(p); }},
    };
    const std::vector<std::pair<std::string, std::string>> inputs = {
        {dir, "it is a directory"}, {"/dev/zero", "it is a character device"}, {fifo, "it is a FIFO"}};
    for (const auto& [loader, load] : loaders) {
        for (const auto& [path, why] : inputs) {
            INFO(loader << " on " << path);
            const auto& run = load;
            const std::string& in = path;
            const Caught c = catch_error([&] { run(in); });
            INFO(c.message);
            REQUIRE(c.thrown);
            CHECK(c.kind == ErrorKind::Missing);
            CHECK_THAT(c.message, Contains(path) && Contains(why) && Contains("expected a regular file"));
            CHECK(c.seconds < 2.0);
        }
    }
    ::unlink(fifo.c_str());
}

TEST_CASE("hostile: read_file sizes its buffer from the file and honours a limit", "[data][data_io][errors]") {
    const std::string p = write_bytes(temp_file("hostile_limit.txt"), std::string(100, 'x'));
    CHECK(read_file(p) == std::string(100, 'x'));
    CHECK(read_file(p, 100).size() == 100);
    const Caught c = catch_error([&] { read_file(p, 99); });
    REQUIRE(c.thrown);
    CHECK(c.kind == ErrorKind::Data);
    CHECK_THAT(c.message, Contains(p) && Contains("100 bytes") && Contains("limit of 99"));
    const Caught empty = catch_error([] { read_file(temp_file("hostile_absent.txt")); });
    CHECK(empty.kind == ErrorKind::Missing);
}

TEST_CASE("hostile: a vocabulary file past its size limit is refused before it is read", "[data][data_io][errors]") {
    // A sparse file: 65 MiB long, no data written, so only a loader that reads it pays for it.
    const std::string p = temp_file("hostile_big_vocab.json");
    write_bytes(p, "{");
    fs::resize_file(p, 65u << 20);
    const Caught c = catch_error([&] { data::load_vocab(p); });
    REQUIRE(c.thrown);
    CHECK(c.kind == ErrorKind::Data);
    CHECK_THAT(c.message, Contains(p) && Contains("68157440 bytes, more than the limit of 67108864 bytes"));
    CHECK(c.seconds < 1.0);
    fs::remove(p);
}

TEST_CASE("hostile: headers claiming more data than the file holds are refused before allocating",
          "[data][data_io][errors]") {
    // npy: a terabyte-sized shape over 16 bytes of data.
    const std::string npy = write_bytes(
        temp_file("hostile_huge.npy"),
        npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000, 36, 2048), }", std::string(16, '\0')));
    Caught c = catch_error([&] { io::load_npy(npy); });
    REQUIRE(c.thrown);
    CHECK(c.kind == ErrorKind::Data);
    CHECK_THAT(c.message, Contains("hostile_huge.npy") && Contains("truncated"));
    CHECK(c.seconds < 2.0);

    // safetensors: a header length of 2^62, and a tensor whose shape claims 2^40 floats.
    std::string st(8, '\0');
    st[7] = 0x40;
    st += "{}";
    write_bytes(temp_file("hostile_len.safetensors"), st);
    c = catch_error([] { nn::load_safetensors(temp_file("hostile_len.safetensors")); });
    REQUIRE(c.thrown);
    CHECK(c.kind == ErrorKind::Data);
    CHECK_THAT(c.message, Contains("hostile_len.safetensors") && Contains("header length"));

    const std::string json = R"({"w":{"dtype":"F32","shape":[1099511627776],"data_offsets":[0,16]}})";
    std::string st2(8, '\0');
    st2[0] = static_cast<char>(json.size());
    st2 += json + std::string(16, '\0');
    write_bytes(temp_file("hostile_shape.safetensors"), st2);
    c = catch_error([] { nn::load_safetensors(temp_file("hostile_shape.safetensors")); });
    REQUIRE(c.thrown);
    CHECK(c.kind == ErrorKind::Data);
    CHECK_THAT(c.message, Contains("hostile_shape.safetensors") && Contains("'w'") && Contains("needs"));
    CHECK(c.seconds < 2.0);
}

TEST_CASE("hostile: a checkpoint tensor claiming more elements than its storage is refused before allocating",
          "[data][data_io][errors]") {
    // The official IMRAM fixture (legacy layout), with fc_local.bias's size (16,) stride (1,) rewritten
    // as size (2^31 - 1,) stride (0,): its extent stays inside the 16-element storage, but the output
    // would be 8 GB. Protocol-2 pickles have no length fields, so the longer integer needs no other change.
    std::string bytes = testing::read_bytes(std::string(IMRAM_TEST_DATA_DIR) + "/pth/imram_legacy.pth.tar");
    const std::string from("QK\x00K\x10\x85q\x14K\x01\x85", 11);
    const std::string to("QK\x00J\xff\xff\xff\x7f\x85q\x14K\x00\x85", 14);
    const std::size_t at = bytes.find(from);
    REQUIRE(at != std::string::npos);
    CHECK_NOTHROW(models::read_official_checkpoint(bytes, "sound.pth.tar"));
    bytes.replace(at, from.size(), to);
    const Caught c = catch_error([&] { models::read_official_checkpoint(bytes, "broadcast.pth.tar"); });
    INFO(c.message);
    REQUIRE(c.thrown);
    CHECK(c.kind == ErrorKind::Data);
    CHECK_THAT(c.message, Contains("broadcast.pth.tar") && Contains("2147483647 elements") && Contains("holds only 16"));
    CHECK(c.seconds < 2.0);
}

TEST_CASE("hostile: NaN or Inf image features are refused naming the image, region and feature",
          "[data][data_io][errors]") {
    const std::int64_t n = 3, r = 4, f = 5;
    std::vector<float> v(static_cast<std::size_t>(n * r * f), 0.25f);
    {
        const std::string root = make_split("finite", v, n, r, f);
        CHECK(data::load_precomp(root, "finite", "test").num_images() == 3);
    }
    v[static_cast<std::size_t>((2 * r + 1) * f + 3)] = std::numeric_limits<float>::quiet_NaN();
    std::string root = make_split("nan", v, n, r, f);
    Caught c = catch_error([&] { data::load_precomp(root, "nan", "test"); });
    REQUIRE(c.thrown);
    CHECK(c.kind == ErrorKind::Data);
    CHECK_THAT(c.message, Contains("test_ims.npy: image 2, region 1, feature 3 is NaN; features must be finite"));

    // The first bad value is named, wherever the vectorised block boundary falls.
    std::vector<float> big(static_cast<std::size_t>(50 * 36 * 8), 1.0f);
    big[static_cast<std::size_t>((40 * 36 + 35) * 8 + 7)] = -std::numeric_limits<float>::infinity();
    big.back() = std::numeric_limits<float>::infinity();
    root = make_split("inf", big, 50, 36, 8);
    c = catch_error([&] { data::load_precomp(root, "inf", "test"); });
    REQUIRE(c.thrown);
    CHECK(c.kind == ErrorKind::Data);
    CHECK_THAT(c.message, Contains("image 40, region 35, feature 7 is -Inf"));
}

TEST_CASE("hostile: first_non_finite finds the first NaN or infinity", "[data][data_io]") {
    std::vector<float> f(10000, 1.0f);
    CHECK(first_non_finite(f.data(), 10000) == -1);
    f[9999] = NAN;
    CHECK(first_non_finite(f.data(), 10000) == 9999);
    f[4096] = INFINITY;
    CHECK(first_non_finite(f.data(), 10000) == 4096);
    f[3] = -INFINITY;
    CHECK(first_non_finite(f.data(), 10000) == 3);
    f[3] = std::numeric_limits<float>::max();  // large but finite
    f[2] = std::numeric_limits<float>::denorm_min();
    CHECK(first_non_finite(f.data(), 10000) == 4096);
    std::vector<double> d(5, 0.0);
    d[4] = NAN;
    CHECK(first_non_finite(d.data(), 5) == 4);
    CHECK(first_non_finite(from_vector<std::int32_t>({1, 2}, {2})) == -1);
    CHECK(unravel_index(2 * 20 + 1 * 5 + 3, Shape{3, 4, 5}) == Shape{2, 1, 3});
}

TEST_CASE("hostile: a non-finite score is refused naming the image and the caption", "[data][data_io][errors]") {
    std::vector<float> s(3 * 15, 0.5f);
    const auto scores = [&] { return from_vector<float>(s, {3, 15}); };
    CHECK_NOTHROW(eval::check_scores_finite(scores(), "f30k/test"));
    s[1 * 15 + 7] = NAN;
    Caught c = catch_error([&] { eval::check_scores_finite(scores(), "f30k/test"); });
    REQUIRE(c.thrown);
    CHECK(c.kind == ErrorKind::Data);
    CHECK_THAT(c.message, Contains("f30k/test: the score of image 1 and caption 7 is NaN"));
    s[0 * 15 + 14] = INFINITY;
    c = catch_error([&] { eval::check_scores_finite(scores(), "f30k/test"); });
    CHECK_THAT(c.message, Contains("image 0 and caption 14 is +Inf"));
}

TEST_CASE("hostile: caption lines longer than the limit are refused naming the file and line", "[data][data_io][errors]") {
    const std::string ok(data::kMaxCaptionBytes, 'a');
    const std::string p = write_bytes(temp_file("hostile_caps.txt"), "a dog\n" + ok + "\n" + ok + "b\nlast\n");
    const Caught c = catch_error([&] { data::read_captions(p); });
    REQUIRE(c.thrown);
    CHECK(c.kind == ErrorKind::Data);
    CHECK_THAT(c.message, Contains(p + ":3: caption of 4097 bytes is longer than the limit of 4096 bytes"));

    // A 1 MB line is refused without tokenizing it: fast, and with no more memory than the file.
    const std::string mb = write_bytes(temp_file("hostile_mb.txt"), "a cat\n" + std::string(1 << 20, 'w') + "\n");
    const Caught big = catch_error([&] { data::read_captions(mb); });
    REQUIRE(big.thrown);
    CHECK_THAT(big.message, Contains(mb + ":2: caption of 1048576 bytes"));
    CHECK(big.seconds < 2.0);
}

TEST_CASE("hostile: encode_caption refuses more than the token and byte limits", "[data][data_io][errors]") {
    data::Vocab v;
    for (const char* w : {"<pad>", "<start>", "<end>", "<unk>", "a"}) v.add(w);
    std::string at_limit;
    for (std::size_t i = 0; i < data::kMaxCaptionTokens; ++i) at_limit += "a ";
    CHECK(data::encode_caption(v, at_limit).size() == data::kMaxCaptionTokens + 2);  // + <start>, <end>
    const std::string over = at_limit + "a";
    Caught c = catch_error([&] { data::encode_caption(v, over); });
    REQUIRE(c.thrown);
    CHECK(c.kind == ErrorKind::Data);
    CHECK_THAT(c.message, Contains("257 tokens, more than the limit of 256 tokens") && Contains("\"a a a"));

    // A query of 1 MB (the search path) is refused before the tokenizer sees it.
    c = catch_error([&] { data::encode_caption(v, std::string(1 << 20, 'a')); });
    REQUIRE(c.thrown);
    CHECK_THAT(c.message, Contains("1048576 bytes, more than the limit of 4096 bytes"));
    CHECK(c.seconds < 1.0);

    // A 4 KiB line of one-letter words (the worst the byte limit lets through) stays cheap.
    std::string dense;
    while (dense.size() + 2 <= data::kMaxCaptionBytes) dense += "a ";
    c = catch_error([&] { data::encode_caption(v, dense); });
    REQUIRE(c.thrown);
    CHECK_THAT(c.message, Contains("tokens, more than the limit"));
    CHECK(c.seconds < 2.0);

    // encode_captions names the file and the line.
    c = catch_error([&] { data::encode_captions(v, {"a", "a", over}, data::NltkRules::legacy_3_2, "caps.txt"); });
    REQUIRE(c.thrown);
    CHECK(c.kind == ErrorKind::Data);
    CHECK_THAT(c.message, Contains("caps.txt:3: caption \"a a a"));
    CHECK(data::encode_captions(v, {"a", "b a"}, data::NltkRules::legacy_3_2, "caps.txt") ==
          std::vector<std::vector<std::int64_t>>{{1, 4, 2}, {1, 3, 4, 2}});
}

TEST_CASE("hostile: a dataset that does not fit the model is refused before any work", "[data][data_io][errors]") {
    models::ModelConfig mc;
    mc.img_dim = 2048;
    mc.vocab_size = 10;
    mc.embed_size = 8, mc.word_dim = 4;
    const models::ImramModel cfg(mc, 1);  // any model of the interface: its feature size and vocabulary
    data::Dataset d;
    d.images = zeros({2, 3, 1024});
    d.captions = {{1, 5, 2}, {1, 9, 2}};
    d.vocab_size = 10;
    Caught c = catch_error([&] { eval::check_data_fits_model(cfg, d, "data/x/test"); });
    REQUIRE(c.thrown);
    CHECK(c.kind == ErrorKind::Data);
    CHECK_THAT(c.message,
               Contains("data/x/test: features have 1024 values per region, the model expects 2048 (img_dim)"));

    d.images = zeros({2, 3, 2048});
    CHECK_NOTHROW(eval::check_data_fits_model(cfg, d, "data/x/test"));
    d.vocab_size = 12;
    c = catch_error([&] { eval::check_data_fits_model(cfg, d, "data/x/test"); });
    REQUIRE(c.thrown);
    CHECK(c.kind == ErrorKind::Data);
    CHECK_THAT(c.message, Contains("data/x/test: the vocabulary has 12 words, the model expects 10 (vocab_size)"));

    d.vocab_size = 0;  // unknown: the ids are still checked
    d.captions[1][1] = 10;
    c = catch_error([&] { eval::check_data_fits_model(cfg, d, "data/x/test"); });
    REQUIRE(c.thrown);
    CHECK_THAT(c.message, Contains("caption 1 has word id 10, outside the model's vocabulary of 10 words"));
}
