// SPDX-License-Identifier: MIT
#include "eval/encode.h"

#include <filesystem>
#include <limits>
#include <vector>

#include "base/check.h"
#include "dist/communicator.h"
#include "io/npy.h"
#include "eval/evaluate.h"

namespace imram::eval {

EncodeSummary write_embeddings(const models::RetrievalModel& model, const data::Dataset& d, const std::string& out_dir,
                               std::int64_t batch, const std::function<void(std::int64_t, std::int64_t)>& on_batch) {
    const models::Encoded e = encode_split(model, d, batch, on_batch);
    std::vector<std::int32_t> lens;
    lens.reserve(e.lengths.size());
    for (const std::int64_t l : e.lengths) {
        IMRAM_CHECK(l <= std::numeric_limits<std::int32_t>::max(), "encode: caption length ", l, " exceeds int32");
        lens.push_back(static_cast<std::int32_t>(l));
    }
    // Processes that share the job encode a block each (encode_split gathers them); the first writes.
    if (dist::world().rank() != 0) return {e.images.shape(), e.captions.shape(), model.has_uncertainty()};
    namespace fs = std::filesystem;
    fs::create_directories(out_dir);
    const fs::path out(out_dir);
    io::save_npy((out / "img_emb.npy").string(), e.images);
    io::save_npy((out / "cap_emb.npy").string(), e.captions);
    io::save_npy((out / "cap_lens.npy").string(), from_vector<std::int32_t>(lens, {static_cast<std::int64_t>(lens.size())}));
    // A model that estimates how ambiguous each item is (PCME): one value per image and per caption.
    if (model.has_uncertainty()) {
        io::save_npy((out / "img_uncertainty.npy").string(), model.uncertainty(e.images).to(Device::cpu()));
        io::save_npy((out / "cap_uncertainty.npy").string(), model.uncertainty(e.captions).to(Device::cpu()));
    }
    return {e.images.shape(), e.captions.shape(), model.has_uncertainty()};
}

}  // namespace imram::eval
