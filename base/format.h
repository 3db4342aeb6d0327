// SPDX-License-Identifier: MIT
// Numbers as text that reads back to the same number: hyper-parameters in a model file's metadata,
// the run's settings in a checkpoint, values in metrics.jsonl.
#pragma once

#include <string>

namespace imram {

/// `v` with 17 significant digits (printf's "%.17g"), which every double needs at most to read back
/// bit for bit through strtod: "0.20000000000000001", "9", "0.00020000000000000001", "inf", "nan".
/// Not the shortest such text; the files written so far hold this form, so it stays byte for byte.
std::string format_exact(double v);

/// `v` as Python's repr prints a float: the shortest text that reads back to it, with ".0" on whole
/// numbers ("0.2", "9.0", "1e-05", "nan", "inf"). For options read from official checkpoints.
std::string format_python_float(double v);

}  // namespace imram
