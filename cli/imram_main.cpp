// SPDX-License-Identifier: MIT
// imram: train and evaluate IMRAM / SCAN retrieval models. With no --data_path it uses the built-in
// demo dataset. Results go to stdout, progress and logs to stderr.
// Exit codes: 0 ok, 64 usage, 65 bad data, 66 missing input, 74 I/O error, 70 internal error.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <csignal>
#include <functional>
#include <map>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "base/check.h"
#include "base/file_io.h"
#include "core/ops.h"
#include "kernels/cuda/memory.h"
#include "api/retriever.h"
#include "models/imram/checkpoint.h"
#include "io/npy.h"
#include "data/precomp.h"
#include "data/vocab.h"
#include "eval/data_checks.h"
#include "nn/safetensors.h"
#include "data/demo_data.h"
#include "eval/encode.h"
#include "models/imram/official_checkpoint.h"
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

int exit_code_for(ErrorKind k) {
    switch (k) {
        case ErrorKind::Data: return kExitData;
        case ErrorKind::Missing: return kExitNoInput;
        case ErrorKind::IO: return kExitIO;
        case ErrorKind::Usage: return kExitUsage;
        case ErrorKind::Unavailable: return kExitUnavailable;
        case ErrorKind::Internal: return kExitInternal;
    }
    return kExitInternal;
}

/// Options of the whole tool that may appear anywhere: `--config FILE` (or --config=FILE) is moved
/// in front of the subcommand, where CLI11 reads it, so a config file means the same wherever it is
/// named; `--verbose` is taken out (it adds the source location to error messages).
std::vector<std::string> hoist_global_options(int argc, char** argv, bool& verbose) {
    std::vector<std::string> front{argv[0]}, rest;
    bool have_config = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--") {
            for (; i < argc; ++i) rest.emplace_back(argv[i]);
            break;
        }
        if (a == "--verbose") {
            verbose = true;
            continue;
        }
        const bool config = a == "--config" || a.starts_with("--config=");
        if (!config) {
            rest.push_back(a);
            continue;
        }
        if (have_config) throw Error::usage("--config given twice; name one configuration file");
        have_config = true;
        front.push_back(a);
        if (a == "--config") {
            if (i + 1 >= argc) throw Error::usage("--config needs a file name");
            front.emplace_back(argv[++i]);
        }
    }
    front.insert(front.end(), rest.begin(), rest.end());
    return front;
}

