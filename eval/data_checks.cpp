// SPDX-License-Identifier: MIT
#include "eval/data_checks.h"

#include "base/check.h"

namespace imram::eval {

void check_data_fits_model(const models::RetrievalModel& model, const data::Dataset& d, const std::string& what) {
    IMRAM_CHECK(d.images.defined() && d.images.dim() == 3, what,
                ": image features must be 3-d (images, regions, features), got ",
                d.images.defined() ? d.images.describe() : std::string("none"));
    const std::int64_t width = d.images.size(2);
    IMRAM_CHECK(width == model.image_feature_size(), what, ": features have ", width, " values per region, the model expects ",
                model.image_feature_size(), " (img_dim); were the features made for another model?");
    if (d.vocab_size > 0)
        IMRAM_CHECK(d.vocab_size == model.vocab_size(), what, ": the vocabulary has ", d.vocab_size,
                    " words, the model expects ", model.vocab_size(),
                    " (vocab_size); use the vocabulary the model was trained with");
    // Also for a dataset of unknown vocabulary size: an id past the embedding table is an error in the
    // model's lookup, far from its cause.
    for (std::size_t c = 0; c < d.captions.size(); ++c)
        for (const std::int64_t id : d.captions[c])
            IMRAM_CHECK(id >= 0 && id < model.vocab_size(), what, ": caption ", c, " has word id ", id,
                        ", outside the model's vocabulary of ", model.vocab_size(), " words (vocab_size)");
}

}  // namespace imram::eval
