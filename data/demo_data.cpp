// SPDX-License-Identifier: MIT
#include "data/demo_data.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "base/check.h"
#include "core/rng.h"

namespace imram::data {
namespace {

const std::vector<std::string> kObjects = {"dog", "cat", "car", "ball", "bird", "horse", "boat", "kite", "chair", "bike"};
const std::vector<std::string> kColours = {"red", "blue", "green", "yellow", "black", "white", "brown", "pink"};
const std::vector<std::string> kGlue = {"a", "and", "next", "to", "with", "there", "is", "is", ",", ".", "near", "the"};

std::uint64_t split_id(const std::string& s) {
    if (s == "train") return 1;
    if (s == "dev") return 2;
    if (s == "test") return 3;
    IMRAM_FAIL("demo data: unknown split '", s, "' (expected train, dev or test)");
}

/// Fixed, sparse, non-negative codes for the objects and colours (BUTD features are non-negative and
/// sparse-ish): about 1 in 8 features active, with values around 2.
std::vector<std::vector<float>> codes(std::size_t n, std::int64_t F, std::uint64_t seed) {
    std::vector<std::vector<float>> c(n, std::vector<float>(static_cast<std::size_t>(F)));
    Philox rng(seed);
    for (auto& v : c)
        for (auto& x : v) x = rng.uniform() < 0.125 ? static_cast<float>(1.0 + 2.0 * rng.uniform()) : 0.f;
    return c;
}

struct Scene {
    std::vector<int> objects, colours;  // colours[k] belongs to objects[k]
};

std::string caption_of(const Scene& s, int style, Philox& rng) {
    std::vector<int> order(s.objects.size());
    for (std::size_t k = 0; k < order.size(); ++k) order[k] = static_cast<int>(k);
    // Mention the objects in a random order, so word position says nothing by itself.
    for (std::size_t k = order.size(); k > 1; --k) std::swap(order[k - 1], order[rng.below(k)]);
    auto np = [&](int k) { return "a " + kColours[s.colours[k]] + " " + kObjects[s.objects[k]]; };
    std::string out;
    switch (style % 4) {
        case 0:
            for (std::size_t k = 0; k < order.size(); ++k) out += (k ? (k + 1 == order.size() ? " and " : " , ") : "") + np(order[k]);
            break;
        case 1:
            out = np(order[0]) + " next to";
            for (std::size_t k = 1; k < order.size(); ++k) out += (k > 1 ? " and " : " ") + np(order[k]);
            break;
        case 2:
            out = "there is " + np(order[0]);
            for (std::size_t k = 1; k < order.size(); ++k) out += " with " + np(order[k]);
            break;
        default:
            out = np(order[0]) + " near";
            for (std::size_t k = 1; k < order.size(); ++k) out += (k > 1 ? " and " : " ") + np(order[k]);
            break;
    }
    return out + " .";
}

}  // namespace

std::vector<std::string> demo_words() {
    std::vector<std::string> w = {"<pad>", "<start>", "<end>", "<unk>"};
    for (const auto* list : {&kGlue, &kObjects, &kColours})
        for (const auto& s : *list)
            if (std::find(w.begin(), w.end(), s) == w.end()) w.push_back(s);
    return w;
}

Dataset demo_split(const std::string& split, const DemoOptions& o) {
    const std::uint64_t sid = split_id(split);
    const std::int64_t n = split == "train" ? o.train_images : split == "dev" ? o.dev_images : o.test_images;
    IMRAM_CHECK(n >= 2 && n % 2 == 0, "demo data: the number of ", split, " images must be even and >= 2, got ", n);
    IMRAM_CHECK(o.regions >= 4 && o.features >= 8, "demo data: need at least 4 regions and 8 features");
    const auto obj = codes(kObjects.size(), o.features, o.seed * 7 + 1);
    const auto col = codes(kColours.size(), o.features, o.seed * 7 + 2);
    Philox rng(o.seed * 1000 + sid);

    std::vector<Scene> scenes;
    for (std::int64_t i = 0; i < n / 2; ++i) {
        Scene a;
        const int k = 2 + static_cast<int>(rng.below(2));
        while (static_cast<int>(a.objects.size()) < k) {
            const int ob = static_cast<int>(rng.below(kObjects.size()));
            if (std::find(a.objects.begin(), a.objects.end(), ob) == a.objects.end()) a.objects.push_back(ob);
        }
        while (static_cast<int>(a.colours.size()) < k) {
            const int c = static_cast<int>(rng.below(kColours.size()));
            if (std::find(a.colours.begin(), a.colours.end(), c) == a.colours.end()) a.colours.push_back(c);
        }
        Scene twin = a;  // same objects and colours, bindings rotated
        std::rotate(twin.colours.begin(), twin.colours.begin() + 1, twin.colours.end());
        scenes.push_back(a);
        scenes.push_back(twin);
    }

    Dataset d;
    d.name = "demo/" + split;
    // The objects of each image are its classes: an image and its colour-swapped twin share them, so
    // PMRP counts the twin as a plausible match (docs/pmrp.md).
    std::vector<std::vector<std::int64_t>> objects;
    for (const Scene& s : scenes) objects.emplace_back(s.objects.begin(), s.objects.end());
    d.labels = make_image_labels(objects);
    d.im_div = 5;
    const auto words = demo_words();
    std::map<std::string, std::int64_t> id;
    for (std::size_t i = 0; i < words.size(); ++i) id[words[i]] = static_cast<std::int64_t>(i);
    d.vocab_size = static_cast<std::int64_t>(words.size());
    d.images = empty({n, o.regions, o.features});
    float* px = d.images.data<float>();
    for (std::int64_t i = 0; i < n; ++i) {
        const Scene& s = scenes[i];
        float* img = px + i * o.regions * o.features;
        for (std::int64_t r = 0; r < o.regions * o.features; ++r) img[r] = static_cast<float>(0.1 * std::fabs(rng.normal()));
        // Each object fills 3 random regions (the same count for every object, so the colour-swapped
        // twin has the same region sum up to noise); the rest stay background.
        std::vector<std::int64_t> slots(o.regions);
        for (std::int64_t r = 0; r < o.regions; ++r) slots[r] = r;
        for (std::int64_t r = o.regions; r > 1; --r) std::swap(slots[r - 1], slots[rng.below(r)]);
        std::size_t next = 0;
        for (std::size_t k = 0; k < s.objects.size(); ++k) {
            const std::int64_t copies = 3;
            for (std::int64_t c = 0; c < copies && next < slots.size(); ++c, ++next) {
                float* reg = img + slots[next] * o.features;
                for (std::int64_t f = 0; f < o.features; ++f)
                    reg[f] += obj[s.objects[k]][f] + col[s.colours[k]][f];
            }
        }
        for (int c = 0; c < 5; ++c) {
            const std::string text = caption_of(s, c, rng);
            std::vector<std::int64_t> ids = {1};
            std::size_t at = 0;
            while (at < text.size()) {
                const std::size_t sp = text.find(' ', at);
                const std::string w = text.substr(at, sp == std::string::npos ? std::string::npos : sp - at);
                ids.push_back(id.count(w) ? id[w] : 3);
                at = sp == std::string::npos ? text.size() : sp + 1;
            }
            ids.push_back(2);
            d.captions.push_back(std::move(ids));
            d.texts.push_back(text);
        }
    }
    return d;
}

}  // namespace imram::data
