// SPDX-License-Identifier: MIT
#include "models/word_vectors.h"

#include <algorithm>
#include <cstdint>

#include "base/check.h"

namespace imram::models {

std::size_t set_word_vectors(RetrievalModel& model, std::int64_t dim, const std::vector<std::int64_t>& ids,
                             const std::vector<float>& values, const std::string& source) {
    const Tensor& table = model.word_embedding();
    const std::int64_t V = table.size(0), W = table.size(1);
    IMRAM_CHECK(values.size() == ids.size() * static_cast<std::size_t>(std::max<std::int64_t>(dim, 0)), source,
                ": ", ids.size(), " word ids but ", values.size(), " values for vectors of ", dim);
    IMRAM_CHECK_KIND(dim == W, Usage, source, ": the word vectors have ", dim,
                     " values each, but the model's word_dim is ", W, " (pass --word_dim ", dim, ")");
    // Edit a host copy in the table's own dtype (the rows without a vector stay bit for bit), then copy
    // it back: the table may live on a GPU.
    const Tensor host = table.detach().to(Device::cpu()).clone();
    IMRAM_CHECK(host.dtype() == DType::F32 || host.dtype() == DType::F64, "set_word_vectors: a float table, got ",
                host.describe());
    for (std::size_t i = 0; i < ids.size(); ++i) {
        const std::int64_t id = ids[i];
        IMRAM_CHECK(id >= 0 && id < V, source, ": word id ", id, " is outside the model's vocabulary of ", V);
        const float* v = values.data() + static_cast<std::ptrdiff_t>(i) * W;
        if (host.dtype() == DType::F32) std::copy_n(v, W, host.data<float>() + id * W);
        else std::copy_n(v, W, host.data<double>() + id * W);
    }
    table.copy_(host);
    return ids.size();
}

}  // namespace imram::models
