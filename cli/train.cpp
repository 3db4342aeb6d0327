// SPDX-License-Identifier: MIT
// `imram train`: train a model.

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "base/format.h"
#include "cli/common.h"
#include "dist/communicator.h"
#include "data/word_vectors.h"
#include "models/registry.h"
#include "models/word_vectors.h"
#include "nn/safetensors.h"
#include "train/trainer.h"

namespace imram::cli {
namespace fs = std::filesystem;
namespace {

/// Points stdout and stderr at /dev/null while it lives, when `on`.
class QuietUnlessLead {
public:
    explicit QuietUnlessLead(bool on) {
        if (!on) return;
        std::fflush(stdout);
        std::fflush(stderr);
        const int null = ::open("/dev/null", O_WRONLY);
        if (null < 0) return;
        saved_out_ = ::dup(1), saved_err_ = ::dup(2);
        ::dup2(null, 1);
        ::dup2(null, 2);
        ::close(null);
    }
    ~QuietUnlessLead() {
        if (saved_out_ < 0) return;
        std::fflush(stdout);
        std::fflush(stderr);
        ::dup2(saved_out_, 1);
        ::dup2(saved_err_, 2);
        ::close(saved_out_);
        ::close(saved_err_);
    }
    QuietUnlessLead(const QuietUnlessLead&) = delete;
    QuietUnlessLead& operator=(const QuietUnlessLead&) = delete;

private:
    int saved_out_ = -1, saved_err_ = -1;
};

/// The run's verdict on collapse (the epochs' own warnings scrolled by with the progress).
void warn_if_collapsed(const train::TrainSummary& s, const std::string& what) {
    if (s.collapsed_epochs == 0) return;
    std::fprintf(stderr,
                 "imram train: warning: %s: %lld of %lld epochs collapsed (the scores of a batch level)%s; "
                 "see the \"collapse\" records in metrics.jsonl\n",
                 what.c_str(), static_cast<long long>(s.collapsed_epochs), static_cast<long long>(s.epochs),
                 s.last_epoch_collapsed ? ", the last one too" : "");
}

/// A model mode of some family of the registry (models/registry.h), as an option check.
CLI::Validator known_model_mode() {
    return CLI::Validator(
        [](std::string& m) {
            const std::vector<std::string> modes = models::model_modes();
            if (std::find(modes.begin(), modes.end(), m) != modes.end()) return std::string();
            return "unknown model mode '" + m + "': expected one of " + models::mode_list();
        },
        "MODE");
}

/// Option values as a model file's metadata writes them, so a given option can be compared with a
/// resumed model's: numbers by value ("0.2" and "0.20000000000000001"), the rest as text.
bool same_setting(const std::string& a, const std::string& b) {
    char *ea = nullptr, *eb = nullptr;
    const double x = std::strtod(a.c_str(), &ea), y = std::strtod(b.c_str(), &eb);
    if (!a.empty() && !b.empty() && *ea == '\0' && *eb == '\0') return x == y;
    return a == b;
}

/// A model hyper-parameter's text as the registry takes it (models::Options).
std::string setting_text(double v) { return format_exact(v); }
std::string setting_text(std::int64_t v) { return std::to_string(v); }
std::string setting_text(bool v) { return v ? "true" : "false"; }

/// The model hyper-parameters of the command line, under their official names. Each family reads the
/// ones it has (models/registry.h) and keeps its defaults for those not set here.
struct ModelSettings {
    std::int64_t iteration_step = 3, embed_size = 1024, word_dim = 300;
    double lambda_softmax = 9.0, lambda_lse = 6.0, margin = 0.2;
    bool no_imram_norm = false;
};

struct TrainCommand {
    Common tc;
    ModelSettings mc;  // the official defaults (opts.py); the demo overrides some below
    std::string mode = "full_IMRAM";
    train::TrainerOptions to;
    CLI::App* tr = nullptr;
    std::string agg = "Mean";
    std::string logger_name, model_name;
    std::string init_from, word_vectors;
    bool max_violation = false, bi_gru = false;
    std::string cross_attn;
    std::int64_t workers = 0, img_dim = 0;
    std::int64_t num_layers = 1;
    std::string raw_feature_norm = "clipped_l2norm", precomp_enc_type = "basic";
    std::vector<std::string> compare_modes;
    std::map<std::string, std::string> family_settings;  // --<name> of a family's own options

