// SPDX-License-Identifier: MIT
// Reading a model's hyper-parameters from text (models::Options: the command line's settings, or a
// model file's metadata), for every family. Errors name the source and the field.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace imram::models {

using Options = std::map<std::string, std::string>;

/// options[key] as a number, or `def` when absent; anything but a whole number throws.
double option_double(const Options& options, const std::string& key, double def, const std::string& source);
/// options[key] as a 64-bit integer, or `def` when absent; anything but a whole integer throws.
std::int64_t option_int(const Options& options, const std::string& key, std::int64_t def, const std::string& source);

}  // namespace imram::models
