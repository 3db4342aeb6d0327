// SPDX-License-Identifier: MIT
#include "core/file_io.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/check.h"

namespace imram {
namespace {

std::string dir_of(const std::string& path) {
    const auto slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

void (*g_before_rename)(const char*) = nullptr;

}  // namespace

void set_before_rename_hook(void (*hook)(const char* tmp_path)) {
    g_before_rename = hook;
}

void write_file_atomic(const std::string& path, std::string_view bytes) {
    const std::string tmp = path + ".tmp." + std::to_string(::getpid());
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    IMRAM_CHECK(fd >= 0, "write ", path, ": cannot create temporary file ", tmp, ": ", std::strerror(errno));
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            const std::string why = std::strerror(errno);
            ::close(fd);
            ::unlink(tmp.c_str());
            IMRAM_FAIL("write ", path, ": writing ", tmp, " failed after ", done, " of ", bytes.size(),
                       " bytes: ", why);
        }
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
        const std::string why = std::strerror(errno);
        ::unlink(tmp.c_str());
        IMRAM_FAIL("write ", path, ": flushing ", tmp, " failed: ", why);
    }
    if (g_before_rename) g_before_rename(tmp.c_str());  // tests: a crash at the worst moment
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        const std::string why = std::strerror(errno);
        ::unlink(tmp.c_str());
        IMRAM_FAIL("write ", path, ": renaming ", tmp, " into place failed: ", why);
    }
    // Persist the rename itself.
    const int dfd = ::open(dir_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    IMRAM_CHECK(in.good(), "read ", path, ": cannot open: ", std::strerror(errno));
    std::ostringstream s;
    s << in.rdbuf();
    IMRAM_CHECK(!in.bad(), "read ", path, ": read error");
    return s.str();
}

}  // namespace imram