    explicit TrainCommand(CLI::App& app) {
        to.batch_size = 128, to.num_epochs = 30, to.learning_rate = 2e-4, to.lr_update = 15;
        tr = app.add_subcommand("train", "train a model (default: on the built-in demo data)");
        add_common(tr, tc);
        tr->add_option("--model_mode,--model-mode", mode, models::mode_list())->check(known_model_mode());
        tr->add_option("--iteration_step,--iteration-step", mc.iteration_step, "matching steps K")->check(at_least(1));
        tr->add_option("--lambda_softmax,--lambda-softmax", mc.lambda_softmax, "attention softmax temperature")
            ->check(finite_number(false));
        tr->add_option("--agg_func,--agg-func", agg,
                       "SCAN pooling over fragments: LogSumExp, Mean (default), Max or Sum")
            ->check(CLI::IsMember({"LogSumExp", "Mean", "Max", "Sum"}));
        tr->add_option("--lambda_lse,--lambda-lse", mc.lambda_lse,
                       "SCAN LogSumExp temperature (with --agg_func LogSumExp)")
            ->check(finite_number(false));
        tr->add_flag("--no_IMRAM_norm,--no-IMRAM-norm", mc.no_imram_norm, "do not l2-normalise memory outputs");
        tr->add_option("--embed_size,--embed-size", mc.embed_size, "joint embedding size")->check(at_least(1));
        tr->add_option("--word_dim,--word-dim", mc.word_dim, "word vector size")->check(at_least(1));
        tr->add_option("--margin", mc.margin, "contrastive margin")->check(finite_number(true));
        tr->add_option("--batch_size,--batch-size", to.batch_size, "batch size")->check(at_least(2));
        tr->add_option("--num_epochs,--num-epochs", to.num_epochs, "epochs")->check(at_least(1));
        tr->add_option("--learning_rate,--learning-rate", to.learning_rate, "initial learning rate")
            ->check(finite_number(false));
        tr->add_option("--lr_update,--lr-update", to.lr_update, "decay the learning rate 10x every N epochs")
            ->check(at_least(1));
        tr->add_option("--grad_clip,--grad-clip", to.grad_clip, "global gradient norm clip (0: no clipping)")
            ->check(finite_number(true));
        tr->add_option("--optimizer", to.optimizer,
                       "adam (default; the VSE++ lineage), sgd (PyTorch's SGD; CAMP's later stages) or adamp (AdamP; PCME)")
            ->check(CLI::IsMember({"adam", "sgd", "adamp"}));
        tr->add_option("--lr_schedule,--lr-schedule", to.lr_schedule,
                       "step (default: x0.1 every --lr_update epochs) or cosine (PyTorch's CosineAnnealingLR over "
                       "--num_epochs, eta_min 0; PCME)")
            ->check(CLI::IsMember({"step", "cosine"}));
        tr->add_option("--caption_drop,--caption-drop", to.caption_drop,
                       "training captions: each word becomes <unk> with this probability, then this share of the "
                       "words is deleted (PCME's caption drop; default 0.1 for pcme, 0 for the others)")
            ->check(CLI::Range(0.0, 0.999999));
        tr->add_flag("--bf16_mining,--bf16-mining", to.bf16_mining,
                     "score each batch's pairs for the hardest negatives with bf16 weight products (CPUs with AVX-512 "
                     "BF16 or AMX; the gradients stay fp32; docs/PERFORMANCE.md, \"bf16\")");
        tr->add_flag("--bf16_tape,--bf16-tape", to.bf16_tape,
                     "run the layers' products on the training tape, forward and backward, with bf16 inputs and fp32 "
                     "accumulation (CPUs with AVX-512 BF16 or AMX; weights, gradient sums and the optimizer stay "
                     "fp32; docs/PERFORMANCE.md, \"bf16\")");
        tr->add_option("--momentum", to.momentum, "sgd: momentum (default 0.9)")->check(finite_number(true));
        tr->add_option("--weight_decay,--weight-decay", to.weight_decay, "sgd, adamp: weight decay (default 0)")
            ->check(finite_number(true));
        tr->add_flag("--nesterov", to.nesterov, "sgd, adamp: Nesterov momentum");
        tr->add_option("--train_only,--train-only", to.train_only,
                       "optimize only the parameters whose names start with one of these comma-separated prefixes "
                       "(CAMP's stage 2: sim.fc_1,sim.fc_2,sim.fc_out,sim.final_reduce); the rest stay fixed");
        tr->add_flag("--one_caption_per_image,--one-caption-per-image", to.one_caption_per_image,
                     "an epoch draws one random caption per image, as CAMP's official loader (default: every caption)");
        tr->add_option("--freeze", to.freeze,
                       "hold the parameters whose names start with one of these comma-separated prefixes fixed "
                       "(txt_enc.embed keeps --word_vectors as they are)");
        tr->add_option("--word_vectors,--word-vectors", word_vectors,
                       "start the word embeddings from a text file of pre-trained vectors (GloVe's layout: a word "
                       "and its values per line); the vocabulary's other words keep their initialisation")
            ->check(CLI::ExistingFile);
        tr->add_option("--init_from,--init-from", init_from,
                       "start from a model file's (or official checkpoint's) weights: each parameter of the same name "
                       "is copied, the others keep their initialisation (CAMP's stage 2 starts from stage 1)");
        tr->add_option("--max_steps,--max-steps", to.max_steps, "stop after N steps (0: all epochs)")
            ->check(at_least(0));
        tr->add_option(
            "--resume", to.resume,
            "continue exactly from a run's checkpoint_last.safetensors, in that run's directory, with its settings");
        tr->add_option("--save_every,--save-every", to.save_every, "write checkpoint_last every N steps")
            ->check(at_least(0));
        tr->add_option(
              "--warmup_epochs,--warmup-epochs", to.warmup_epochs,
              "epochs summing all violating negatives before the hardest negative (0: the official recipe; the "
              "built-in demo uses 1)")
            ->check(at_least(0));
        tr->add_option("--run_dir,--run-dir", to.run_dir, "where checkpoints and metrics go (default runs/demo)");
        tr->add_option("--logger_name,--logger-name", logger_name,
                       "official name: the run directory (when --run_dir is not given)");
        tr->add_option("--model_name,--model-name", model_name,
                       "official name: where checkpoints go; here the run directory (over --logger_name)");
        tr->add_flag(
            "--mask_duplicates,--mask-duplicates", to.mask_duplicates,
            "a batch's pairs that belong together (two captions of one image, or the same caption word for word) "
            "are not used as negatives (the official code uses them)");
        tr->add_flag("--overwrite", to.overwrite,
                     "a fresh run may replace the run files of an earlier run in --run_dir");
        tr->add_option("--log_step,--log-step", to.log_every, "progress line every N steps")->check(at_least(0));
        tr->add_option("--val_step,--val-step", to.val_every,
                       "also evaluate dev every N steps inside an epoch (logged; 0: off)")
            ->check(at_least(0));
        // The official train.py options that have one meaning here (docs/cli.md, "Official options").
        tr->add_flag(
            "--max_violation,--max-violation", max_violation,
            "hardest negative from the first epoch (the default on real data; every official script passes it)");
        tr->add_flag("--bi_gru,--bi-gru", bi_gru,
                     "bidirectional GRU text encoder (the only one: the official code needs it)");
        tr->add_option("--cross_attn,--cross-attn", cross_attn,
                       "SCAN's direction: t2i or i2t (without --model_mode: scan_t2i/scan_i2t)")
            ->check(CLI::IsMember({"t2i", "i2t"}));
        tr->add_option("--workers", workers,
                       "accepted and ignored: data is read in-process (the official loaders ignore it too)");
        tr->add_option("--img_dim,--img-dim", img_dim, "feature values per region; checked against the data")
            ->check(at_least(1));
        tr->add_option("--num_layers,--num-layers", num_layers, "GRU layers (1, as in every official script)")
            ->check(CLI::Validator(
                [](std::string& v) {
                    return v == "1" ? std::string()
                                    : "only 1 GRU layer is implemented (the official scripts use 1), got " + v;
                },
                "1"));
        tr->add_option("--raw_feature_norm,--raw-feature-norm", raw_feature_norm,
                       "attention input normalisation: clipped_l2norm (the only one implemented; the official default)")
            ->check(CLI::IsMember({"clipped_l2norm"}));
        tr->add_option("--precomp_enc_type,--precomp-enc-type", precomp_enc_type, "image encoder: basic (the only one)")
            ->check(CLI::IsMember({"basic"}));
        tr->add_option("--compare", compare_modes,
                       "after training, train these modes too with the same data, epochs and seed and print a test "
                       "rsum table (e.g. --compare scan_t2i vse)")
            ->check(known_model_mode());  // at parse time, not after the main run has trained for hours
        // Each family's own hyper-parameters (models/registry.h), passed to it as text.
        for (const models::ModelFamily& fam : models::model_families())
            for (const models::ModelOption& o : fam.options) {
                if (family_settings.count(o.name)) continue;  // two families may share one
                std::string names = "--" + o.name, dashed = o.name;
                std::replace(dashed.begin(), dashed.end(), '_', '-');
                if (dashed != o.name) names += ",--" + dashed;
                tr->add_option(names, family_settings[o.name], o.help + " (" + fam.name + ")");
            }
    }

