// SPDX-License-Identifier: MIT
#include "eval/pmrp.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <sstream>

#include "base/check.h"

namespace imram::eval {
namespace {

constexpr std::size_t kZetas = kPmrpZetas.size();
// Distances are kept as int8: only "<= 2" matters, so anything larger is stored as kFar; kUnlabeled
// marks an item that is left out.
constexpr std::int8_t kFar = static_cast<std::int8_t>(kPmrpZetas.back() + 1);
constexpr std::int8_t kUnlabeled = -1;
// rprecision() accumulates the plausible counts distance by distance, which needs the thresholds 0, 1, 2.
static_assert(kPmrpZetas[0] == 0 && kPmrpZetas[1] == 1 && kPmrpZetas[2] == 2);

// One block of the score matrix: scores of image i and caption j at p[i * ld + j], caption j of image
// cap_img[j], image i labeled sets[i].
template <class T>
struct Block {
    const T* p;
    std::int64_t ld, n_img, n_cap;
    const std::int64_t* cap_img;
    const std::vector<std::int32_t>* sets;
};

// Label distance from image q to every image of the block, capped at kFar.
void distance_row(const std::vector<std::int32_t>* sets, std::int64_t n_img, std::int64_t q, std::int8_t* out) {
    for (std::int64_t i = 0; i < n_img; ++i)
        out[i] = sets[i].empty()
                     ? kUnlabeled
                     : static_cast<std::int8_t>(std::min<std::int64_t>(data::label_distance(sets[q], sets[i]), kFar));
}

struct QueryResult {
    std::array<double, kZetas> rp{};
    std::array<bool, kZetas> ok{};  // false: no plausible item (R = 0), the query is skipped at that zeta
};

// R-precision of one query at every zeta. s[g], d[g]: score and label distance of gallery item g
// (d < 0: left out). The order is the pessimistic one of the header: [NaN non-plausible] [non-NaN
// by decreasing score, non-plausible first among ties] [NaN plausible]. Only the number of plausible
// items among the first R positions is needed, so instead of a sort the R-th largest score is found
// with nth_element and the tie group at that score is split by counting: O(G) per zeta.
template <class T>
QueryResult rprecision(const T* s, const std::int8_t* d, std::int64_t G, std::vector<T>& buf) {
    std::array<std::int64_t, kZetas + 1> ordered{}, nan{};  // items per distance 0, 1, 2, more
    buf.clear();
    for (std::int64_t g = 0; g < G; ++g) {
        if (d[g] < 0) continue;
        if (std::isnan(s[g])) {
            ++nan[static_cast<std::size_t>(d[g])];
        } else {
            ++ordered[static_cast<std::size_t>(d[g])];
            buf.push_back(s[g]);
        }
    }
    const auto F = static_cast<std::int64_t>(buf.size());
    std::int64_t total_nan = 0;
    for (const std::int64_t n : nan) total_nan += n;

    QueryResult out;
    std::int64_t p_ord = 0, p_nan = 0;
    for (std::size_t z = 0; z < kZetas; ++z) {
        const std::int8_t zeta = static_cast<std::int8_t>(kPmrpZetas[z]);
        p_ord += ordered[z], p_nan += nan[z];  // thresholds are 0, 1, 2: plausible at z = distance <= z
        const std::int64_t R = p_ord + p_nan;
        if (R == 0) continue;
        // Positions of the first R left to the non-NaN part once the non-plausible NaN items lead.
        const std::int64_t k = R - (total_nan - p_nan);
        std::int64_t hits = 0;
        if (k >= F) {
            hits = p_ord + std::min(p_nan, k - F);
        } else if (k > 0) {
            std::nth_element(buf.begin(), buf.begin() + (k - 1), buf.end(), std::greater<T>());
            const T t = buf[static_cast<std::size_t>(k - 1)];
            std::int64_t above = 0, above_pl = 0, tied = 0, tied_pl = 0;
            for (std::int64_t g = 0; g < G; ++g) {
                if (d[g] < 0 || std::isnan(s[g])) continue;
                const bool pl = d[g] <= zeta;
                if (s[g] > t) {
                    ++above, above_pl += pl;
                } else if (s[g] == t) {
                    ++tied, tied_pl += pl;
                }
            }
            // The tie group holds positions [above, above + tied): its non-plausible items first, then its
            // plausible ones; k - above of its positions fall within the first k.
            hits = above_pl + std::max<std::int64_t>(0, (k - above) - (tied - tied_pl));
        }
        out.rp[z] = static_cast<double>(hits) / static_cast<double>(R);
        out.ok[z] = true;
    }
    return out;
}

PmrpDirection summarise(const std::vector<QueryResult>& results, const std::vector<char>& is_query) {
    PmrpDirection dir;
    std::array<double, kZetas> sum{};
    for (std::size_t q = 0; q < results.size(); ++q) {
        if (!is_query[q]) continue;
        ++dir.queries;
        for (std::size_t z = 0; z < kZetas; ++z) {
            if (results[q].ok[z])
                sum[z] += results[q].rp[z];
            else
                ++dir.skipped[z];
        }
    }
    for (std::size_t z = 0; z < kZetas; ++z) {
        const std::int64_t counted = dir.queries - dir.skipped[z];
        dir.per_zeta[z] = counted > 0 ? 100.0 * sum[z] / static_cast<double>(counted) : 0.0;
    }
    // Summed first, divided once: a perfect ranking gives exactly 100.
    dir.pmrp = (dir.per_zeta[0] + dir.per_zeta[1] + dir.per_zeta[2]) / static_cast<double>(kZetas);
    return dir;
}

template <class T>
PmrpMetrics pmrp_block(const Block<T>& b, const std::string& what) {
    const std::int64_t ni = b.n_img, nc = b.n_cap;
    std::vector<char> image_query(static_cast<std::size_t>(ni)), caption_query(static_cast<std::size_t>(nc));
    for (std::int64_t i = 0; i < ni; ++i) image_query[i] = !b.sets[i].empty();
    for (std::int64_t j = 0; j < nc; ++j) caption_query[j] = image_query[b.cap_img[j]];
    IMRAM_CHECK(std::count(image_query.begin(), image_query.end(), 1) > 0, what, ": no image is labeled");
    IMRAM_CHECK(std::count(caption_query.begin(), caption_query.end(), 1) > 0, what,
                ": no caption belongs to a labeled image");

    std::vector<QueryResult> i2t(static_cast<std::size_t>(ni)), t2i(static_cast<std::size_t>(nc));
    // Per query results are stored, then summed in query order, so the result does not depend on the
    // thread count.
#pragma omp parallel
    {
        std::vector<T> buf;
        std::vector<std::int8_t> dist(static_cast<std::size_t>(ni)), dist_cap(static_cast<std::size_t>(nc));
        // i2t: image q against every caption, each caption at the distance of its image.
#pragma omp for schedule(dynamic, 8)
        for (std::int64_t q = 0; q < ni; ++q) {
            if (!image_query[q]) continue;
            distance_row(b.sets, ni, q, dist.data());
            for (std::int64_t j = 0; j < nc; ++j) dist_cap[j] = dist[b.cap_img[j]];
            i2t[q] = rprecision(b.p + q * b.ld, dist_cap.data(), nc, buf);
        }
        // t2i: a block of consecutive captions at a time, so that the columns are gathered from the
        // row-major matrix a cache line at a time instead of one element per line.
        constexpr std::int64_t kCols = 32;
        std::vector<T> cols(static_cast<std::size_t>(kCols * ni));
#pragma omp for schedule(dynamic, 1)
        for (std::int64_t j0 = 0; j0 < nc; j0 += kCols) {
            const std::int64_t j1 = std::min(nc, j0 + kCols);
            for (std::int64_t i = 0; i < ni; ++i)
                for (std::int64_t j = j0; j < j1; ++j) cols[(j - j0) * ni + i] = b.p[i * b.ld + j];
            std::int64_t last = -1;  // captions of one image are usually consecutive: one distance row each
            for (std::int64_t j = j0; j < j1; ++j) {
                if (!caption_query[j]) continue;
                if (b.cap_img[j] != last) distance_row(b.sets, ni, last = b.cap_img[j], dist.data());
                t2i[j] = rprecision(cols.data() + (j - j0) * ni, dist.data(), ni, buf);
            }
        }
    }
    return {summarise(i2t, image_query), summarise(t2i, caption_query)};
}

// The score matrix on the host as f32 or f64, contiguous (a copy only when it is not already).
Tensor host_scores(const Tensor& scores) {
    Tensor s = scores.device().is_host() ? scores : scores.detach().to(Device::cpu());
    if (s.dtype() != DType::F32 && s.dtype() != DType::F64) s = s.to(DType::F64);
    return s.contiguous();
}

void check_labels(const Tensor& scores, const data::ImageLabels& labels) {
    IMRAM_CHECK(scores.dim() == 2, "pmrp: expected a 2-d score matrix (images, captions), got ", scores.shape());
    IMRAM_CHECK(labels.num_images() == scores.size(0), "pmrp: ", labels.num_images(), " label lines for ",
                scores.size(0), " images; the labels file must have one line per image of the split");
    for (std::int64_t i = 0; i < labels.num_images(); ++i) {
        const auto& s = labels.sets[static_cast<std::size_t>(i)];
        IMRAM_CHECK(std::adjacent_find(s.begin(), s.end(), std::greater_equal<std::int32_t>()) == s.end(),
                    "pmrp: the class ids of image ", i,
                    " are not sorted and unique (build labels with make_image_labels)");
    }
}

template <class T>
PmrpMetrics run(const Tensor& s, const std::vector<std::int64_t>& cap_img, const data::ImageLabels& labels,
                std::int64_t img0, std::int64_t ni, std::int64_t cap0, std::int64_t nc, const std::string& what) {
    const Block<T> b{
        s.data<T>() + img0 * s.size(1) + cap0, s.size(1), ni, nc, cap_img.data(), labels.sets.data() + img0};
    return pmrp_block(b, what);
}

PmrpMetrics dispatch(const Tensor& s, const std::vector<std::int64_t>& cap_img, const data::ImageLabels& labels,
                     std::int64_t img0, std::int64_t ni, std::int64_t cap0, std::int64_t nc, const std::string& what) {
    if (s.dtype() == DType::F32) return run<float>(s, cap_img, labels, img0, ni, cap0, nc, what);
    return run<double>(s, cap_img, labels, img0, ni, cap0, nc, what);
}

std::string fmt(double v) {
    char b[32];
    std::snprintf(b, sizeof b, "%.2f", v);
    return b;
}

}  // namespace

PmrpMetrics pmrp(const Tensor& scores, const std::vector<std::int64_t>& caption_image,
                 const data::ImageLabels& labels) {
    check_labels(scores, labels);
    const std::int64_t ni = scores.size(0), nc = scores.size(1);
    IMRAM_CHECK(static_cast<std::int64_t>(caption_image.size()) == nc, "pmrp: ", caption_image.size(),
                " caption-to-image entries for ", nc, " captions");
    for (std::int64_t j = 0; j < nc; ++j)
        IMRAM_CHECK(caption_image[j] >= 0 && caption_image[j] < ni, "pmrp: caption ", j, " belongs to image ",
                    caption_image[j], ", outside [0, ", ni, ")");
    return dispatch(host_scores(scores), caption_image, labels, 0, ni, 0, nc, "pmrp");
}

PmrpMetrics pmrp(const Tensor& scores, std::int64_t im_div, const data::ImageLabels& labels) {
    IMRAM_CHECK(scores.dim() == 2 && im_div >= 1 && scores.size(1) == im_div * scores.size(0),
                "pmrp: expected scores (N, ", im_div, " N), got ", scores.shape());
    std::vector<std::int64_t> cap_img(static_cast<std::size_t>(scores.size(1)));
    for (std::size_t j = 0; j < cap_img.size(); ++j) cap_img[j] = static_cast<std::int64_t>(j) / im_div;
    return pmrp(scores, cap_img, labels);
}

PmrpMetrics pmrp_folds(const Tensor& scores, std::int64_t im_div, const data::ImageLabels& labels, std::int64_t folds) {
    IMRAM_CHECK(scores.dim() == 2 && im_div >= 1 && scores.size(1) == im_div * scores.size(0),
                "pmrp_folds: expected scores (N, ", im_div, " N), got ", scores.shape());
    IMRAM_CHECK(folds >= 1 && scores.size(0) % folds == 0, "pmrp_folds: ", scores.size(0), " images do not split into ",
                folds, " folds");
    check_labels(scores, labels);
    const Tensor s = host_scores(scores);
    const std::int64_t fi = scores.size(0) / folds;
    // Captions are local to a fold: caption j of the block belongs to the block's image j / im_div.
    std::vector<std::int64_t> cap_img(static_cast<std::size_t>(fi * im_div));
    for (std::size_t j = 0; j < cap_img.size(); ++j) cap_img[j] = static_cast<std::int64_t>(j) / im_div;
    PmrpMetrics avg;
    for (std::int64_t f = 0; f < folds; ++f) {
        const PmrpMetrics m = dispatch(s, cap_img, labels, f * fi, fi, f * fi * im_div, fi * im_div,
                                       "pmrp_folds: fold " + std::to_string(f) + " (images " + std::to_string(f * fi) +
                                           " to " + std::to_string((f + 1) * fi - 1) + ")");
        for (auto [dst, src] : {std::pair{&avg.i2t, &m.i2t}, std::pair{&avg.t2i, &m.t2i}}) {
            for (std::size_t z = 0; z < kZetas; ++z) {
                dst->per_zeta[z] += src->per_zeta[z] / static_cast<double>(folds);
                dst->skipped[z] += src->skipped[z];
            }
            dst->queries += src->queries;
        }
    }
    for (PmrpDirection* d : {&avg.i2t, &avg.t2i})
        d->pmrp = (d->per_zeta[0] + d->per_zeta[1] + d->per_zeta[2]) / static_cast<double>(kZetas);
    return avg;
}

std::string PmrpMetrics::to_json() const {
    std::ostringstream s;
    auto one = [&](const char* name, const PmrpDirection& d) {
        s << '"' << name << "\": {\"pmrp\": " << fmt(d.pmrp);
        for (std::size_t z = 0; z < kZetas; ++z) s << ", \"zeta" << kPmrpZetas[z] << "\": " << fmt(d.per_zeta[z]);
        s << ", \"queries\": " << d.queries << ", \"skipped\": [" << d.skipped[0] << ", " << d.skipped[1] << ", "
          << d.skipped[2] << "]}";
    };
    s << "{";
    one("i2t", i2t);
    s << ", ";
    one("t2i", t2i);
    s << ", \"mean\": " << fmt(mean()) << "}";
    return s.str();
}

std::string PmrpMetrics::to_table() const {
    std::ostringstream s;
    s << "           PMRP  zeta=0  zeta=1  zeta=2  queries\n";
    auto row = [&](const char* name, const PmrpDirection& d) {
        char b[160];
        std::snprintf(b, sizeof b, "%-8s %6.2f  %6.2f  %6.2f  %6.2f  %7lld\n", name, d.pmrp, d.per_zeta[0],
                      d.per_zeta[1], d.per_zeta[2], static_cast<long long>(d.queries));
        s << b;
    };
    row("i2t", i2t);
    row("t2i", t2i);
    s << "PMRP mean " << fmt(mean()) << "\n";
    return s.str();
}

}  // namespace imram::eval
