// SPDX-License-Identifier: MIT
// imram: train and evaluate IMRAM / SCAN retrieval models. With no --data_path it uses the built-in
// demo dataset. Results go to stdout, progress and logs to stderr.
// Exit codes: 0 ok, 64 usage, 65 bad data, 66 missing input, 74 I/O error, 70 internal error.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "core/check.h"
#include "core/file_io.h"
#include "core/ops.h"
#include "kernels/cuda/memory.h"
#include "api/retriever.h"
#include "models/imram/checkpoint.h"
#include "train/data/npy.h"
#include "train/data/precomp.h"
#include "train/data/vocab.h"
#include "train/demo_data.h"
#include "train/encode.h"
#include "train/pth/official.h"
#include "train/trainer.h"

using namespace imram;
namespace fs = std::filesystem;

namespace {

constexpr int kExitUsage = 64, kExitData = 65, kExitNoInput = 66, kExitUnavailable = 69, kExitInternal = 70,
              kExitIO = 74;

struct Common {
    std::string data_path, data_name = "f30k_precomp", vocab_path = "./vocab", device = "cpu";
    int threads = 0;
    std::uint64_t seed = 1;
    std::int64_t demo_train_images = 600;
};

/// Option checks, run by the parser: a bad value is a usage error (exit 64) before any work starts.
/// `at_least(n)`: an integer >= n. `finite_positive`: a number > 0 that is not NaN or infinite (CLI11's
/// own PositiveNumber lets NaN through). `finite_non_negative`: >= 0, finite.
CLI::Validator at_least(long long n) {
    return CLI::Validator(
        [n](std::string& s) {
            long long v = 0;
            if (!CLI::detail::lexical_cast(s, v) || v < n) return "must be an integer >= " + std::to_string(n) + ", got " + s;
            return std::string();
        },
        "INT>=" + std::to_string(n));
}
CLI::Validator finite_number(bool allow_zero) {
    return CLI::Validator(
        [allow_zero](std::string& s) {
            double v = 0;
            const bool ok = CLI::detail::lexical_cast(s, v) && std::isfinite(v) && (allow_zero ? v >= 0 : v > 0);
            return ok ? std::string() : std::string("must be a finite number ") + (allow_zero ? ">= 0" : "> 0") + ", got " + s;
        },
        allow_zero ? "NUMBER>=0" : "NUMBER>0");
}

void add_common(CLI::App* app, Common& c) {
    auto* path = app->add_option("--data_path,--data-path", c.data_path, "folder holding {data_name}/ (default: built-in demo data)");
    // Without --data_path the built-in demo is used: a dataset or vocabulary named alone would be ignored.
    app->add_option("--data_name,--data-name", c.data_name, "dataset folder name, e.g. f30k_precomp")->needs(path);
    app->add_option("--vocab_path,--vocab-path", c.vocab_path, "folder holding {data_name}_vocab.json (default ./vocab)")
        ->needs(path);
    app->add_option("--device", c.device, "cpu (default), cuda, cuda:N, or cuda-emulated (the CUDA kernels on the CPU)")
        ->check([](const std::string& s) {
            try {
                parse_device(s);
                return std::string();
            } catch (const Error&) {
                return "unknown device '" + s + "': expected cpu, cuda, cuda:N or cuda-emulated";
            }
        });
    // More threads than a few per core only queue up behind each other (10,000 ran 400x slower).
    const long long max_threads = 8LL * std::max(1u, std::thread::hardware_concurrency());
    app->add_option("--threads", c.threads, "worker threads (default: all cores)")
        ->check(CLI::Range(0LL, max_threads, "0 (all cores) to 8 x the cores (" + std::to_string(max_threads) + ")"));
    app->add_option("--seed", c.seed, "random seed (initialisation, shuffling, demo data)");
    app->add_option("--demo_train_images,--demo-train-images", c.demo_train_images,
                    "demo data only: training images (5 captions each; even)")
        ->check(CLI::Range(2LL, 1000000LL));
}

void apply_threads(const Common& c) {
#ifdef _OPENMP
    if (c.threads > 0) omp_set_num_threads(c.threads);
#else
    (void)c;
#endif
}

train::Dataset load_split(const Common& c, const std::string& split) {
    if (c.data_path.empty()) {
        train::DemoOptions o;
        o.seed = 2020;
        o.train_images = c.demo_train_images;
        return train::demo_split(split == "testall" ? "test" : split, o);
    }
    const std::string vocab_file = (fs::path(c.vocab_path) / (c.data_name + "_vocab.json")).string();
    if (!fs::exists(vocab_file))
        throw Error("--vocab_path: cannot open " + vocab_file + " (expected {vocab_path}/{data_name}_vocab.json)");
    const data::Vocab vocab = data::load_vocab(vocab_file);
    data::PrecompSplit p = data::load_precomp(c.data_path, c.data_name, split);
    train::Dataset d;
    d.name = c.data_name + "/" + split;
    d.im_div = p.im_div;
    d.vocab_size = vocab.size();
    d.images = p.images;
    d.texts = std::move(p.captions);
    if (split == "dev" && d.num_captions() > 5000) {  // the official loader keeps the first 5,000 dev captions
        d.texts.resize(5000);
        d.images = slice(d.images, 0, 0, 5000 / d.im_div);
    }
    // The shipped vocabularies were built with NLTK 3.2-era rules (they contain tokens like "back..").
    for (const std::string& t : d.texts) d.captions.push_back(data::encode_caption(vocab, t, data::NltkRules::legacy_3_2));
    std::fprintf(stderr, "imram: %s: %lld images, %lld captions, vocab %lld\n", d.name.c_str(),
                 static_cast<long long>(d.images.size(0)), static_cast<long long>(d.num_captions()),
                 static_cast<long long>(vocab.size()));
    return d;
}

/// The run's verdict on collapse (the epochs' own warnings scrolled by with the progress).
void warn_if_collapsed(const train::TrainSummary& s, const std::string& what) {
    if (s.collapsed_epochs == 0) return;
    std::fprintf(stderr, "imram train: warning: %s: %lld of %lld epochs collapsed (every score of a batch nearly equal)%s; "
                         "see the \"collapse\" records in metrics.jsonl\n",
                 what.c_str(), static_cast<long long>(s.collapsed_epochs), static_cast<long long>(s.epochs),
                 s.last_epoch_collapsed ? ", the last one too" : "");
}

/// Writes the demo data in the precomp layout: {out}/demo_precomp/{split}_ims.npy, {split}_caps.txt,
/// and {out}/vocab/demo_precomp_vocab.json, so the real-data path can be tried without a download.
void export_demo(const std::string& out) {
    const fs::path dir = fs::path(out) / "demo_precomp", vdir = fs::path(out) / "vocab";
    fs::create_directories(dir);
    fs::create_directories(vdir);
    for (const char* split : {"train", "dev", "test"}) {
        const train::Dataset d = train::demo_split(split);
        data::save_npy((dir / (std::string(split) + "_ims.npy")).string(), d.images);
        std::string caps;
        for (const auto& t : d.texts) caps += t + "\n";
        write_file_atomic((dir / (std::string(split) + "_caps.txt")).string(), caps);
    }
    data::Vocab v;
    for (const auto& w : train::demo_words()) v.add(w);
    data::save_vocab((vdir / "demo_precomp_vocab.json").string(), v);
}

/// The --device choice. A CUDA device that does not answer is reported here, before any work.
Device device_for(const Common& c) {
    const Device d = parse_device(c.device);
    if (d.type == DeviceType::CUDA) {
        std::string why;
        const int n = gpu::cuda_device_count(&why);
        if (d.index >= n)
            throw Error("--device " + c.device + ": not available (" + std::to_string(n) + " CUDA device(s)" +
                        (why.empty() ? "" : "; " + why) + ")" +
                        (gpu::cuda_compiled() ? "" : "; this build has no CUDA backend, try --device cuda-emulated"));
    }
    return d;
}

/// A model file: the project's safetensors, or an official .pth.tar converted on the fly.
std::unique_ptr<models::RetrievalModel> load_any_model(const std::string& path, Device dev) {
    if (pth::is_torch_checkpoint(path))
        return models::model_from_tensors(pth::load_model_tensors(path), path, DType::F32, dev);
    return models::load_model(path, DType::F32, dev);
}

int classify(const Error& e) {
    const std::string w = e.what();
    if (w.find("--device") != std::string::npos && w.find("not available") != std::string::npos) return kExitUnavailable;
    for (const char* missing : {"cannot open", "No such file", "neither", "does not exist"})
        if (w.find(missing) != std::string::npos) return kExitNoInput;
    if (w.find("write ") != std::string::npos || w.find("cannot write") != std::string::npos) return kExitIO;
    return kExitData;
}

}  // namespace

