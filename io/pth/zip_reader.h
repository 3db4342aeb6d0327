// SPDX-License-Identifier: MIT
// Reads the entries of a zip archive held in memory, as torch.save's zip format writes it: stored
// (uncompressed) entries, zip64 records when the archive or an entry passes 4 GB, a CRC-32 per entry.
// Everything is bounds-checked; errors name the source and the entry.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace imram::pth {

struct ZipEntry {
    std::string name;
    std::string_view data;  // points into the archive's bytes
};

/// Lists the archive's entries in central-directory order and checks each one's CRC-32.
/// `bytes` must outlive the returned views; `source` names the archive in errors.
std::vector<ZipEntry> read_zip(std::string_view bytes, const std::string& source);

/// CRC-32 (ISO-HDLC, the zip polynomial) of `data`.
unsigned crc32(std::string_view data);

}  // namespace imram::pth
