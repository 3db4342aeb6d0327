// SPDX-License-Identifier: MIT
#include "train/run_dir.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>

#include "base/check.h"

namespace imram::train {
namespace fs = std::filesystem;

namespace {

constexpr const char* kLockName = ".lock";

/// A file or folder the trainer writes into a run directory.
bool written_by_a_run(const std::string& name, bool is_dir) {
    if (is_dir) return name.starts_with("compare_");
    if (name == "metrics.jsonl" || name == "metrics.csv" || name == "learning_curve.svg") return true;
    if (name == "model_best.safetensors") return true;
    if (name.starts_with("checkpoint_") && name.ends_with(".safetensors")) return true;  // _last, _last.optim, _epochN
    return name.find(".safetensors.tmp.") != std::string::npos;  // an atomic write cut short by a crash
}

}  // namespace

RunDirLock::RunDirLock(const std::string& dir) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    IMRAM_CHECK_KIND(!ec, IO, "--run_dir ", dir, ": cannot create the directory: ", ec.message());
    const std::string path = (fs::path(dir) / kLockName).string();
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    IMRAM_CHECK_KIND(fd_ >= 0, IO, "--run_dir ", dir, ": cannot create ", path, ": ", std::strerror(errno));
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
        const int err = errno;
        char holder[32] = {0};
        const ssize_t n = ::pread(fd_, holder, sizeof holder - 1, 0);
        ::close(fd_);
        fd_ = -1;
        std::string who = n > 0 ? std::string(holder, static_cast<std::size_t>(n)) : std::string();
        while (!who.empty() && (who.back() == '\n' || who.back() == ' ')) who.pop_back();
        IMRAM_CHECK_KIND(err != EWOULDBLOCK, Unavailable, "--run_dir ", dir, " is in use by another trainer",
                         who.empty() ? std::string() : " (pid " + who + ")",
                         "; wait for it to finish or choose another --run_dir");
        IMRAM_FAIL_KIND(IO, "--run_dir ", dir, ": cannot lock ", path, ": ", std::strerror(err));
    }
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd_, 0) == 0) {
        const ssize_t w = ::pwrite(fd_, pid.data(), pid.size(), 0);
        (void)w;  // the pid is a courtesy for the refusal message; the lock itself is what counts
    }
}

RunDirLock::~RunDirLock() {
    if (fd_ >= 0) ::close(fd_);  // closing the descriptor releases the flock
}

std::vector<std::string> run_dir_entries(const std::string& dir) {
    std::vector<std::string> out;
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) return out;
    for (const auto& e : fs::directory_iterator(dir, ec))
        if (e.path().filename() != kLockName) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
}

void prepare_fresh_run_dir(const std::string& dir, bool overwrite) {
    std::error_code ec;
    IMRAM_CHECK_KIND(!fs::exists(dir, ec) || fs::is_directory(dir, ec), IO, "--run_dir ", dir,
                     ": exists and is not a directory");
    const std::vector<std::string> entries = run_dir_entries(dir);
    if (entries.empty()) return;
    if (!overwrite) {
        std::string shown;
        for (std::size_t i = 0; i < entries.size() && i < 4; ++i) shown += (i ? ", " : "") + entries[i];
        if (entries.size() > 4) shown += ", ... (" + std::to_string(entries.size()) + " entries)";
        IMRAM_FAIL_KIND(Usage, "--run_dir ", dir, " is not empty (", shown,
                        "): a fresh run would mix its files with an earlier run's. Continue that run with --resume ",
                        (fs::path(dir) / "checkpoint_last.safetensors").string(),
                        ", replace it with --overwrite, or choose another --run_dir");
    }
    for (const std::string& name : entries) {
        const fs::path p = fs::path(dir) / name;
        const bool is_dir = fs::is_directory(fs::symlink_status(p, ec));
        if (!written_by_a_run(name, is_dir)) continue;
        if (is_dir)
            fs::remove_all(p, ec);
        else
            fs::remove(p, ec);
        IMRAM_CHECK_KIND(!ec, IO, "--overwrite: cannot remove ", p.string(), ": ", ec.message());
    }
}

}  // namespace imram::train
