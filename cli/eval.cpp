// SPDX-License-Identifier: MIT
// `imram eval`: evaluate a model on a split.

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/common.h"
#include "dist/communicator.h"
#include "eval/evaluate.h"
#include "eval/pmrp.h"
#include "eval/two_stage.h"
#include "models/registry.h"
#include "nn/safetensors.h"
#include "io/npy.h"

namespace imram::cli {
namespace fs = std::filesystem;
namespace {

struct EvalCommand {
    Common ec;
    std::string checkpoint, split = "test", precision = "fp32";
    bool json = false;
    CLI::App* ev = nullptr;
    std::string save_sims;
    std::int64_t folds = 0;
    bool fold5 = false, means_only = false;
    std::string first_stage;                                    // two-stage recall: the first-stage model
    std::vector<std::int64_t> candidates{10, 20, 50, 100, 200};  // ... and the candidates it proposes

    explicit EvalCommand(CLI::App& app) {
        ev = app.add_subcommand("eval", "evaluate a model file on a split");
        add_common(ev, ec);
        add_precision(ev, precision);
        ev->add_option("--checkpoint", checkpoint, "model file (.safetensors)")->required();
        ev->add_option("--split", split, "dev, test or testall");
        ev->add_flag("--json", json, "print the metrics as JSON");
        ev->add_option("--save-sims,--save_sims", save_sims, "write the (images x captions) score matrix as .npy");
        ev->add_option("--folds", folds,
                       "also report the average over this many folds (COCO 1K: --split testall --folds 5)")
            ->check(at_least(0));
        ev->add_flag("--fold5", fold5, "official name: --folds 5");
        ev->add_flag("--deterministic_eval,--deterministic-eval", means_only,
                     "score a probabilistic model (PCME) with its means alone, no samples (the official mu-only "
                     "variant); its sampled evaluation is reproducible already, from the model's sample seed");
        auto* fs_opt = ev->add_option("--first_stage,--first-stage", first_stage,
                                      "also report the recall of two-stage search: this dual encoder (vse, pcme) "
                                      "proposes candidates, the --checkpoint model re-ranks them");
        ev->add_option("--candidates", candidates, "with --first_stage: candidate counts (default 10 20 50 100 200)")
            ->check(at_least(1))
            ->delimiter(',')
            ->needs(fs_opt);
    }

    /// One line per candidate count: recall of the first stage re-ranked by this model, between the
    /// first stage alone and exhaustive search with this model.
    void print_two_stage(const Tensor& first_scores, const eval::RetrievalMetrics& exhaustive,
                         const std::vector<eval::RetrievalMetrics>& staged, std::int64_t im_div,
                         const std::string& first_mode) const {
        std::printf("two-stage search: %s (%s) proposes, %s re-ranks\n", first_stage.c_str(), first_mode.c_str(),
                    checkpoint.c_str());
        std::printf("candidates   i2t R@1    R@5   R@10   t2i R@1    R@5   R@10    rsum\n");
        const auto line = [](const std::string& what, const eval::RetrievalMetrics& r) {
            std::printf("%-12s %7.2f %6.2f %6.2f   %7.2f %6.2f %6.2f  %6.2f\n", what.c_str(), r.i2t.r1, r.i2t.r5,
                        r.i2t.r10, r.t2i.r1, r.t2i.r5, r.t2i.r10, r.rsum());
        };
        line("first stage", eval::retrieval_metrics(first_scores, im_div));
        for (std::size_t i = 0; i < staged.size(); ++i) line(std::to_string(candidates[i]), staged[i]);
        line("all", exhaustive);
    }

