// SPDX-License-Identifier: MIT
#include "base/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/check.h"

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

const char* file_type_name(mode_t m) {
    if (S_ISDIR(m)) return "a directory";
    if (S_ISLNK(m)) return "a symbolic link";
    if (S_ISFIFO(m)) return "a FIFO";
    if (S_ISCHR(m)) return "a character device";
    if (S_ISBLK(m)) return "a block device";
    if (S_ISSOCK(m)) return "a socket";
    return "not a regular file";
}

void write_file_atomic(const std::string& path, std::string_view bytes) {
    // The rename below would replace whatever `path` names with a regular file: a FIFO a reader waits
    // on, a symbolic link (not its target), a device node (as root, /dev/null). Only regular files are
    // ever replaced.
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
        IMRAM_FAIL_KIND(IO, "write ", path, ": it is ", file_type_name(st.st_mode),
                        "; outputs only ever replace regular files");
    const std::string tmp = path + ".tmp." + std::to_string(::getpid());
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    IMRAM_CHECK_KIND(fd >= 0, IO, "write ", path, ": cannot create temporary file ", tmp, ": ", std::strerror(errno));
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            const std::string why = std::strerror(errno);
            ::close(fd);
            ::unlink(tmp.c_str());
            IMRAM_FAIL_KIND(IO, "write ", path, ": writing ", tmp, " failed after ", done, " of ", bytes.size(),
                       " bytes: ", why);
        }
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
        const std::string why = std::strerror(errno);
        ::unlink(tmp.c_str());
        IMRAM_FAIL_KIND(IO, "write ", path, ": flushing ", tmp, " failed: ", why);
    }
    if (g_before_rename) g_before_rename(tmp.c_str());  // tests: a crash at the worst moment
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        const std::string why = std::strerror(errno);
        ::unlink(tmp.c_str());
        IMRAM_FAIL_KIND(IO, "write ", path, ": renaming ", tmp, " into place failed: ", why);
    }
    // Persist the rename itself.
    const int dfd = ::open(dir_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
}

int open_regular_file(const std::string& path, std::uint64_t& size) {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer, possibly forever.
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    IMRAM_CHECK_KIND(fd >= 0, Missing, "read ", path, ": cannot open: ", std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        const std::string why = std::strerror(errno);
        ::close(fd);
        IMRAM_FAIL_KIND(Missing, "read ", path, ": cannot stat: ", why);
    }
    if (!S_ISREG(st.st_mode)) {
        ::close(fd);
        IMRAM_FAIL_KIND(Missing, "cannot open ", path, " as an input file: it is ", file_type_name(st.st_mode),
                        ", expected a regular file");
    }
    // Back to blocking reads (a regular file never blocks, but the flag must not leak to the caller).
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags >= 0) ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    size = static_cast<std::uint64_t>(st.st_size);
    return fd;
}

std::string read_file(const std::string& path, std::uint64_t max_bytes) {
    std::uint64_t size = 0;
    const int fd = open_regular_file(path, size);
    struct FdCloser {
        int fd;
        ~FdCloser() { ::close(fd); }
    } closer{fd};
    IMRAM_CHECK(size <= max_bytes, "read ", path, ": the file has ", size, " bytes, more than the limit of ", max_bytes,
                " bytes for this kind of file");
    std::string out(static_cast<std::size_t>(size), '\0');
    std::size_t done = 0;
    while (done < out.size()) {
        const ssize_t n = ::read(fd, out.data() + done, out.size() - done);
        if (n < 0 && errno == EINTR) continue;
        IMRAM_CHECK(n >= 0, "read ", path, ": read error after ", done, " of ", size, " bytes: ", std::strerror(errno));
        if (n == 0) break;  // the file shrank since fstat: keep what is there
        done += static_cast<std::size_t>(n);
    }
    out.resize(done);
    return out;
}

}  // namespace imram
