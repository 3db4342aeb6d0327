// SPDX-License-Identifier: MIT
#include "data/labels.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string_view>
#include <unordered_map>

#include "base/check.h"
#include "base/lines.h"
#include "base/file_io.h"

namespace imram::data {
namespace {

// A token as an error message shows it: printable ASCII verbatim, any other byte as \xNN (binary junk
// must not reach a terminal raw), long tokens cut.
std::string shown(std::string_view token) {
    constexpr std::size_t kShown = 24;
    std::string out;
    for (std::size_t i = 0; i < token.size() && i < kShown; ++i) {
        const auto c = static_cast<unsigned char>(token[i]);
        if (c >= 0x20 && c < 0x7f) {
            out += static_cast<char>(c);
        } else {
            char b[8];
            std::snprintf(b, sizeof b, "\\x%02X", c);
            out += b;
        }
    }
    if (token.size() > kShown) out += "...";
    return out;
}

void sort_unique(std::vector<std::int32_t>& v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
}

}  // namespace

std::int64_t ImageLabels::num_labeled() const {
    return std::count_if(sets.begin(), sets.end(), [](const auto& s) { return !s.empty(); });
}

ImageLabels ImageLabels::first(std::int64_t n) const {
    IMRAM_CHECK(n >= 0 && n <= num_images(), "ImageLabels::first: ", n, " images asked of ", num_images());
    ImageLabels out;
    out.sets.assign(sets.begin(), sets.begin() + n);
    return out;
}

ImageLabels make_image_labels(const std::vector<std::vector<std::int64_t>>& ids) {
    ImageLabels out;
    out.sets.reserve(ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i) {
        std::vector<std::int32_t> s;
        s.reserve(ids[i].size());
        for (const std::int64_t id : ids[i]) {
            IMRAM_CHECK(id >= 0 && id <= kMaxLabelId, "make_image_labels: image ", i, ": class id ", id,
                        " is outside [0, ", kMaxLabelId, "]");
            s.push_back(static_cast<std::int32_t>(id));
        }
        sort_unique(s);
        IMRAM_CHECK(s.size() <= kMaxLabelsPerImage, "make_image_labels: image ", i, " has ", s.size(),
                    " distinct class ids, more than the limit of ", kMaxLabelsPerImage);
        out.sets.push_back(std::move(s));
    }
    return out;
}

ImageLabels read_image_labels(const std::string& path, std::int64_t expected_images) {
    IMRAM_CHECK(expected_images >= 0, "read_image_labels: ", path, ": expected image count ", expected_images,
                " is negative");
    const std::string bytes = read_file(path, kMaxLabelsFileBytes);
    IMRAM_CHECK(bytes.rfind("\xEF\xBB\xBF", 0) != 0, path, ":1: starts with a UTF-8 byte order mark; save it without one");
    ImageLabels out;
    // Class names (tokens that are not all digits) get ids above every numeric id, in the order of
    // their first appearance: the same name is the same class on every line.
    std::unordered_map<std::string, std::int32_t> names;
    // Lines are parsed before they are counted: for a file that is not a labels file at all (captions,
    // binary), "line 1: 'A' is not a class id" says more than a line count.
    const std::int64_t lines = for_each_line(bytes, [&](std::int64_t line_no, std::string_view line) {
        std::vector<std::int32_t> ids;
        std::size_t pos = 0;
        while (pos < line.size()) {
            if (line[pos] == ' ' || line[pos] == '\t') {
                ++pos;
                continue;
            }
            std::size_t tend = pos;
            while (tend < line.size() && line[tend] != ' ' && line[tend] != '\t') ++tend;
            const std::string_view token = line.substr(pos, tend - pos);
            pos = tend;
            std::int64_t value = 0;
            bool digits = true;
            for (const char c : token) {
                if (c < '0' || c > '9') {
                    digits = false;
                    break;
                }
                // Stop growing past the bound: the value is only reported as "above", and a long
                // digit string must not overflow.
                if (value <= kMaxLabelId) value = value * 10 + (c - '0');
            }
            if (!digits) {
                bool printable = true;
                for (const char c : token) printable = printable && static_cast<unsigned char>(c) >= 0x20 && c != 0x7F;
                IMRAM_CHECK(printable && token.front() != '#', path, ":", line_no, ": '", shown(token),
                            "' is not a class id or a class name (expected non-negative integers or names without "
                            "control bytes, separated by spaces",
                            token.front() == '#' ? "; comments are not allowed" : "", ")");
                auto [it, added] = names.emplace(std::string(token), 0);
                if (added) {
                    IMRAM_CHECK(names.size() <= kMaxLabelNames, path, ":", line_no, ": more than ", kMaxLabelNames,
                                " distinct class names");
                    it->second = static_cast<std::int32_t>(kMaxLabelId + static_cast<std::int64_t>(names.size()));
                }
                ids.push_back(it->second);
            } else {
                IMRAM_CHECK(value <= kMaxLabelId, path, ":", line_no, ": class id ", shown(token),
                            " is above the limit of ", kMaxLabelId);
                ids.push_back(static_cast<std::int32_t>(value));
            }
            // Compacted as the line grows, so that a huge line of repeats costs memory and time bounded by
            // the limit, and one with too many distinct ids is refused as soon as that is known.
            if (ids.size() > 2 * kMaxLabelsPerImage) {
                sort_unique(ids);
                IMRAM_CHECK(ids.size() <= kMaxLabelsPerImage, path, ":", line_no, ": more than ", kMaxLabelsPerImage,
                            " distinct class ids on one line");
            }
        }
        sort_unique(ids);
        IMRAM_CHECK(ids.size() <= kMaxLabelsPerImage, path, ":", line_no, ": ", ids.size(),
                    " distinct class ids, more than the limit of ", kMaxLabelsPerImage);
        out.sets.push_back(std::move(ids));
    });
    IMRAM_CHECK(lines == expected_images, path, ": ", lines,
                " lines, expected one per image of the split: ", expected_images,
                " (an image without labels is an empty line)");
    return out;
}

std::optional<std::string> find_image_labels(const std::string& data_path, const std::string& data_name,
                                             const std::string& split) {
    namespace fs = std::filesystem;
    const fs::path p = fs::path(data_path) / data_name / (split + "_labels.txt");
    std::error_code ec;
    // symlink_status: a dangling link is "something there" too, and reading it names the problem.
    if (fs::exists(fs::symlink_status(p, ec))) return p.string();
    return std::nullopt;
}

std::int64_t label_distance(const std::vector<std::int32_t>& a, const std::vector<std::int32_t>& b) {
    std::size_t i = 0, j = 0, common = 0;
    while (i < a.size() && j < b.size()) {
        if (a[i] < b[j]) {
            ++i;
        } else if (b[j] < a[i]) {
            ++j;
        } else {
            ++common, ++i, ++j;
        }
    }
    return static_cast<std::int64_t>(a.size() + b.size() - 2 * common);
}

}  // namespace imram::data
