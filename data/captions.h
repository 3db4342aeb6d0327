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
/// real captions have fewer than 100 words (a few hundred bytes), so these leave ample room. They bound
/// the work a single line can cause: every caption of a batch is padded to the longest, and the
/// attention's memory grows with that length. Measured with the default full_IMRAM model (embed_size
/// 1024) on the 100-image demo test split: peak memory 0.34 GB with ordinary captions, 1.2 GB with one
/// caption of 250 tokens, 4.4 GB with one of 1,000 (and a 1 MB line without a cap went past 24 GB).
/// Longer captions are refused, not truncated, so that no result silently depends on a cut.
inline constexpr std::size_t kMaxCaptionBytes = 4096;  // bytes of UTF-8, checked when a file is read
inline constexpr std::size_t kMaxCaptionTokens = 256;  // words and punctuation, checked when encoded

/// Captions in file order. A final line without '\n' counts; a final '\n' does not start another
/// (empty) caption. Throws imram::Error naming the file (and the 1-based line number) when the file
/// cannot be read, is empty, holds invalid UTF-8, or has a line longer than kMaxCaptionBytes.
std::vector<std::string> read_captions(const std::string& path);

}  // namespace imram::data
