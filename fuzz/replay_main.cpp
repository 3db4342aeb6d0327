// SPDX-License-Identifier: MIT
// Replays a fuzz target's corpus without libFuzzer, so the ordinary (g++) build and its sanitizer
// run execute every committed input:  fuzz_<name> FILE_OR_DIR...
// A directory contributes every regular file in it (recursively). An argument that names nothing,
// or a run that finds no file at all, fails: an empty corpus would otherwise pass silently.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace fs = std::filesystem;

int main(int argc, char** argv) {
    std::vector<fs::path> files;
    for (int i = 1; i < argc; ++i) {
        const fs::path p(argv[i]);
        if (fs::is_directory(p)) {
            for (const auto& e : fs::recursive_directory_iterator(p))
                if (e.is_regular_file()) files.push_back(e.path());
        } else if (fs::is_regular_file(p)) {
            files.push_back(p);
        } else {
            std::fprintf(stderr, "%s: no such file or directory\n", argv[i]);
            return 2;
        }
    }
    if (files.empty()) {
        std::fprintf(stderr, "usage: %s FILE_OR_DIR...  (no input files found)\n", argv[0]);
        return 2;
    }
    std::sort(files.begin(), files.end());  // a stable order makes a failure reproducible by position
    for (const auto& f : files) {
        std::ifstream in(f, std::ios::binary);
        const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (!in.good() && !in.eof()) {
            std::fprintf(stderr, "%s: read error\n", f.c_str());
            return 2;
        }
        std::fprintf(stderr, "replay %s (%zu bytes)\n", f.c_str(), bytes.size());
        // A copy in its own allocation, so ASan sees reads past the end as libFuzzer would.
        std::vector<std::uint8_t> buf(bytes.begin(), bytes.end());
        LLVMFuzzerTestOneInput(buf.data(), buf.size());
    }
    std::printf("replayed %zu inputs\n", files.size());
    return 0;
}
