// SPDX-License-Identifier: MIT
#include "base/dtype.h"

namespace imram {

const char* dtype_name(DType t) {
    switch (t) {
        case DType::F32:
            return "f32";
        case DType::F64:
            return "f64";
        case DType::I32:
            return "i32";
        case DType::I64:
            return "i64";
        case DType::Bool:
            return "bool";
    }
    return "?";
}

}  // namespace imram
