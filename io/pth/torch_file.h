// SPDX-License-Identifier: MIT
// torch.save files in both layouts, read without PyTorch:
//  * zip (PyTorch >= 1.6): {prefix}/data.pkl, the pickled object, with each storage in {prefix}/data/{key};
//  * legacy (_use_new_zipfile_serialization=False, and every PyTorch before 1.6): five pickles in a row
//    (magic number, protocol version 1001, sys_info, the object, the list of storage keys), then per
//    storage an int64 element count and its raw little-endian elements.
// The object is rebuilt by the allow-listed unpickler (pickle.h); tensors refer to storages by key and
// are materialised on request, with their extent checked against the storage.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "core/tensor.h"
#include "io/pth/pickle.h"

namespace imram::pth {

struct Storage {
    std::string type;  // "FloatStorage", ...
    std::int64_t numel = 0;
    std::string bytes;  // numel elements, little-endian
};

class TorchFile {
public:
    /// Parses a whole file's bytes; `source` names it in errors. Throws imram::Error on anything malformed.
    static TorchFile parse(std::string_view bytes, const std::string& source);
    static TorchFile load(const std::string& path);

    const PyValue& root() const { return *root_; }
    const std::string& format() const { return format_; }  // "zip" or "legacy"
    const std::string& source() const { return unpickler_->source(); }

    /// A contiguous host tensor with the values `v` (a rebuilt tensor) holds. Float16/bfloat16 become
    /// float32 (exactly); `what` names the tensor in errors.
    Tensor tensor(const PyValue& v, const std::string& what) const;

private:
    std::unique_ptr<Unpickler> unpickler_;
    const PyValue* root_ = nullptr;
    std::string format_;
    std::map<std::string, Storage> storages_;
};

/// True when the bytes start like a torch.save file of either layout (a zip, or the legacy magic pickle).
bool looks_like_torch_file(std::string_view head);

}  // namespace imram::pth
