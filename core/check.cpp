// SPDX-License-Identifier: MIT
#include "core/check.h"

namespace imram::detail {

void fail(const char* file, int line, const char* expr, const std::string& msg) {
    std::string f = file;
    // Trim the build machine's absolute prefix so messages are stable and short.
    if (auto p = f.rfind("/core/"); p != std::string::npos)
        f = f.substr(p + 1);
    else if (auto q = f.rfind("/kernels/"); q != std::string::npos)
        f = f.substr(q + 1);
    else if (auto r = f.rfind("/nn/"); r != std::string::npos)
        f = f.substr(r + 1);
    std::string what = cat(f, ":", line, ": ", msg);
    if (expr) what += cat(" [check: ", expr, "]");
    throw Error(what);
}

}  // namespace imram::detail
