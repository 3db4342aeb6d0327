// SPDX-License-Identifier: MIT
// write_file_atomic replaces regular files only: never a FIFO, a symbolic link, a device or a folder.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "base/check.h"
#include "base/file_io.h"
#include "tests/testing/temp.h"

using namespace imram;
namespace fs = std::filesystem;

namespace {
void expect_refused(const std::string& path, const char* what) {
    try {
        write_file_atomic(path, "new bytes");
        FAIL("write_file_atomic replaced " << what);
    } catch (const Error& e) {
        CHECK(e.kind == ErrorKind::IO);
        CHECK_THAT(e.message(), Catch::Contains(path) && Catch::Contains(what));
    }
}
}  // namespace

TEST_CASE("write_file_atomic refuses to replace anything but a regular file", "[core]") {
    const fs::path dir = testing::temp_dir() / "atomic_targets";
    fs::remove_all(dir);
    fs::create_directories(dir);

    const std::string fifo = (dir / "pipe").string();
    REQUIRE(::mkfifo(fifo.c_str(), 0644) == 0);
    expect_refused(fifo, "a FIFO");
    CHECK(fs::is_fifo(fifo));

    const std::string target = (dir / "target.txt").string(), link = (dir / "link").string();
    std::ofstream(target) << "kept";
    fs::create_symlink(target, link);
    expect_refused(link, "a symbolic link");
    CHECK(fs::is_symlink(link));
    std::ifstream in(target);
    std::string kept;
    in >> kept;
    CHECK(kept == "kept");

    expect_refused(dir.string(), "a directory");
    expect_refused("/dev/null", "a character device");
    CHECK(fs::is_character_file("/dev/null"));

    // A regular file is replaced, and nothing is left behind.
    const std::string plain = (dir / "plain.txt").string();
    std::ofstream(plain) << "old";
    write_file_atomic(plain, "new bytes");
    CHECK(read_file(plain) == "new bytes");
    CHECK(std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 4);  // pipe, target, link, plain
}

TEST_CASE("errors keep the user's message apart from the source location", "[core]") {
    try {
        IMRAM_CHECK_KIND(1 + 1 == 3, Missing, "file ", "x.npy", " is gone");
        FAIL("no throw");
    } catch (const Error& e) {
        CHECK(e.kind == ErrorKind::Missing);
        CHECK(e.message() == "file x.npy is gone");
        CHECK_THAT(e.where(), Catch::Contains("test_file_io.cpp:") && Catch::Contains("[check: 1 + 1 == 3]"));
        CHECK_THAT(std::string(e.what()), Catch::StartsWith("tests/base/test_file_io.cpp:") ||
                                              Catch::Contains("test_file_io.cpp:"));
    }
    CHECK(Error("plain").kind == ErrorKind::Data);
    CHECK(std::string(Error::io("disk full").what()) == "disk full");
}