    int run() {
        apply_threads(tc);
        // In a run shared by several processes the first one reports; the others are quiet until the
        // run ends (an error still reaches the terminal: the guard gives stderr back first).
        const QuietUnlessLead quiet(dist::world().rank() != 0);
        if (dist::world().size() > 1)
            std::fprintf(stderr, "imram train: %s share every step (the same batches; the pairs of each step split "
                         "among them)\n", dist::world().describe().c_str());
        auto given = [&](const char* name) { return tr->count(name) > 0; };
        auto note = [](const std::string& m) { std::fprintf(stderr, "imram train: note: %s\n", m.c_str()); };
        // The official option names (docs/cli.md): each either means what it means there or says why not.
        if (given("--workers"))
            note("--workers is ignored: the data is read in-process (the official loaders ignore it too)");
        if (!cross_attn.empty()) {
            const std::string scan = "scan_" + cross_attn;
            if (!given("--model_mode"))
                mode = scan;  // SCAN's train.py picks the direction with --cross_attn
            else if (mode.starts_with("scan_") && mode != scan)
                throw Error::usage("--cross_attn " + cross_attn + " contradicts --model_mode " + mode);
            else if (!mode.starts_with("scan_"))
                note("--cross_attn applies to SCAN; " + mode + " fixes its own directions");
        }
        // The family's official optimizer and schedule for what the command line leaves open (PCME:
        // AdamP, cosine); a resume then takes the run's own values from its checkpoint.
        const auto family_recipe = [&](const std::string& of_mode, train::TrainerOptions& o) {
            const models::Options& d = models::family_of_mode(of_mode).training_defaults;
            if (!given("--optimizer")) o.optimizer = d.count("optimizer") ? d.at("optimizer") : "adam";
            if (!given("--lr_schedule")) o.lr_schedule = d.count("lr_schedule") ? d.at("lr_schedule") : "step";
            if (!given("--caption_drop")) o.caption_drop = d.count("caption_drop") ? std::stod(d.at("caption_drop")) : 0.0;
        };
        family_recipe(mode, to);
        if (to.optimizer != "sgd" && given("--momentum")) note("--momentum has no effect unless --optimizer sgd");
        if (to.optimizer == "adam")
            for (const char* f : {"--weight_decay", "--nesterov"})
                if (given(f)) note(std::string(f) + " has no effect unless --optimizer sgd or adamp");
        if (to.lr_schedule == "cosine" && given("--lr_update")) note("--lr_update has no effect with --lr_schedule cosine");
        if (!init_from.empty() && !to.resume.empty())
            throw Error::usage("--init_from starts a new run; --resume continues one: not both");
        if (!word_vectors.empty() && !to.resume.empty())
            throw Error::usage("--word_vectors starts a new run; --resume continues one: not both");
        if (to.optimizer == "sgd" && to.nesterov && to.momentum == 0)
            throw Error::usage("--nesterov needs --momentum > 0 (as PyTorch's SGD)");
        if (given("--lambda_lse") && agg != "LogSumExp")
            note("--lambda_lse has no effect unless --agg_func LogSumExp");
        if (given("--agg_func") && !mode.starts_with("scan_"))
            note("--agg_func applies to SCAN; IMRAM and VSE++ average (as in the official code)");
        if (!given("--run_dir")) {
            if (!model_name.empty())
                to.run_dir = model_name;
            else if (!logger_name.empty())
                to.run_dir = logger_name;
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
                if (!given(flag))
                    value = v;
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
            stored("optimizer", "--optimizer", to.optimizer);
            stored("momentum", "--momentum", to.momentum);
            stored("weight_decay", "--weight_decay", to.weight_decay);
            stored("nesterov", "--nesterov", to.nesterov);
            stored("train_only", "--train_only", to.train_only);
            stored("freeze", "--freeze", to.freeze);
            stored("lr_schedule", "--lr_schedule", to.lr_schedule);
            stored("one_caption_per_image", "--one_caption_per_image", to.one_caption_per_image);
            // Runs written before caption drop existed had none, whatever the family's default is now.
            if (!last.metadata.count("caption_drop") && !given("--caption_drop")) to.caption_drop = 0;
            stored("caption_drop", "--caption_drop", to.caption_drop);
            stored("bf16_mining", "--bf16_mining", to.bf16_mining);
            stored("bf16_tape", "--bf16_tape", to.bf16_tape);
            if (!given("--num_epochs")) stored("num_epochs", "--num_epochs", to.num_epochs);  // may be extended
            to.seed = tc.seed;
        }
        const data::Vocab vocab = vocab_of(tc);  // read once: the splits and --word_vectors use it
        const data::Dataset train_set = load_split(tc, "train", vocab);
        const data::Dataset dev_set = load_split(tc, "dev", vocab);
        if (img_dim > 0 && img_dim != train_set.images.size(2))
            throw Error::usage("--img_dim " + std::to_string(img_dim) + " but " + train_set.name + " has " +
                               std::to_string(train_set.images.size(2)) + " feature values per region");
        // The model's settings under their official names; the sizes of the data complete them.
        models::Options settings{{"model_mode", mode},
                                 {"vocab_size", setting_text(train_set.vocab_size)},
                                 {"img_dim", setting_text(train_set.images.size(2))},
                                 {"agg_func", agg}};
        std::vector<std::pair<std::string, std::string>> flags;  // (option, flag) pairs, to check a resume
        auto setting = [&](const char* key, const char* flag, const auto& value) {
            settings[key] = setting_text(value);
            flags.emplace_back(key, flag);
        };
        setting("iteration_step", "--iteration_step", mc.iteration_step);
        setting("lambda_softmax", "--lambda_softmax", mc.lambda_softmax);
        setting("lambda_lse", "--lambda_lse", mc.lambda_lse);
        setting("no_IMRAM_norm", "--no_IMRAM_norm", mc.no_imram_norm);
        setting("embed_size", "--embed_size", mc.embed_size);
        setting("word_dim", "--word_dim", mc.word_dim);
        setting("margin", "--margin", mc.margin);
        for (const auto& [key, value] : family_settings)
            if (given(("--" + key).c_str())) {
                settings[key] = value;
                flags.emplace_back(key, "--" + key);
            }
        flags.emplace_back("model_mode", "--model_mode");
        flags.emplace_back("agg_func", "--agg_func");
        // Resuming takes the model's hyper-parameters from the checkpoint itself.
        std::unique_ptr<models::RetrievalModel> model =
            to.resume.empty() ? models::create_model(settings, tc.seed, DType::F32, device_for(tc))
                              : models::load_model(to.resume, DType::F32, device_for(tc));
        if (!to.resume.empty()) {
            const models::Options have = model->config_metadata();
            for (const auto& [key, flag] : flags) {
                const auto it = have.find(key);
                if (given(flag.c_str()) && it != have.end() && !same_setting(it->second, settings.at(key)))
                    throw Error::usage(flag + " contradicts the resumed model, which has " + it->second + " (" +
                                       to.resume + ")");
            }
            check_data_fits(*model, train_set, to.resume);
        }
        if (!init_from.empty()) {
            const nn::TensorFile f = models::read_model_file(init_from);
            nn::check_finite(f, init_from);
            const std::size_t shared = nn::load_state_dict(*model, f, /*strict=*/false, init_from);
            if (shared == 0)
                throw Error(init_from + ": shares no parameter name with the " + model->mode() + " model", ErrorKind::Data);
            note("initialised " + std::to_string(shared) + " of " + std::to_string(model->named_parameters().size()) +
                 " parameters from " + init_from);
        }
        // Read once; every model of the run (and of --compare) starts from the same vectors.
        const data::WordVectors wv =
            word_vectors.empty() ? data::WordVectors{} : data::read_word_vectors(word_vectors, vocab);
        auto start_word_vectors = [&](models::RetrievalModel& m) {
            if (word_vectors.empty()) return;
            const std::size_t set = models::set_word_vectors(m, wv.dim, wv.ids, wv.values, word_vectors);
            std::string m_text = "set ";
            m_text += std::to_string(set);
            m_text += " of ";
            m_text += std::to_string(m.vocab_size());
            m_text += " word vectors from ";
            m_text += word_vectors;
            m_text += " (";
            m_text += std::to_string(wv.words_in_file);
            m_text += " words in the file";
            if (wv.by_fallback > 0) {
                m_text += "; ";
                m_text += std::to_string(wv.by_fallback);
                m_text += " through the fallback spelling without - . ' and after /";
            }
            m_text += ")";
            note(m_text);
        };
        start_word_vectors(*model);
        std::fprintf(stderr, "imram train: %s on %s (%lld images, %lld captions); %lld parameters; run dir %s\n",
                     model->describe().c_str(), train_set.name.c_str(),
                     static_cast<long long>(train_set.images.size(0)), static_cast<long long>(train_set.num_captions()),
                     static_cast<long long>(model->num_parameters()), to.run_dir.c_str());
        const train::TrainSummary s = train::train(*model, train_set, dev_set, to);
        if (s.interrupted) return 128 + s.stop_signal;  // as a shell reports a process ended by that signal
        warn_if_collapsed(s, model->mode());
        if (!fs::exists(fs::path(to.run_dir) / "model_best.safetensors")) {
            std::printf(
                "stopped after %lld steps inside the first epoch; no evaluated model yet (resume with "
                "--resume %s/checkpoint_last.safetensors)\n",
                static_cast<long long>(s.steps), to.run_dir.c_str());
            return 0;
        }
        const data::Dataset test_set = load_split(tc, "test", vocab);
        const auto best =
            models::load_model((fs::path(to.run_dir) / "model_best.safetensors").string(), DType::F32, device_for(tc));
        const eval::RetrievalMetrics m = eval::evaluate(*best, test_set);
        std::printf("trained %lld epochs, %lld steps (%lld skipped); best dev rsum %.2f\n%s: model_best\n%s",
                    static_cast<long long>(s.epochs), static_cast<long long>(s.steps),
                    static_cast<long long>(s.skipped_steps), s.best_rsum, test_set.name.c_str(), m.to_table().c_str());
        if (!compare_modes.empty()) {
            // The same recipe for other matchers: what cross attention and the memory buy on this data.
            std::vector<std::pair<std::string, eval::RetrievalMetrics>> rows{{model->mode(), m}};
            for (const std::string& name : compare_modes) {
                models::Options other = model->config_metadata();
                other["model_mode"] = name;
                train::TrainerOptions o = to;
                family_recipe(name, o);
                o.run_dir = (fs::path(to.run_dir) / ("compare_" + name)).string();
                o.resume.clear();
                o.overwrite = true;  // inside this run's directory: an earlier run's compare_ is this run's to replace
                std::fprintf(stderr, "imram train: --compare %s (%s)\n", name.c_str(), o.run_dir.c_str());
                const auto cmp = models::create_model(other, tc.seed, DType::F32, device_for(tc));
                start_word_vectors(*cmp);
                const train::TrainSummary cs = train::train(*cmp, train_set, dev_set, o);
                if (cs.interrupted) return 128 + cs.stop_signal;
                warn_if_collapsed(cs, name);
                const auto cbest = models::load_model((fs::path(o.run_dir) / "model_best.safetensors").string(),
                                                      DType::F32, device_for(tc));
                rows.emplace_back(name, eval::evaluate(*cbest, test_set));
            }
            std::printf("\ncomparison on %s (same data, epochs, batch and seed; best dev epoch of each):\n",
                        test_set.name.c_str());
            std::printf("  %-12s %7s %7s %7s %7s %7s %7s %8s\n", "model", "i2t R1", "R5", "R10", "t2i R1", "R5", "R10",
                        "rsum");
            for (const auto& [name, r] : rows)
                std::printf("  %-12s %7.1f %7.1f %7.1f %7.1f %7.1f %7.1f %8.1f\n", name.c_str(), r.i2t.r1, r.i2t.r5,
                            r.i2t.r10, r.t2i.r1, r.t2i.r5, r.t2i.r10, r.rsum());
        }
        return 0;
    }
};

}  // namespace

Subcommand add_train(CLI::App& app) {
    auto c = std::make_shared<TrainCommand>(app);
    return {c->tr, [c] { return c->run(); }};
}

}  // namespace imram::cli
