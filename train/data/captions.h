// SPDX-License-Identifier: MIT
// Caption files of the SCAN "precomp" layout ({split}_caps.txt): UTF-8, one caption per line,
// five consecutive lines per image. Lines are kept verbatim except for a trailing '\r' (files edited
// on Windows), so caption i is line i + 1 and maps to image i / im_div.
#pragma once

#include <string>
#include <vector>

namespace imram::data {

/// Captions in file order. A final line without '\n' counts; a final '\n' does not start another
/// (empty) caption. Throws imram::Error naming the file (and the 1-based line number) when the file
/// cannot be read, is empty, or holds invalid UTF-8.
std::vector<std::string> read_captions(const std::string& path);

}  // namespace imram::data
