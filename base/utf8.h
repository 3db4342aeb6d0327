// SPDX-License-Identifier: MIT
// Strict UTF-8 helpers shared by the caption reader, the .npy v3 header check and the tokenizer.
// "Strict" means what Python's bytes.decode('utf-8') accepts: no overlong forms, no surrogates
// (U+D800..U+DFFF), nothing above U+10FFFF.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace imram::utf8 {

inline constexpr std::size_t npos = std::string_view::npos;

/// Byte offset of the first byte of the first invalid sequence in `s`, or npos when `s` is valid.
std::size_t find_invalid(std::string_view s);

/// Code points of `s`; throws imram::Error (naming `what`) when `s` is not valid UTF-8.
std::u32string decode(std::string_view s, std::string_view what = "text");

/// UTF-8 bytes of `s` (code points must be valid scalar values; others are an error).
std::string encode(std::u32string_view s);

}  // namespace imram::utf8
