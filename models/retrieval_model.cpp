// SPDX-License-Identifier: MIT
#include "models/retrieval_model.h"

#include "base/check.h"

namespace imram::models {

Encoded RetrievalModel::encode(const Tensor& features, const Tensor& ids, const std::vector<std::int64_t>& lengths) const {
    IMRAM_CHECK(features.dim() == 3 && features.size(2) == image_feature_size(),
                "encode: image features must be (N, R, ", image_feature_size(), "), got ", features.describe());
    IMRAM_CHECK(ids.dim() == 2 && static_cast<std::int64_t>(lengths.size()) == ids.size(0),
                "encode: caption ids must be (N, L) with N lengths, got ", ids.describe(), " and ", lengths.size(),
                " lengths");
    return {encode_images(features), encode_captions(ids, lengths), lengths};
}

Tensor RetrievalModel::score_all_alternative(const Encoded&, const std::string& name) const {
    IMRAM_FAIL(family(), " (", mode(), ") has no alternative score '", name, "'");
}

Tensor RetrievalModel::image_vectors(const Tensor&) const {
    IMRAM_FAIL_KIND(Usage, family(), " (", mode(),
                    ") has no item vectors: its scores need every pair's cross attention; a first stage is built "
                    "with a dual encoder (mode vse, or the pcme family)");
}

Tensor RetrievalModel::caption_vectors(const Tensor&, const std::vector<std::int64_t>&) const {
    return image_vectors(Tensor());
}

}  // namespace imram::models