    int run() {
        apply_threads(ec);
        const std::string prec = apply_precision(precision, ec, "imram eval");
        if (!fs::exists(checkpoint)) {
            std::fprintf(stderr, "imram eval: --checkpoint %s: no such file\n", checkpoint.c_str());
            return kExitNoInput;
        }
        if (fold5) folds = 5;
        if (!save_sims.empty() && same_file(checkpoint, save_sims))
            throw Error::usage("--save-sims " + save_sims + " is the checkpoint itself; choose another file");
        std::unique_ptr<models::RetrievalModel> model;
        if (means_only) {
            // The samples per item are a hyper-parameter of the file: 0 means the means alone.
            nn::TensorFile f = models::read_model_file(checkpoint);
            const auto k = f.metadata.find("n_samples_inference");
            if (k == f.metadata.end())
                throw Error::usage("--deterministic_eval: " + checkpoint + " is not a model that draws samples (" +
                                   f.metadata["model_mode"] + "); its evaluation is deterministic already");
            k->second = "0";
            model = models::model_from_file(f, checkpoint, DType::F32, device_for(ec));
        } else {
            model = load_any_model(checkpoint, device_for(ec));
        }
        const data::Dataset d = load_split(ec, split);
        check_data_fits(*model, d, checkpoint);
        std::unique_ptr<models::RetrievalModel> first;
        if (!first_stage.empty()) {
            if (!fs::exists(first_stage)) throw Error::missing("eval: --first_stage: cannot open " + first_stage);
            first = load_any_model(first_stage, device_for(ec));
            check_data_fits(*first, d, first_stage);
            IMRAM_CHECK_KIND(first->has_item_vectors(), Usage, "eval: --first_stage ", first_stage, " (", first->mode(),
                             ") is not a dual encoder; the first stage is a vse or pcme model");
        }
        Tensor sims;
        std::vector<eval::AlternativeMetrics> alternatives;
        // Under mpirun every process encodes the split and scores its block of image rows; the blocks
        // are gathered, so each has the whole matrix, and the first process reports and writes.
        const dist::Communicator& comm = dist::world();
        const bool lead = comm.rank() == 0;
        if (lead && comm.size() > 1)
            std::fprintf(stderr, "imram eval: %s share the scoring by image rows\n", comm.describe().c_str());
        const eval::RetrievalMetrics m = eval::evaluate(
            *model, d, &sims,
            lead ? progress_printer("imram eval " + d.name, "(items encoded + images scored)") : nullptr, &alternatives);
        if (!lead) return 0;
        if (!save_sims.empty()) io::save_npy(save_sims, sims);
        // PMRP (docs/pmrp.md) when the split has per-image class labels: {split}_labels.txt, or the
        // demo's objects.
        std::optional<eval::PmrpMetrics> pm, pm_folds;
        if (d.labels.num_images() > 0) {
            pm = eval::pmrp(sims, d.im_div, d.labels);
            if (folds > 1) pm_folds = eval::pmrp_folds(sims, d.im_div, d.labels, folds);
        }
        // Two-stage recall: the first stage's exact ranking, cut at each candidate count, re-ranked by
        // this model's scores.
        Tensor first_scores;
        std::vector<eval::RetrievalMetrics> staged;
        if (first) {
            first_scores = eval::item_vector_scores(*first, d);
            for (const std::int64_t n : candidates)
                staged.push_back(eval::two_stage_metrics(first_scores, sims.to(Device::cpu()), d.im_div, n));
        }
        if (json) {
            std::string out = "{\"checkpoint\": " + json_string(checkpoint) + ", \"split\": " + json_string(d.name) +
                              ", \"score\": " + json_string(model->score_name()) +
                              ", \"precision\": " + json_string(prec) + ", \"all\": " + m.to_json();
            if (folds > 1) out += ", \"folds\": " + eval::retrieval_metrics_folds(sims, d.im_div, folds).to_json();
            if (pm) out += ", \"pmrp\": " + pm->to_json();
            if (pm_folds) out += ", \"pmrp_folds\": " + pm_folds->to_json();
            if (!alternatives.empty()) {
                out += ", \"alternatives\": {";
                for (std::size_t i = 0; i < alternatives.size(); ++i) {
                    const eval::AlternativeMetrics& a = alternatives[i];
                    out += (i ? ", " : "") + json_string(a.name) + ": {\"all\": " + a.metrics.to_json();
                    if (folds > 1)
                        out += ", \"folds\": " + eval::retrieval_metrics_folds(a.scores, d.im_div, folds).to_json();
                    out += "}";
                }
                out += "}";
            }
            if (first) {
                out += ", \"two_stage\": {\"first_stage\": " + json_string(first_stage) +
                       ", \"first_stage_alone\": " + eval::retrieval_metrics(first_scores, d.im_div).to_json() +
                       ", \"candidates\": {";
                for (std::size_t i = 0; i < staged.size(); ++i) {
                    out += i ? ", \"" : "\"";
                    out += std::to_string(candidates[i]);
                    out += "\": ";
                    out += staged[i].to_json();
                }
                out += "}}";
            }
            std::printf("%s}\n", out.c_str());
        } else {
            const std::string named = model->score_name() == "score"
                                          ? ""
                                          : " (score: " + model->score_name() + (means_only ? ", the means alone)" : ")");
            std::printf("%s on %s%s%s\n%s", checkpoint.c_str(), d.name.c_str(), named.c_str(),
                        prec == "bf16" ? " (bf16 products)" : "", m.to_table().c_str());
            if (folds > 1)
                std::printf("average over %lld folds\n%s", static_cast<long long>(folds),
                            eval::retrieval_metrics_folds(sims, d.im_div, folds).to_table().c_str());
            if (pm) std::printf("PMRP (%s labels)\n%s", split.c_str(), pm->to_table().c_str());
            if (pm_folds)
                std::printf("PMRP, average over %lld folds\n%s", static_cast<long long>(folds), pm_folds->to_table().c_str());
            if (first) print_two_stage(first_scores, m, staged, d.im_div, first->mode());
            for (const eval::AlternativeMetrics& a : alternatives) {
                std::printf("with the %s score\n%s", a.name.c_str(), a.metrics.to_table().c_str());
                if (folds > 1)
                    std::printf("average over %lld folds (%s)\n%s", static_cast<long long>(folds), a.name.c_str(),
                                eval::retrieval_metrics_folds(a.scores, d.im_div, folds).to_table().c_str());
            }
        }
        return 0;
    }
};

}  // namespace

Subcommand add_eval(CLI::App& app) {
    auto c = std::make_shared<EvalCommand>(app);
    return {c->ev, [c] { return c->run(); }};
}

}  // namespace imram::cli
