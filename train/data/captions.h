// SPDX-License-Identifier: MIT
// Caption files of the SCAN "precomp" layout ({split}_caps.txt): UTF-8, one caption per line,
// five consecutive lines per image. Lines are kept verbatim except for a trailing '\r' (files edited
// on Windows), so caption i is line i + 1 and maps to image i / im_div.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace imram::data {

/// Limits on one caption (a line of a caption file, or a query). The official loaders have none;
/// real captions have fewer than 100 words (a few hundred bytes), so these are generous. They bound
/// the work a single line can cause: every caption of a batch is padded to the longest, and the
/// attention's memory grows with that length (without a cap a 1 MB line drove an evaluation past 24 GB).
/// Longer captions are refused, not truncated, so that no result silently depends on a cut.
inline constexpr std::size_t kMaxCaptionBytes = 8192;   // bytes of UTF-8, checked when a file is read
inline constexpr std::size_t kMaxCaptionTokens = 1000;  // words and punctuation, checked when encoded

/// Captions in file order. A final line without '\n' counts; a final '\n' does not start another
/// (empty) caption. Throws imram::Error naming the file (and the 1-based line number) when the file
/// cannot be read, is empty, holds invalid UTF-8, or has a line longer than kMaxCaptionBytes.
std::vector<std::string> read_captions(const std::string& path);

}  // namespace imram::data
