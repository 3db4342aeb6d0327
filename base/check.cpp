// SPDX-License-Identifier: MIT
#include "base/check.h"

namespace imram::detail {

void fail(const char* file, int line, const char* expr, const std::string& msg, ErrorKind kind) {
    std::string f = file;
    // Trim the build machine's absolute prefix so messages are stable and short.
    for (const char* top : {"/base/", "/kernels/", "/core/", "/nn/", "/io/", "/data/", "/models/", "/eval/", "/train/",
                            "/api/", "/cli/", "/tests/"})
        if (auto p = f.rfind(top); p != std::string::npos) {
            f = f.substr(p + 1);
            break;
        }
    throw Error(kind, msg, cat(f, ":", line), expr ? expr : "");
}

}  // namespace imram::detail