int main(int argc, char** argv) {
    // OpenMP's default wait policy spins on idle cores; on a shared machine (and CI's 2 cores) any
    // competing process then slows every parallel region many-fold. libgomp reads OMP_WAIT_POLICY when
    // it loads, before main, so set it and restart once. An explicit setting is respected.
    if (std::getenv("OMP_WAIT_POLICY") == nullptr) {
        ::setenv("OMP_WAIT_POLICY", "passive", 1);
        ::execv("/proc/self/exe", argv);  // returns only on failure: then carry on as we are
    }
    CLI::App app{"imram: IMRAM / SCAN image-text retrieval (train, eval) on precomputed features"};
    app.set_config("--config", "", "read options from a TOML/INI file");
    app.require_subcommand(1);

    Common tc;
    models::ModelConfig mc;  // the official defaults (opts.py); the demo overrides some below
    std::string mode = "full_IMRAM";
    train::TrainerOptions to;
    to.batch_size = 128, to.num_epochs = 30, to.learning_rate = 2e-4, to.lr_update = 15;
    CLI::App* tr = app.add_subcommand("train", "train a model (default: on the built-in demo data)");
    add_common(tr, tc);
    tr->add_option("--model_mode,--model-mode", mode, "text_IMRAM, image_IMRAM, full_IMRAM, scan_t2i, scan_i2t, vse");
    tr->add_option("--iteration_step,--iteration-step", mc.iteration_step, "matching steps K")->check(at_least(1));
    tr->add_option("--lambda_softmax,--lambda-softmax", mc.lambda_softmax, "attention softmax temperature");
    tr->add_option("--lambda_lse,--lambda-lse", mc.lambda_lse, "SCAN LogSumExp temperature");
    tr->add_flag("--no_IMRAM_norm,--no-IMRAM-norm", mc.no_imram_norm, "do not l2-normalise memory outputs");
    tr->add_option("--embed_size,--embed-size", mc.embed_size, "joint embedding size")->check(at_least(1));
    tr->add_option("--word_dim,--word-dim", mc.word_dim, "word vector size")->check(at_least(1));
    tr->add_option("--margin", mc.margin, "contrastive margin")->check(finite_number(true));
    tr->add_option("--batch_size,--batch-size", to.batch_size, "batch size")->check(at_least(2));
    tr->add_option("--num_epochs,--num-epochs", to.num_epochs, "epochs")->check(at_least(1));
    tr->add_option("--learning_rate,--learning-rate", to.learning_rate, "initial learning rate")->check(finite_number(false));
    tr->add_option("--lr_update,--lr-update", to.lr_update, "decay the learning rate 10x every N epochs")->check(at_least(1));
    tr->add_option("--grad_clip,--grad-clip", to.grad_clip, "global gradient norm clip");
    tr->add_option("--max_steps,--max-steps", to.max_steps, "stop after N steps (0: all epochs)")->check(at_least(0));
    tr->add_option("--resume", to.resume, "continue exactly from a run's checkpoint_last.safetensors");
    tr->add_option("--save_every,--save-every", to.save_every, "write checkpoint_last every N steps")->check(at_least(0));
    tr->add_option("--warmup_epochs,--warmup-epochs", to.warmup_epochs,
                   "epochs summing all violating negatives before the hardest negative (0: the official recipe; the "
                   "built-in demo uses 1)")
        ->check(at_least(0));
    tr->add_option("--run_dir,--run-dir,--logger_name", to.run_dir, "where checkpoints and metrics go");
    tr->add_option("--log_step,--log-step", to.log_every, "progress line every N steps")->check(at_least(0));
    std::vector<std::string> compare_modes;
    tr->add_option("--compare", compare_modes,
                   "after training, train these modes too with the same data, epochs and seed and print a test "
                   "rsum table (e.g. --compare scan_t2i vse)")
        ->check([](const std::string& m) {  // at parse time, not after the main run has trained for hours
            try {
                models::parse_mode(m);
                return std::string();
            } catch (const Error&) {
                return "unknown model mode '" + m + "': expected text_IMRAM, image_IMRAM, full_IMRAM, scan_t2i, scan_i2t or vse";
            }
        });

    Common ec;
    std::string checkpoint, split = "test";
    bool json = false;
    CLI::App* ev = app.add_subcommand("eval", "evaluate a model file on a split");
    add_common(ev, ec);
    ev->add_option("--checkpoint", checkpoint, "model file (.safetensors)")->required();
    ev->add_option("--split", split, "dev, test or testall");
    ev->add_flag("--json", json, "print the metrics as JSON");
    std::string save_sims;
    std::int64_t folds = 0;
    ev->add_option("--save-sims,--save_sims", save_sims, "write the (images x captions) score matrix as .npy");
    ev->add_option("--folds", folds, "also report the average over this many folds (COCO 1K: --split testall --folds 5)");

    Common sc;
    std::string search_ckpt, search_split = "test", query;
    std::int64_t search_image = -1, top = 5;
    bool search_json = false;
    CLI::App* se = app.add_subcommand("search", "rank a split's images for a text query, or its captions for an image");
    add_common(se, sc);
    se->add_option("--checkpoint", search_ckpt, "model file (.safetensors)")->required();
    se->add_option("--split", search_split, "the gallery split");
    auto* q_opt = se->add_option("--query", query, "text query: rank the split's images");
    auto* i_opt = se->add_option("--image", search_image, "image index in the split: rank its captions");
    q_opt->excludes(i_opt);
    se->add_option("-k,--top", top, "how many results")->check(at_least(1));
    se->add_flag("--json", search_json, "print the results as JSON");

    Common nc;
    std::string encode_ckpt, encode_split_name = "test", encode_out;
    CLI::App* en = app.add_subcommand("encode", "write a split's image and caption embeddings (.npy) with a model");
    add_common(en, nc);
    en->add_option("--checkpoint", encode_ckpt, "model file (.safetensors)")->required();
    en->add_option("--split", encode_split_name, "dev, test or testall");
    en->add_option("--out", encode_out, "output folder (gets img_emb.npy, cap_emb.npy, cap_lens.npy)")->required();

    std::string inspect_file;
    CLI::App* in = app.add_subcommand("inspect", "list a model file's tensors and metadata (or a .pth.tar's tensors and options)");
    in->add_option("file", inspect_file, "a .safetensors file, or an official IMRAM/SCAN .pth.tar checkpoint")->required();

    std::string convert_in, convert_out;
    CLI::App* cv = app.add_subcommand("convert", "convert an official IMRAM or SCAN .pth.tar checkpoint to a model file");
    cv->add_option("checkpoint", convert_in, "the .pth.tar (zip or legacy torch.save layout)")->required();
    cv->add_option("out", convert_out, "the .safetensors to write")->required();

    std::string export_dir;
    CLI::App* ex = app.add_subcommand("export-demo", "write the built-in demo data in the precomp layout");
    ex->add_option("out", export_dir, "output folder (gets demo_precomp/ and vocab/)")->required();

    std::vector<std::string> vocab_inputs;
    std::string vocab_out;
    int threshold = 4;
    CLI::App* vb = app.add_subcommand("vocab", "build a vocabulary JSON from caption files (vocab.py's recipe)");
    vb->add_option("captions", vocab_inputs, "caption files ({split}_caps.txt)")->required();
    vb->add_option("--out", vocab_out, "output JSON")->required();
    vb->add_option("--threshold", threshold, "keep words seen at least this often");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int rc = app.exit(e);
        return rc == 0 ? 0 : kExitUsage;
    }

    try {
        if (tr->parsed()) {
            apply_threads(tc);
            if (tc.data_path.empty()) {
                // Demo-sized defaults, for options the user did not set: the demo trains in about two
                // minutes on 2 cores (the official sizes would take hours).
                auto unset = [&](const char* name) { return tr->count(name) == 0; };
                if (unset("--embed_size")) mc.embed_size = 128;
                if (unset("--word_dim")) mc.word_dim = 32;
                if (unset("--iteration_step")) mc.iteration_step = 2;
                if (unset("--batch_size")) to.batch_size = 32;
                if (unset("--learning_rate")) to.learning_rate = 1e-3;
                if (unset("--num_epochs")) to.num_epochs = 8;
                // One epoch of the summed-violation loss first: from its initialisation the hardest-negative
                // loss can collapse on this data (every score equal, loss pinned at 2 x margin x B) and stay
                // there; measured in docs/RESULTS.md. Real data keeps the official recipe (no warm-up).
                if (unset("--warmup_epochs")) to.warmup_epochs = 1;
            }
            mc.mode = models::parse_mode(mode);
            to.seed = tc.seed;
            const train::Dataset train_set = load_split(tc, "train");
            const train::Dataset dev_set = load_split(tc, "dev");
            mc.vocab_size = train_set.vocab_size;
            mc.img_dim = train_set.images.size(2);
            if (!to.resume.empty() && !fs::exists(to.resume))
                throw Error("--resume: cannot open " + to.resume);
            // Resuming takes the model's hyper-parameters from the checkpoint itself.
            std::unique_ptr<models::RetrievalModel> owned =
                to.resume.empty() ? std::make_unique<models::RetrievalModel>(mc, tc.seed, DType::F32, device_for(tc))
                                  : models::load_model(to.resume, DType::F32, device_for(tc));
            models::RetrievalModel& model = *owned;
            mc = model.config();
            std::fprintf(stderr, "imram train: %s, K %lld, lambda %.3g, D %lld on %s (%lld images, %lld captions); "
                                 "%lld parameters; run dir %s\n",
                         models::mode_name(mc.mode), static_cast<long long>(mc.steps()), mc.lambda_softmax,
                         static_cast<long long>(mc.embed_size), train_set.name.c_str(),
                         static_cast<long long>(train_set.images.size(0)),
                         static_cast<long long>(train_set.num_captions()),
                         static_cast<long long>(model.num_parameters()), to.run_dir.c_str());
            const train::TrainSummary s = train::train(model, train_set, dev_set, to);
            if (s.interrupted) return 130;  // as a shell reports SIGINT
            warn_if_collapsed(s, models::mode_name(mc.mode));
            if (!fs::exists(fs::path(to.run_dir) / "model_best.safetensors")) {
                std::printf("stopped after %lld steps inside the first epoch; no evaluated model yet (resume with "
                            "--resume %s/checkpoint_last.safetensors)\n",
                            static_cast<long long>(s.steps), to.run_dir.c_str());
                return 0;
            }
            const train::Dataset test_set = load_split(tc, "test");
            const auto best =
                models::load_model((fs::path(to.run_dir) / "model_best.safetensors").string(), DType::F32, device_for(tc));
            const train::RetrievalMetrics m = train::evaluate(*best, test_set);
            std::printf("trained %lld epochs, %lld steps (%lld skipped); best dev rsum %.2f\n%s: model_best\n%s",
                        static_cast<long long>(s.epochs), static_cast<long long>(s.steps),
                        static_cast<long long>(s.skipped_steps), s.best_rsum, test_set.name.c_str(), m.to_table().c_str());
            if (!compare_modes.empty()) {
                // The same recipe for other matchers: what cross attention and the memory buy on this data.
                std::vector<std::pair<std::string, train::RetrievalMetrics>> rows{{models::mode_name(mc.mode), m}};
                for (const std::string& name : compare_modes) {
                    models::ModelConfig other = mc;
                    other.mode = models::parse_mode(name);
                    if (other.mode == models::Mode::ScanT2I || other.mode == models::Mode::ScanI2T ||
                        other.mode == models::Mode::VSE)
                        other.iteration_step = 1;
                    train::TrainerOptions o = to;
                    o.run_dir = (fs::path(to.run_dir) / ("compare_" + name)).string();
                    o.resume.clear();
                    std::fprintf(stderr, "imram train: --compare %s (%s)\n", name.c_str(), o.run_dir.c_str());
                    models::RetrievalModel cmp(other, tc.seed, DType::F32, device_for(tc));
                    const train::TrainSummary cs = train::train(cmp, train_set, dev_set, o);
                    if (cs.interrupted) return 130;
                    warn_if_collapsed(cs, name);
                    const auto cbest = models::load_model((fs::path(o.run_dir) / "model_best.safetensors").string(),
                                                          DType::F32, device_for(tc));
                    rows.emplace_back(models::mode_name(other.mode), train::evaluate(*cbest, test_set));
                }
                std::printf("\ncomparison on %s (same data, epochs, batch and seed; best dev epoch of each):\n",
                            test_set.name.c_str());
                std::printf("  %-12s %7s %7s %7s %7s %7s %7s %8s\n", "model", "i2t R1", "R5", "R10", "t2i R1", "R5",
                            "R10", "rsum");
                for (const auto& [name, r] : rows)
                    std::printf("  %-12s %7.1f %7.1f %7.1f %7.1f %7.1f %7.1f %8.1f\n", name.c_str(), r.i2t.r1, r.i2t.r5,
                                r.i2t.r10, r.t2i.r1, r.t2i.r5, r.t2i.r10, r.rsum());
            }
            return 0;
        }
        if (ev->parsed()) {
            apply_threads(ec);
            if (!fs::exists(checkpoint)) {
                std::fprintf(stderr, "imram eval: --checkpoint %s: no such file\n", checkpoint.c_str());
                return kExitNoInput;
            }
            const auto model = load_any_model(checkpoint, device_for(ec));
            const train::Dataset d = load_split(ec, split);
            Tensor sims;
            const train::RetrievalMetrics m = train::evaluate(*model, d, &sims);
            if (!save_sims.empty()) data::save_npy(save_sims, sims);
            if (json) {
                std::string out = "{\"checkpoint\": \"" + checkpoint + "\", \"split\": \"" + d.name + "\", \"all\": " + m.to_json();
                if (folds > 1) out += ", \"folds\": " + train::retrieval_metrics_folds(sims, d.im_div, folds).to_json();
                std::printf("%s}\n", out.c_str());
            } else {
                std::printf("%s on %s\n%s", checkpoint.c_str(), d.name.c_str(), m.to_table().c_str());
                if (folds > 1)
                    std::printf("average over %lld folds\n%s", static_cast<long long>(folds),
                                train::retrieval_metrics_folds(sims, d.im_div, folds).to_table().c_str());
            }
            return 0;
        }
        if (se->parsed()) {
            apply_threads(sc);
            if (query.empty() && search_image < 0) throw Error("search: give --query TEXT or --image INDEX");
            if (!fs::exists(search_ckpt)) throw Error("search: cannot open " + search_ckpt);
            const train::Dataset d = load_split(sc, search_split);
            const Retriever r = sc.data_path.empty()
                                    ? Retriever::load(search_ckpt, train::demo_words(), device_for(sc))
                                    : Retriever::load(search_ckpt, (fs::path(sc.vocab_path) / (sc.data_name + "_vocab.json")).string(),
                                                      device_for(sc));
            std::vector<Retriever::Hit> hits;
            if (!query.empty()) {
                hits = r.search_images(query, r.encode_images(d.images), top);
            } else {
                IMRAM_CHECK(search_image < d.images.size(0), "search: --image ", search_image, " out of range: ", d.name,
                            " has ", d.images.size(0), " images");
                hits = r.search_captions(contiguous(squeeze(slice(d.images, 0, search_image, search_image + 1), 0)),
                                         r.encode_captions(d.texts), top);
            }
            if (search_json) std::printf("[");
            for (std::size_t i = 0; i < hits.size(); ++i) {
                const auto& h = hits[i];
                // For an image hit show its first caption; for a caption hit, the caption and its image.
                const std::string text = !query.empty() ? d.texts[h.index * d.im_div] : d.texts[h.index];
                const std::int64_t img = !query.empty() ? h.index : d.image_of(h.index);
                if (search_json)
                    std::printf("%s{\"rank\": %zu, \"index\": %lld, \"image\": %lld, \"score\": %.6f}", i ? ", " : "",
                                i + 1, static_cast<long long>(h.index), static_cast<long long>(img), h.score);
                else
                    std::printf("%2zu. %s %lld  score %.4f  %s\n", i + 1, !query.empty() ? "image" : "caption",
                                static_cast<long long>(h.index), h.score, text.c_str());
            }
            if (search_json) std::printf("]\n");
            return 0;
        }
        if (en->parsed()) {
            // What the official evaluation's encode step produces: image regions (N, R, D), caption
            // words (M, L_max, D) zero-padded, and the caption lengths (M) with <start> and <end>.
            apply_threads(nc);
            if (!fs::exists(encode_ckpt)) throw Error("encode: --checkpoint: cannot open " + encode_ckpt);
            const auto model = load_any_model(encode_ckpt, device_for(nc));
            const train::Dataset d = load_split(nc, encode_split_name);
            const bool tty = ::isatty(::fileno(stderr)) == 1;
            std::int64_t shown = -1;
            auto progress = [&](std::int64_t done, std::int64_t total) {
                // A terminal gets a line redrawn in place; a log gets a line every tenth of the work.
                const std::int64_t tenth = done * 10 / total;
                if (!tty && tenth == shown) return;
                shown = tenth;
                std::fprintf(stderr, tty ? "\rimram encode: %lld/%lld items\x1b[K" : "imram encode: %lld/%lld items\n",
                             static_cast<long long>(done), static_cast<long long>(total));
                if (tty && done == total) std::fputc('\n', stderr);
            };
            const train::EncodeSummary e = train::write_embeddings(*model, d, encode_out, 128, progress);
            std::ostringstream si, sc;
            si << e.images;
            sc << e.captions;
            std::printf("%s on %s: wrote %s/img_emb.npy %s, cap_emb.npy %s, cap_lens.npy (%lld)\n", encode_ckpt.c_str(),
                        d.name.c_str(), encode_out.c_str(), si.str().c_str(), sc.str().c_str(),
                        static_cast<long long>(e.captions[0]));
            return 0;
        }
        if (cv->parsed()) {
            if (!fs::exists(convert_in)) throw Error("convert: cannot open " + convert_in);
            const pth::OfficialCheckpoint c = pth::load_official_checkpoint(convert_in);
            const nn::TensorFile f = pth::to_model_file(c);
            const auto model = models::model_from_tensors(f, convert_in);  // loads, or says why not, before writing
            nn::save_safetensors(convert_out, f);
            const models::ModelConfig& cfg = model->config();
            std::printf("wrote %s: %zu tensors (%s checkpoint, %s layout); %s, K %lld, lambda_softmax %g, embed_size %lld\n",
                        convert_out.c_str(), f.tensors.size(), c.family.c_str(), c.format.c_str(),
                        models::mode_name(cfg.mode), static_cast<long long>(cfg.steps()), cfg.lambda_softmax,
                        static_cast<long long>(cfg.embed_size));
            return 0;
        }
        if (in->parsed() && fs::exists(inspect_file) && pth::is_torch_checkpoint(inspect_file)) {
            const pth::OfficialCheckpoint c = pth::load_official_checkpoint(inspect_file);
            std::printf("%s: %s checkpoint, %s layout\n", inspect_file.c_str(), c.family.c_str(), c.format.c_str());
            std::int64_t total = 0;
            for (const auto& [name, t] : c.tensors) {
                std::ostringstream shape;
                shape << t.shape();
                std::printf("%-48s %-5s %s\n", name.c_str(), dtype_name(t.dtype()), shape.str().c_str());
                total += t.numel();
            }
            std::printf("%zu tensors, %lld values\n", c.tensors.size(), static_cast<long long>(total));
            for (const auto& [k, v] : c.options) std::printf("opt %s = %s\n", k.c_str(), v.text().c_str());
            for (const auto& [k, v] : c.info) std::printf("checkpoint %s = %s\n", k.c_str(), v.text().c_str());
            return 0;
        }
        if (in->parsed()) {
            if (!fs::exists(inspect_file)) throw Error("inspect: cannot open " + inspect_file);
            const nn::TensorFile f = nn::load_safetensors(inspect_file);
            std::int64_t total = 0;
            for (const auto& [name, t] : f.tensors) {
                std::ostringstream shape;
                shape << t.shape();
                std::printf("%-48s %-5s %s\n", name.c_str(), dtype_name(t.dtype()), shape.str().c_str());
                total += t.numel();
            }
            std::printf("%zu tensors, %lld values\n", f.tensors.size(), static_cast<long long>(total));
            for (const auto& [k, v] : f.metadata) std::printf("metadata %s = %s\n", k.c_str(), v.c_str());
            return 0;
        }
        if (ex->parsed()) {
            export_demo(export_dir);
            std::printf("wrote %s/demo_precomp and %s/vocab/demo_precomp_vocab.json\n", export_dir.c_str(), export_dir.c_str());
            return 0;
        }
        if (vb->parsed()) {
            for (const auto& f : vocab_inputs)
                if (!fs::exists(f)) throw Error("vocab: cannot open " + f);
            const data::Vocab v = data::build_vocab(vocab_inputs, threshold, data::NltkRules::legacy_3_2);
            data::save_vocab(vocab_out, v);
            std::printf("wrote %s: %lld words\n", vocab_out.c_str(), static_cast<long long>(v.size()));
            return 0;
        }
    } catch (const Error& e) {
        std::fprintf(stderr, "imram: error: %s\n", e.what());
        return classify(e);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "imram: internal error: %s\n", e.what());
        return kExitInternal;
    }
    return kExitUsage;
}
