// SPDX-License-Identifier: MIT
#include "io/pth/zip_reader.h"

#include <array>
#include <cstdint>
#include <set>

#include "base/check.h"

namespace imram::pth {
namespace {

constexpr std::uint32_t kLocalSig = 0x04034b50, kCentralSig = 0x02014b50, kEndSig = 0x06054b50,
                        kEnd64Sig = 0x06064b50, kEnd64LocatorSig = 0x07064b50;
constexpr std::uint32_t kMax32 = 0xffffffffu;
constexpr std::uint16_t kMax16 = 0xffffu;

/// Little-endian reads with a bounds check against the whole archive.
class Reader {
public:
    Reader(std::string_view b, const std::string& src) : b_(b), src_(src) {}

    void need(std::uint64_t off, std::uint64_t n, const char* what) const {
        IMRAM_CHECK(off <= b_.size() && n <= b_.size() - off, src_, ": truncated zip archive: ", what, " at offset ",
                    off, " needs ", n, " bytes but the file has ", b_.size());
    }
    std::uint64_t le(std::uint64_t off, int n, const char* what) const {
        need(off, static_cast<std::uint64_t>(n), what);
        std::uint64_t v = 0;
        for (int i = 0; i < n; ++i) v |= static_cast<std::uint64_t>(static_cast<unsigned char>(b_[off + i])) << (8 * i);
        return v;
    }
    std::uint16_t u16(std::uint64_t off, const char* what) const { return static_cast<std::uint16_t>(le(off, 2, what)); }
    std::uint32_t u32(std::uint64_t off, const char* what) const { return static_cast<std::uint32_t>(le(off, 4, what)); }
    std::uint64_t u64(std::uint64_t off, const char* what) const { return le(off, 8, what); }
    std::string_view view(std::uint64_t off, std::uint64_t n, const char* what) const {
        need(off, n, what);
        return b_.substr(off, n);
    }
    std::uint64_t size() const { return b_.size(); }

private:
    std::string_view b_;
    const std::string& src_;
};

struct Directory {
    std::uint64_t entries, offset, size;
};

/// The end-of-central-directory record is the last thing in the file, followed only by its comment.
std::uint64_t find_end_record(const Reader& r, std::string_view b, const std::string& src) {
    IMRAM_CHECK(b.size() >= 22, src, ": not a zip archive (", b.size(), " bytes, shorter than the 22-byte end record)");
    const std::uint64_t lowest = b.size() >= 22 + 0xffff ? b.size() - 22 - 0xffff : 0;
    for (std::uint64_t off = b.size() - 22 + 1; off-- > lowest;)
        if (r.u32(off, "end record") == kEndSig && off + 22 + r.u16(off + 20, "comment length") == b.size()) return off;
    IMRAM_FAIL(src, ": truncated or corrupt zip archive: no end-of-central-directory record (signature 0x06054b50) "
                    "at the end of the file");
}

Directory read_directory(const Reader& r, std::uint64_t end, const std::string& src) {
    Directory d{r.u16(end + 10, "end record"), r.u32(end + 16, "end record"), r.u32(end + 12, "end record")};
    if (d.entries == kMax16 || d.offset == kMax32 || d.size == kMax32) {
        // Zip64: a locator just before the end record points at the 64-bit end record.
        IMRAM_CHECK(end >= 20 && r.u32(end - 20, "zip64 locator") == kEnd64LocatorSig, src,
                    ": zip archive announces zip64 sizes but has no zip64 end-of-directory locator");
        const std::uint64_t rec = r.u64(end - 20 + 8, "zip64 locator");
        IMRAM_CHECK(r.u32(rec, "zip64 end record") == kEnd64Sig, src, ": zip64 end record expected at offset ", rec,
                    " (signature 0x06064b50)");
        d = {r.u64(rec + 32, "zip64 end record"), r.u64(rec + 48, "zip64 end record"), r.u64(rec + 40, "zip64 end record")};
    }
    r.need(d.offset, d.size, "central directory");
    return d;
}

const std::array<std::uint32_t, 256>& crc_table() {
    static const std::array<std::uint32_t, 256> t = [] {
        std::array<std::uint32_t, 256> a{};
        for (std::uint32_t i = 0; i < 256; ++i) {
            std::uint32_t c = i;
            for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
            a[i] = c;
        }
        return a;
    }();
    return t;
}

}  // namespace

unsigned crc32(std::string_view data) {
    const auto& t = crc_table();
    std::uint32_t c = 0xffffffffu;
    for (char ch : data) c = t[(c ^ static_cast<unsigned char>(ch)) & 0xff] ^ (c >> 8);
    return c ^ 0xffffffffu;
}

std::vector<ZipEntry> read_zip(std::string_view bytes, const std::string& src) {
    const Reader r(bytes, src);
    const Directory dir = read_directory(r, find_end_record(r, bytes, src), src);
    // Each central header is at least 46 bytes: a count beyond that is corrupt, not a reason to loop.
    IMRAM_CHECK(dir.entries <= dir.size / 46, src, ": corrupt zip archive: ", dir.entries,
                " entries cannot fit a central directory of ", dir.size, " bytes");
    std::vector<ZipEntry> out;
    std::set<std::string> seen;
    std::uint64_t off = dir.offset;
    for (std::uint64_t i = 0; i < dir.entries; ++i) {
        IMRAM_CHECK(r.u32(off, "central directory") == kCentralSig, src, ": corrupt zip archive: central directory entry ",
                    i, " at offset ", off, " lacks its signature 0x02014b50");
        const std::uint16_t flags = r.u16(off + 8, "central directory"), method = r.u16(off + 10, "central directory");
        const std::uint32_t crc = r.u32(off + 16, "central directory");
        std::uint64_t csize = r.u32(off + 20, "central directory"), usize = r.u32(off + 24, "central directory");
        const std::uint16_t name_len = r.u16(off + 28, "central directory"), extra_len = r.u16(off + 30, "central directory"),
                            comment_len = r.u16(off + 32, "central directory");
        std::uint64_t local = r.u32(off + 42, "central directory");
        std::string name(r.view(off + 46, name_len, "entry name"));
        // Zip64 extended information: the 64-bit values of the fields saturated above, in this order.
        const std::string_view extra = r.view(off + 46 + name_len, extra_len, "extra field");
        for (std::size_t e = 0; e + 4 <= extra.size();) {
            const Reader x(extra, src);
            const std::uint16_t id = x.u16(e, "extra field"), len = x.u16(e + 2, "extra field");
            if (id == 0x0001) {
                std::uint64_t p = e + 4;
                for (std::uint64_t* field : {&usize, &csize, &local})
                    if (*field == kMax32) {
                        IMRAM_CHECK(p + 8 <= e + 4 + len, src, ": zip entry '", name, "': zip64 field missing from its extra data");
                        *field = x.u64(p, "zip64 extra field");
                        p += 8;
                    }
            }
            e += 4 + static_cast<std::size_t>(len);
        }
        IMRAM_CHECK(!(flags & 1), src, ": zip entry '", name, "' is encrypted");
        IMRAM_CHECK(method == 0, src, ": zip entry '", name, "' is compressed (method ", method,
                    "); torch.save writes stored entries (method 0) only");
        IMRAM_CHECK(csize == usize, src, ": zip entry '", name, "' is stored but its sizes differ (", csize, " vs ", usize, ")");
        IMRAM_CHECK(seen.insert(name).second, src, ": zip archive holds '", name, "' twice");

        IMRAM_CHECK(r.u32(local, "local header") == kLocalSig, src, ": corrupt zip archive: entry '", name,
                    "' has no local header (signature 0x04034b50) at offset ", local);
        const std::uint64_t data = local + 30 + r.u16(local + 26, "local header") + r.u16(local + 28, "local header");
        IMRAM_CHECK(r.view(local + 30, r.u16(local + 26, "local header"), "local name") == name, src,
                    ": corrupt zip archive: entry '", name, "' has a different name in its local header");
        IMRAM_CHECK(data <= bytes.size() && usize <= bytes.size() - data, src, ": truncated zip archive: entry '", name,
                    "' needs ", usize, " bytes at offset ", data, " but the file has ", bytes.size());
        const std::string_view payload = bytes.substr(data, usize);
        const unsigned got = crc32(payload);
        IMRAM_CHECK(got == crc, src, ": zip entry '", name, "' is corrupt: CRC-32 ", std::hex, got, " but the directory says ",
                    crc);
        out.push_back({std::move(name), payload});
        off += 46 + static_cast<std::uint64_t>(name_len) + extra_len + comment_len;
    }
    return out;
}

}  // namespace imram::pth