std::size_t edit_distance(const std::string& a, const std::string& b) {
    std::vector<std::size_t> d(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) d[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diag = d[0];
        d[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t up = d[j];
            d[j] = std::min({d[j] + 1, d[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diag = up;
        }
    }
    return d[b.size()];
}

/// The first word of the command line when it names no subcommand: "unknown subcommand 'tran'; did
/// you mean 'train'?" (empty when the command line starts with an option or a known subcommand).
std::string unknown_subcommand(const std::vector<std::string>& args, const std::vector<std::string>& names) {
    std::size_t i = 1;
    while (i < args.size() && args[i].starts_with("-")) i += args[i] == "--config" ? 2 : 1;
    if (i >= args.size()) return "";
    const std::string& word = args[i];
    if (std::find(names.begin(), names.end(), word) != names.end()) return "";
    std::string best;
    std::size_t best_d = 3;  // suggest only close names
    for (const std::string& n : names)
        if (const std::size_t dist = edit_distance(word, n); dist < best_d) best = n, best_d = dist;
    std::string all;
    for (const std::string& n : names) all += (all.empty() ? "" : ", ") + n;
    return "unknown subcommand '" + word + "'" + (best.empty() ? "" : "; did you mean '" + best + "'?") +
           " (subcommands: " + all + ")";
}

std::string json_string(const std::string& s) {
    std::string o = "\"";
    for (const unsigned char c : s) {
        if (c == '"' || c == '\\') o += '\\', o += static_cast<char>(c);
        else if (c == '\n') o += "\\n";
        else if (c == '\t') o += "\\t";
        else if (c < 0x20) {
            char b[8];
            std::snprintf(b, sizeof b, "\\u%04x", c);
            o += b;
        } else o += static_cast<char>(c);
    }
    return o + "\"";
}

/// stderr progress for long work: a line redrawn in place on a terminal, a line per tenth in a log.
/// Prints "what: done/total unit".
std::function<void(std::int64_t, std::int64_t)> progress_printer(const std::string& what, const std::string& unit) {
    const bool tty = ::isatty(::fileno(stderr)) == 1;
    auto shown = std::make_shared<std::int64_t>(-1);
    return [what, unit, tty, shown](std::int64_t done, std::int64_t total) {
        const std::int64_t tenth = total > 0 ? done * 10 / total : 10;
        if (!tty && tenth == *shown) return;
        *shown = tenth;
        std::fprintf(stderr, tty ? "\r%s: %lld/%lld %s\x1b[K" : "%s: %lld/%lld %s\n", what.c_str(),
                     static_cast<long long>(done), static_cast<long long>(total), unit.c_str());
        if (tty && done == total) std::fputc('\n', stderr);
    };
}

/// True when `out` names the same existing file as `in` (through links, "./", hard links).
bool same_file(const std::string& in, const std::string& out) {
    std::error_code ec;
    return fs::exists(out, ec) && fs::equivalent(in, out, ec);
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
        ->check(CLI::Range(2LL, 5000LL));  // 295 KB and 3 ms each: 5,000 take about 1.5 GB and 16 s
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
        throw Error::missing("--vocab_path: cannot open " + vocab_file + " (expected {vocab_path}/{data_name}_vocab.json)");
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
    // An error names the caption file and line.
    d.captions = data::encode_captions(vocab, d.texts, data::NltkRules::legacy_3_2,
                                       (fs::path(c.data_path) / c.data_name / (split + "_caps.txt")).string());
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

/// A model applies only to data of its own vocabulary and feature width (eval/data_checks.h).
void check_data_fits(const models::ModelConfig& m, const train::Dataset& d, const std::string& model_file) {
    train::check_data_fits_model(m, d, d.name + " under " + model_file);
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
                            (gpu::cuda_compiled() ? "" : "; this build has no CUDA backend, try --device cuda-emulated"),
                        ErrorKind::Unavailable);
    }
    return d;
}

/// A model file: the project's safetensors, or an official .pth.tar converted on the fly.
std::unique_ptr<models::RetrievalModel> load_any_model(const std::string& path, Device dev) {
    if (pth::is_torch_checkpoint(path))
        return models::model_from_tensors(pth::load_model_tensors(path), path, DType::F32, dev);
    return models::load_model(path, DType::F32, dev);
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
    bool verbose = false;
    auto report = [&](const Error& e) {
        // Users see what is wrong with their input; the source location and the failed check are for
        // developers (--verbose).
        std::fprintf(stderr, "imram: error: %s\n", verbose ? e.what() : e.message().c_str());
        return exit_code_for(e.kind);
    };
    std::vector<std::string> args;
    try {
        args = hoist_global_options(argc, argv, verbose);
    } catch (const Error& e) {
        return report(e);
    }

    CLI::App app{"imram: IMRAM / SCAN / VSE++ image-text retrieval (train, eval, search) on precomputed features"};
    app.set_config("--config", "",
                   "read options from a TOML or INI file, one [section] per subcommand (docs/cli.md); unknown keys "
                   "are errors");
    // Subcommands inherit this: a key that names no option of its section is an error, not ignored.
    app.allow_config_extras(CLI::config_extras_mode::error);
    app.set_version_flag("--version", std::string("imram ") + IMRAM_VERSION + " (-march=" + IMRAM_ARCH_NAME +
                                          ", CUDA backend " + (gpu::cuda_compiled() ? "on" : "off") + ")");
    app.add_flag("--verbose", verbose, "error messages with their source location (for bug reports)");
    app.require_subcommand(1);

    Common tc;
    models::ModelConfig mc;  // the official defaults (opts.py); the demo overrides some below
    std::string mode = "full_IMRAM";
    train::TrainerOptions to;
    to.batch_size = 128, to.num_epochs = 30, to.learning_rate = 2e-4, to.lr_update = 15;
    CLI::App* tr = app.add_subcommand("train", "train a model (default: on the built-in demo data)");
    add_common(tr, tc);
    tr->add_option("--model_mode,--model-mode", mode, "text_IMRAM, image_IMRAM, full_IMRAM, scan_t2i, scan_i2t, vse")
        ->check([](const std::string& m) {
            try {
                models::parse_mode(m);
                return std::string();
            } catch (const Error&) {
                return "unknown model mode '" + m + "': expected text_IMRAM, image_IMRAM, full_IMRAM, scan_t2i, scan_i2t or vse";
            }
        });
    tr->add_option("--iteration_step,--iteration-step", mc.iteration_step, "matching steps K")->check(at_least(1));
    tr->add_option("--lambda_softmax,--lambda-softmax", mc.lambda_softmax, "attention softmax temperature")
        ->check(finite_number(false));
    std::string agg = "Mean";
    tr->add_option("--agg_func,--agg-func", agg, "SCAN pooling over fragments: LogSumExp, Mean (default), Max or Sum")
        ->check(CLI::IsMember({"LogSumExp", "Mean", "Max", "Sum"}));
    tr->add_option("--lambda_lse,--lambda-lse", mc.lambda_lse, "SCAN LogSumExp temperature (with --agg_func LogSumExp)")
        ->check(finite_number(false));
    tr->add_flag("--no_IMRAM_norm,--no-IMRAM-norm", mc.no_imram_norm, "do not l2-normalise memory outputs");
    tr->add_option("--embed_size,--embed-size", mc.embed_size, "joint embedding size")->check(at_least(1));
    tr->add_option("--word_dim,--word-dim", mc.word_dim, "word vector size")->check(at_least(1));
    tr->add_option("--margin", mc.margin, "contrastive margin")->check(finite_number(true));
    tr->add_option("--batch_size,--batch-size", to.batch_size, "batch size")->check(at_least(2));
    tr->add_option("--num_epochs,--num-epochs", to.num_epochs, "epochs")->check(at_least(1));
    tr->add_option("--learning_rate,--learning-rate", to.learning_rate, "initial learning rate")->check(finite_number(false));
    tr->add_option("--lr_update,--lr-update", to.lr_update, "decay the learning rate 10x every N epochs")->check(at_least(1));
    tr->add_option("--grad_clip,--grad-clip", to.grad_clip, "global gradient norm clip (0: no clipping)")
        ->check(finite_number(true));
    tr->add_option("--max_steps,--max-steps", to.max_steps, "stop after N steps (0: all epochs)")->check(at_least(0));
    tr->add_option("--resume", to.resume,
                   "continue exactly from a run's checkpoint_last.safetensors, in that run's directory, with its settings");
    tr->add_option("--save_every,--save-every", to.save_every, "write checkpoint_last every N steps")->check(at_least(0));
    tr->add_option("--warmup_epochs,--warmup-epochs", to.warmup_epochs,
                   "epochs summing all violating negatives before the hardest negative (0: the official recipe; the "
                   "built-in demo uses 1)")
        ->check(at_least(0));
    std::string logger_name, model_name;
    tr->add_option("--run_dir,--run-dir", to.run_dir, "where checkpoints and metrics go (default runs/demo)");
    tr->add_option("--logger_name,--logger-name", logger_name, "official name: the run directory (when --run_dir is not given)");
    tr->add_option("--model_name,--model-name", model_name,
                   "official name: where checkpoints go; here the run directory (over --logger_name)");
    tr->add_flag("--mask_duplicates,--mask-duplicates", to.mask_duplicates,
                 "a batch's pairs that belong together (two captions of one image, or the same caption word for word) "
                 "are not used as negatives (the official code uses them)");
    tr->add_flag("--overwrite", to.overwrite, "a fresh run may replace the run files of an earlier run in --run_dir");
    tr->add_option("--log_step,--log-step", to.log_every, "progress line every N steps")->check(at_least(0));
    tr->add_option("--val_step,--val-step", to.val_every, "also evaluate dev every N steps inside an epoch (logged; 0: off)")
        ->check(at_least(0));
    // The official train.py options that have one meaning here (docs/cli.md, "Official options").
    bool max_violation = false, bi_gru = false;
    tr->add_flag("--max_violation,--max-violation", max_violation,
                 "hardest negative from the first epoch (the default on real data; every official script passes it)");
    tr->add_flag("--bi_gru,--bi-gru", bi_gru, "bidirectional GRU text encoder (the only one: the official code needs it)");
    std::string cross_attn;
    tr->add_option("--cross_attn,--cross-attn", cross_attn, "SCAN's direction: t2i or i2t (without --model_mode: scan_t2i/scan_i2t)")
        ->check(CLI::IsMember({"t2i", "i2t"}));
    std::int64_t workers = 0, img_dim = 0;
    tr->add_option("--workers", workers, "accepted and ignored: data is read in-process (the official loaders ignore it too)");
    tr->add_option("--img_dim,--img-dim", img_dim, "feature values per region; checked against the data")->check(at_least(1));
    std::int64_t num_layers = 1;
    tr->add_option("--num_layers,--num-layers", num_layers, "GRU layers (1, as in every official script)")
        ->check(CLI::Validator(
            [](std::string& v) { return v == "1" ? std::string() : "only 1 GRU layer is implemented (the official scripts use 1), got " + v; },
            "1"));
    std::string raw_feature_norm = "clipped_l2norm", precomp_enc_type = "basic";
    tr->add_option("--raw_feature_norm,--raw-feature-norm", raw_feature_norm,
                   "attention input normalisation: clipped_l2norm (the only one implemented; the official default)")
        ->check(CLI::IsMember({"clipped_l2norm"}));
    tr->add_option("--precomp_enc_type,--precomp-enc-type", precomp_enc_type, "image encoder: basic (the only one)")
        ->check(CLI::IsMember({"basic"}));
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
    ev->add_option("--folds", folds, "also report the average over this many folds (COCO 1K: --split testall --folds 5)")
        ->check(at_least(0));
    bool fold5 = false;
    ev->add_flag("--fold5", fold5, "official name: --folds 5");

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
    vb->add_option("--threshold", threshold, "keep words seen at least this often")->check(at_least(1));

    const std::vector<std::string> subcommands{"train", "eval", "search", "encode", "inspect", "convert", "export-demo", "vocab"};
    if (const std::string why = unknown_subcommand(args, subcommands); !why.empty()) {
        std::fprintf(stderr, "imram: error: %s\n", why.c_str());
        return kExitUsage;
    }
    try {
        std::vector<const char*> cargs;
        for (const std::string& a : args) cargs.push_back(a.c_str());
        app.parse(static_cast<int>(cargs.size()), cargs.data());
    } catch (const CLI::ParseError& e) {
        const int rc = app.exit(e);
        return rc == 0 ? 0 : kExitUsage;
    }

    try {
        if (tr->parsed()) {
            apply_threads(tc);
            auto given = [&](const char* name) { return tr->count(name) > 0; };
            auto note = [](const std::string& m) { std::fprintf(stderr, "imram train: note: %s\n", m.c_str()); };
            // The official option names (docs/cli.md): each either means what it means there or says why not.
            if (given("--workers")) note("--workers is ignored: the data is read in-process (the official loaders ignore it too)");
            if (!cross_attn.empty()) {
                const std::string scan = "scan_" + cross_attn;
                if (!given("--model_mode")) mode = scan;  // SCAN's train.py picks the direction with --cross_attn
                else if (mode.starts_with("scan_") && mode != scan)
                    throw Error::usage("--cross_attn " + cross_attn + " contradicts --model_mode " + mode);
                else if (!mode.starts_with("scan_"))
                    note("--cross_attn applies to SCAN; " + mode + " fixes its own directions");
            }
            mc.agg = models::parse_agg(agg);
            if (given("--lambda_lse") && mc.agg != models::Agg::LogSumExp)
                note("--lambda_lse has no effect unless --agg_func LogSumExp");
            if (given("--agg_func") && !mode.starts_with("scan_"))
                note("--agg_func applies to SCAN; IMRAM and VSE++ average (as in the official code)");
            if (!given("--run_dir")) {
                if (!model_name.empty()) to.run_dir = model_name;
                else if (!logger_name.empty()) to.run_dir = logger_name;
                if (!model_name.empty() && !logger_name.empty() && model_name != logger_name)
                    note("metrics and checkpoints both go to " + model_name + " (--model_name); --logger_name is not used");
            }
            if (tc.data_path.empty()) {
                // Demo-sized defaults, for options the user did not set: the demo trains in about two
                // minutes on 2 cores (the official sizes would take hours).
                auto unset = [&](const char* name) { return !given(name); };
                if (unset("--embed_size")) mc.embed_size = 128;
                if (unset("--word_dim")) mc.word_dim = 32;
                if (unset("--iteration_step")) mc.iteration_step = 2;
                if (unset("--batch_size")) to.batch_size = 32;
                if (unset("--learning_rate")) to.learning_rate = 1e-3;
                if (unset("--num_epochs")) to.num_epochs = 8;
                // One epoch of the summed-violation loss first: from its initialisation the hardest-negative
                // loss can collapse on this data (every score equal, loss pinned at 2 x margin x B) and stay
                // there; measured in docs/RESULTS.md. Real data keeps the official recipe (no warm-up).
                // --max_violation asks for the hardest negative from the start, as in the official code.
                if (unset("--warmup_epochs") && !max_violation) to.warmup_epochs = 1;
            }
            mc.mode = models::parse_mode(mode);
            to.seed = tc.seed;
            if (!to.resume.empty()) {
                if (!fs::exists(to.resume)) throw Error::missing("--resume: cannot open " + to.resume);
                // A resume continues the run where it was: in its directory, with its schedule. Flags that
                // would change the schedule midway are refused; the ones left unset take the stored values.
                const nn::TensorFile last = nn::load_safetensors(to.resume);
                if (!given("--run_dir") && model_name.empty() && logger_name.empty()) {
                    const fs::path parent = fs::path(to.resume).parent_path();
                    to.run_dir = parent.empty() ? "." : parent.string();
                }
                auto stored = [&](const char* key, const char* flag, auto& value) {
                    auto it = last.metadata.find(key);
                    if (it == last.metadata.end()) return;  // written before the field existed
                    using V = std::decay_t<decltype(value)>;
                    V v{};
                    std::istringstream in(it->second);
                    in >> v;
                    if (!given(flag)) value = v;
                    else if (v != value)
                        throw Error::usage(std::string(flag) + " contradicts the resumed run, which used " + it->second +
                                           " (" + to.resume + "); leave it out to continue with the run's value");
                };
                stored("seed", "--seed", tc.seed);
                stored("batch_size", "--batch_size", to.batch_size);
                stored("learning_rate", "--learning_rate", to.learning_rate);
                stored("lr_update", "--lr_update", to.lr_update);
                stored("grad_clip", "--grad_clip", to.grad_clip);
                stored("warmup_epochs", "--warmup_epochs", to.warmup_epochs);
                stored("mask_duplicates", "--mask_duplicates", to.mask_duplicates);
                if (!given("--num_epochs")) stored("num_epochs", "--num_epochs", to.num_epochs);  // may be extended
                to.seed = tc.seed;
            }
            const train::Dataset train_set = load_split(tc, "train");
            const train::Dataset dev_set = load_split(tc, "dev");
            mc.vocab_size = train_set.vocab_size;
            if (img_dim > 0 && img_dim != train_set.images.size(2))
                throw Error::usage("--img_dim " + std::to_string(img_dim) + " but " + train_set.name + " has " +
                                   std::to_string(train_set.images.size(2)) + " feature values per region");
            mc.img_dim = train_set.images.size(2);
            // Resuming takes the model's hyper-parameters from the checkpoint itself.
            std::unique_ptr<models::RetrievalModel> owned =
                to.resume.empty() ? std::make_unique<models::RetrievalModel>(mc, tc.seed, DType::F32, device_for(tc))
                                  : models::load_model(to.resume, DType::F32, device_for(tc));
            models::RetrievalModel& model = *owned;
            if (!to.resume.empty()) {
                const models::ModelConfig& have = model.config();
                auto refuse_if = [&](const char* flag, bool differs, const std::string& stored_value) {
                    if (given(flag) && differs)
                        throw Error::usage(std::string(flag) + " contradicts the resumed model, which has " + stored_value +
                                           " (" + to.resume + ")");
                };
                refuse_if("--model_mode", have.mode != mc.mode, models::mode_name(have.mode));
                refuse_if("--embed_size", have.embed_size != mc.embed_size, std::to_string(have.embed_size));
                refuse_if("--word_dim", have.word_dim != mc.word_dim, std::to_string(have.word_dim));
                refuse_if("--iteration_step", have.iteration_step != mc.iteration_step, std::to_string(have.iteration_step));
                refuse_if("--lambda_softmax", have.lambda_softmax != mc.lambda_softmax, std::to_string(have.lambda_softmax));
                refuse_if("--lambda_lse", have.lambda_lse != mc.lambda_lse, std::to_string(have.lambda_lse));
                refuse_if("--agg_func", have.agg != mc.agg, models::agg_name(have.agg));
                refuse_if("--no_IMRAM_norm", have.no_imram_norm != mc.no_imram_norm, have.no_imram_norm ? "it" : "not it");
                refuse_if("--margin", have.margin != mc.margin, std::to_string(have.margin));
                check_data_fits(have, train_set, to.resume);
            }
            mc = model.config();
            std::fprintf(stderr, "imram train: %s, K %lld, lambda %.3g, D %lld on %s (%lld images, %lld captions); "
                                 "%lld parameters; run dir %s\n",
                         models::mode_name(mc.mode), static_cast<long long>(mc.steps()), mc.lambda_softmax,
                         static_cast<long long>(mc.embed_size), train_set.name.c_str(),
                         static_cast<long long>(train_set.images.size(0)),
                         static_cast<long long>(train_set.num_captions()),
                         static_cast<long long>(model.num_parameters()), to.run_dir.c_str());
            const train::TrainSummary s = train::train(model, train_set, dev_set, to);
            if (s.interrupted) return 128 + s.stop_signal;  // as a shell reports a process ended by that signal
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
                    o.overwrite = true;  // inside this run's directory: an earlier run's compare_ is this run's to replace
                    std::fprintf(stderr, "imram train: --compare %s (%s)\n", name.c_str(), o.run_dir.c_str());
                    models::RetrievalModel cmp(other, tc.seed, DType::F32, device_for(tc));
                    const train::TrainSummary cs = train::train(cmp, train_set, dev_set, o);
                    if (cs.interrupted) return 128 + cs.stop_signal;
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
            if (fold5) folds = 5;
            if (!save_sims.empty() && same_file(checkpoint, save_sims))
                throw Error::usage("--save-sims " + save_sims + " is the checkpoint itself; choose another file");
            const auto model = load_any_model(checkpoint, device_for(ec));
            const train::Dataset d = load_split(ec, split);
            check_data_fits(model->config(), d, checkpoint);
            Tensor sims;
            const train::RetrievalMetrics m = train::evaluate(*model, d, &sims, progress_printer("imram eval " + d.name, "(items encoded + images scored)"));
            if (!save_sims.empty()) data::save_npy(save_sims, sims);
            if (json) {
                std::string out = "{\"checkpoint\": " + json_string(checkpoint) + ", \"split\": " + json_string(d.name) +
                                  ", \"all\": " + m.to_json();
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
            if (query.empty() && search_image < 0) throw Error::usage("search: give --query TEXT or --image INDEX");
            if (!fs::exists(search_ckpt)) throw Error::missing("search: cannot open " + search_ckpt);
            const train::Dataset d = load_split(sc, search_split);
            const Retriever r = sc.data_path.empty()
                                    ? Retriever::load(search_ckpt, train::demo_words(), device_for(sc))
                                    : Retriever::load(search_ckpt, (fs::path(sc.vocab_path) / (sc.data_name + "_vocab.json")).string(),
                                                      device_for(sc));
            std::vector<Retriever::Hit> hits;
            if (!query.empty()) {
                hits = r.search_images(query, r.encode_images(d.images), top);
            } else {
                IMRAM_CHECK_KIND(search_image < d.images.size(0), Usage, "search: --image ", search_image,
                                 " out of range: ", d.name, " has ", d.images.size(0), " images");
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
                    std::printf("%s{\"rank\": %zu, \"index\": %lld, \"image\": %lld, \"score\": %.6f, \"text\": %s}",
                                i ? ", " : "", i + 1, static_cast<long long>(h.index), static_cast<long long>(img), h.score,
                                json_string(text).c_str());
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
            if (!fs::exists(encode_ckpt)) throw Error::missing("encode: --checkpoint: cannot open " + encode_ckpt);
            const auto model = load_any_model(encode_ckpt, device_for(nc));
            const train::Dataset d = load_split(nc, encode_split_name);
            check_data_fits(model->config(), d, encode_ckpt);
            const train::EncodeSummary e =
                train::write_embeddings(*model, d, encode_out, 128, progress_printer("imram encode", "items"));
            std::ostringstream si, sc;
            si << e.images;
            sc << e.captions;
            std::printf("%s on %s: wrote %s/img_emb.npy %s, cap_emb.npy %s, cap_lens.npy (%lld)\n", encode_ckpt.c_str(),
                        d.name.c_str(), encode_out.c_str(), si.str().c_str(), sc.str().c_str(),
                        static_cast<long long>(e.captions[0]));
            return 0;
        }
        if (cv->parsed()) {
            if (!fs::exists(convert_in)) throw Error::missing("convert: cannot open " + convert_in);
            if (same_file(convert_in, convert_out))
                throw Error::usage("convert: the output " + convert_out + " is the input checkpoint; choose another name");
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
            if (!fs::exists(inspect_file)) throw Error::missing("inspect: cannot open " + inspect_file);
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
            for (const auto& f : vocab_inputs) {
                if (!fs::exists(f)) throw Error::missing("vocab: cannot open " + f);
                if (same_file(f, vocab_out)) throw Error::usage("vocab: --out " + vocab_out + " is one of the caption files");
            }
            const data::Vocab v = data::build_vocab(vocab_inputs, threshold, data::NltkRules::legacy_3_2);
            data::save_vocab(vocab_out, v);
            std::printf("wrote %s: %lld words\n", vocab_out.c_str(), static_cast<long long>(v.size()));
            return 0;
        }
    } catch (const Error& e) {
        return report(e);
    } catch (const fs::filesystem_error& e) {
        // Creating an output folder (a read-only place, a path through a file): the user's I/O problem.
        std::fprintf(stderr, "imram: error: %s: %s\n", e.path1().string().c_str(), e.code().message().c_str());
        return kExitIO;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "imram: internal error: %s\n", e.what());
        return kExitInternal;
    }
    return kExitUsage;
}
