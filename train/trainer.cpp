// SPDX-License-Identifier: MIT
#include "train/trainer.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <optional>
#include <sstream>
#include <tuple>
#include <nlohmann/json.hpp>

#include "core/autograd.h"
#include "base/file_io.h"
#include "base/format.h"
#include "core/ops.h"
#include "core/rng.h"
#include "data/caption_drop.h"
#include "dist/communicator.h"
#include "models/registry.h"
#include "nn/safetensors.h"
#include "kernels/cpu/bf16.h"
#include "kernels/cpu/blas.h"
#include "train/collapse.h"
#include "train/curve_svg.h"
#include "train/optim.h"
#include "train/progress.h"
#include "train/run_dir.h"

namespace imram::train {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

/// bf16 precision (kernels/cpu/bf16.h) for one training step: the no-tape scoring's weight products
/// when `mining`, the tape's layer products when `tape`; fp32 again when the step ends, however it ends.
struct StepPrecision {
    bool mining, tape;
    StepPrecision(bool bf16_mining, bool bf16_tape) : mining(bf16_mining), tape(bf16_tape) {
        if (mining) cpu::set_gemm_precision(cpu::GemmPrecision::BF16);
        if (tape) cpu::set_tape_gemm_precision(cpu::GemmPrecision::BF16);
    }
    ~StepPrecision() {
        if (mining) cpu::set_gemm_precision(cpu::GemmPrecision::F32);
        if (tape) cpu::set_tape_gemm_precision(cpu::GemmPrecision::F32);
    }
    StepPrecision(const StepPrecision&) = delete;
    StepPrecision& operator=(const StepPrecision&) = delete;
};

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// The signal that asked the run to stop (SIGINT from Ctrl-C, SIGTERM from kill, a scheduler or a
// container's shutdown), 0 while none has.
std::atomic<int> g_stop_signal{0};
extern "C" void on_stop_signal(int sig) { g_stop_signal.store(sig); }

/// SIGINT and SIGTERM ask the run to stop at the next step for as long as this lives.
struct StopSignals {
    using Handler = void (*)(int);
    Handler previous_int, previous_term;
    StopSignals() {
        g_stop_signal.store(0);
        previous_int = std::signal(SIGINT, on_stop_signal);
        previous_term = std::signal(SIGTERM, on_stop_signal);
    }
    ~StopSignals() {
        std::signal(SIGINT, previous_int);
        std::signal(SIGTERM, previous_term);
    }
    StopSignals(const StopSignals&) = delete;
    StopSignals& operator=(const StopSignals&) = delete;
};

/// Where a run is: enough, with the model and the optimizer, to continue exactly.
struct RunState {
    std::int64_t epoch = 0, step_in_epoch = 0, steps = 0, skipped = 0;
    double best_rsum = -1;
    double epoch_loss_sum = 0;  // the current epoch's finished steps, so a resumed epoch logs its whole loss
    std::int64_t epoch_loss_steps = 0;
};

std::string optim_path(const std::string& model_path) {
    const std::string suffix = ".safetensors";
    IMRAM_CHECK(model_path.size() > suffix.size() && model_path.ends_with(suffix), "--resume ", model_path,
                ": expected a .safetensors checkpoint");
    return model_path.substr(0, model_path.size() - suffix.size()) + ".optim.safetensors";
}

using NamedParameters = std::vector<std::pair<std::string, Tensor*>>;

// Comma-separated prefixes of `list`, each required to name at least one parameter of `all`.
std::vector<std::string> prefixes_of(const NamedParameters& all, const std::string& list, const char* flag) {
    std::vector<std::string> prefixes;
    std::string item;
    std::istringstream in(list);
    while (std::getline(in, item, ','))
        if (!item.empty()) prefixes.push_back(item);
    for (const std::string& pre : prefixes) {
        std::size_t n = 0;
        for (const auto& np : all) n += np.first.rfind(pre, 0) == 0;
        IMRAM_CHECK_KIND(n > 0, Usage, flag, ": '", pre, "' names no parameter of the model (its names: ",
                         all.front().first, ", ..., ", all.back().first, ")");
    }
    return prefixes;
}

bool named_by(const std::string& name, const std::vector<std::string>& prefixes) {
    for (const std::string& pre : prefixes)
        if (name.rfind(pre, 0) == 0) return true;
    return false;
}

/// The parameters the optimizer steps and clipping sees: all, or those named by opt.train_only, less
/// those named by opt.freeze.
NamedParameters trained_parameters(models::RetrievalModel& model, const TrainerOptions& opt) {
    const NamedParameters all = model.named_parameters();
    const std::vector<std::string> only = prefixes_of(all, opt.train_only, "--train_only");
    const std::vector<std::string> fixed = prefixes_of(all, opt.freeze, "--freeze");
    NamedParameters out;
    for (const auto& np : all)
        if ((only.empty() || named_by(np.first, only)) && !named_by(np.first, fixed)) out.push_back(np);
    IMRAM_CHECK_KIND(!out.empty(), Usage, "--freeze '", opt.freeze, "' leaves no parameter to train");
    return out;
}

/// The parameters a run does not train (--freeze, --train_only) stop requiring gradients while it runs,
/// so backward computes none for them: a frozen 160k-word embedding would otherwise get a dense
/// 190 MB gradient every step. The trained parameters' gradients and the losses are unchanged.
class HeldFixed {
public:
    HeldFixed(models::RetrievalModel& model, const NamedParameters& trained) {
        for (const auto& np : model.named_parameters()) {
            // By storage identity: a parameter tied to a trained one (one tensor under two names) trains.
            const bool is_trained = std::any_of(trained.begin(), trained.end(), [&](const auto& t) {
                return t.second->impl_ptr() == np.second->impl_ptr();
            });
            if (!is_trained && np.second->requires_grad()) {
                np.second->set_requires_grad(false);
                fixed_.push_back(np.second);
            }
        }
    }
    ~HeldFixed() {
        for (Tensor* p : fixed_) p->set_requires_grad(true);
    }
    HeldFixed(const HeldFixed&) = delete;
    HeldFixed& operator=(const HeldFixed&) = delete;

private:
    std::vector<Tensor*> fixed_;
};

std::vector<Tensor*> pointers(const NamedParameters& ps) {
    std::vector<Tensor*> out;
    for (const auto& np : ps) out.push_back(np.second);
    return out;
}

std::unique_ptr<Optimizer> make_optimizer(const NamedParameters& params, const TrainerOptions& opt) {
    if (opt.optimizer == "adam") return std::make_unique<Adam>(pointers(params), AdamOptions{opt.learning_rate});
    if (opt.optimizer == "adamp") {
        AdamPOptions o;
        o.lr = opt.learning_rate, o.weight_decay = opt.weight_decay, o.nesterov = opt.nesterov;
        return std::make_unique<AdamP>(pointers(params), o);
    }
    IMRAM_CHECK(opt.optimizer == "sgd", "train: optimizer must be adam, adamp or sgd, got '", opt.optimizer, "'");
    return std::make_unique<Sgd>(pointers(params),
                                 SgdOptions{opt.learning_rate, opt.momentum, opt.weight_decay, opt.nesterov});
}

/// Whether this process writes the run's files and reports (the first of the processes sharing the
/// run, dist::world(); the only one in a run of one process).
bool writes_files() { return dist::world().rank() == 0; }

void save_last(const fs::path& run, models::RetrievalModel& model, const NamedParameters& params, Optimizer& optim,
               const RunState& st, const TrainerOptions& opt) {
    if (!writes_files()) return;
    const std::map<std::string, std::string> meta = {
        {"seed", std::to_string(opt.seed)},                  {"batch_size", std::to_string(opt.batch_size)},
        {"epoch", std::to_string(st.epoch)},                 {"step_in_epoch", std::to_string(st.step_in_epoch)},
        {"steps", std::to_string(st.steps)},                 {"skipped", std::to_string(st.skipped)},
        {"best_rsum", format_exact(st.best_rsum)},           {"optimizer_steps", std::to_string(optim.steps())},
        {"epoch_loss_sum", format_exact(st.epoch_loss_sum)}, {"epoch_loss_steps", std::to_string(st.epoch_loss_steps)},
        // The schedule and the step's settings: a resume continues with these (cli/train.cpp
        // refuses flags that contradict them).
        {"learning_rate", format_exact(opt.learning_rate)}, {"lr_update", std::to_string(opt.lr_update)},
        {"num_epochs", std::to_string(opt.num_epochs)}, {"grad_clip", format_exact(opt.grad_clip)},
        {"warmup_epochs", std::to_string(opt.warmup_epochs)}, {"mask_duplicates", opt.mask_duplicates ? "1" : "0"},
        {"optimizer", optim.name()}, {"momentum", format_exact(opt.momentum)},
        {"weight_decay", format_exact(opt.weight_decay)}, {"nesterov", opt.nesterov ? "1" : "0"},
        {"train_only", opt.train_only}, {"freeze", opt.freeze}, {"lr_schedule", opt.lr_schedule},
        {"one_caption_per_image", opt.one_caption_per_image ? "1" : "0"},
        {"caption_drop", format_exact(opt.caption_drop)}, {"bf16_mining", opt.bf16_mining ? "1" : "0"},
        {"bf16_tape", opt.bf16_tape ? "1" : "0"}};
    nn::TensorFile moments;
    for (std::size_t i = 0; i < params.size(); ++i)
        for (const auto& [name, t] : optim.state_of(i))
            if (t->defined()) moments.tensors.emplace_back(name + "." + params[i].first, *t);
    moments.metadata = meta;
    const std::string model_file = (run / "checkpoint_last.safetensors").string();
    // The optimizer file first: a model file whose optimizer file is missing or older is detected on resume.
    nn::save_safetensors(optim_path(model_file), moments);
    models::save_model(model_file, model, meta);
}

std::int64_t meta_int(const std::map<std::string, std::string>& m, const std::string& k, const std::string& src) {
    auto it = m.find(k);
    IMRAM_CHECK(it != m.end(), src, ": metadata field '", k, "' is missing: not a checkpoint_last file");
    return std::stoll(it->second);
}

RunState load_last(const std::string& path, models::RetrievalModel& model, const NamedParameters& params,
                   Optimizer& optim, const TrainerOptions& opt) {
    const nn::TensorFile f = nn::load_safetensors(path);
    // The data order depends on the seed and the batch size: continuing with others would not be exact.
    IMRAM_CHECK(meta_int(f.metadata, "seed", path) == static_cast<std::int64_t>(opt.seed) &&
                    meta_int(f.metadata, "batch_size", path) == opt.batch_size,
                path, ": the run used --seed ", f.metadata.at("seed"), " --batch_size ", f.metadata.at("batch_size"),
                "; resume with the same values");
    // Files written before these fields existed lack them; a present field must agree.
    for (const auto& [key, value] : std::initializer_list<std::pair<const char*, double>>{
             {"learning_rate", opt.learning_rate}, {"lr_update", static_cast<double>(opt.lr_update)},
             {"grad_clip", opt.grad_clip}, {"warmup_epochs", static_cast<double>(opt.warmup_epochs)},
             {"mask_duplicates", opt.mask_duplicates ? 1.0 : 0.0}, {"momentum", opt.momentum},
             {"weight_decay", opt.weight_decay}, {"nesterov", opt.nesterov ? 1.0 : 0.0},
             {"one_caption_per_image", opt.one_caption_per_image ? 1.0 : 0.0}, {"caption_drop", opt.caption_drop},
             {"bf16_mining", opt.bf16_mining ? 1.0 : 0.0}, {"bf16_tape", opt.bf16_tape ? 1.0 : 0.0}}) {
        auto it = f.metadata.find(key);
        IMRAM_CHECK(it == f.metadata.end() || std::stod(it->second) == value, path, ": the run used ", key, " ",
                    it->second, " but this resume asks for ", format_exact(value), "; resume with the same value");
    }
    const auto used = f.metadata.find("optimizer");  // files written before the field existed: adam
    const std::string run_optimizer = used == f.metadata.end() ? "adam" : used->second;
    IMRAM_CHECK(run_optimizer == optim.name(), path, ": the run used --optimizer ", run_optimizer,
                " but this resume asks for ", optim.name(), "; resume with the same optimizer");
    for (const auto& [key, value] : {std::pair<const char*, const std::string&>{"train_only", opt.train_only},
                                     std::pair<const char*, const std::string&>{"freeze", opt.freeze},
                                     std::pair<const char*, const std::string&>{"lr_schedule", opt.lr_schedule}}) {
        // Files written before the field existed: empty, or the step schedule, the only one there was.
        const auto it = f.metadata.find(key);
        const std::string used_value =
            it != f.metadata.end() ? it->second : std::string(key) == "lr_schedule" ? "step" : std::string();
        IMRAM_CHECK(used_value == value, path, ": the run trained --", key, " '", used_value,
                    "' but this resume asks for '", value, "'; resume with the same value");
    }
    nn::load_state_dict(model, f, true, path);
    const std::string op = optim_path(path);
    const nn::TensorFile o = nn::load_safetensors(op);
    RunState st;
    st.epoch = meta_int(f.metadata, "epoch", path);
    st.step_in_epoch = meta_int(f.metadata, "step_in_epoch", path);
    st.steps = meta_int(f.metadata, "steps", path);
    st.skipped = meta_int(f.metadata, "skipped", path);
    st.best_rsum = std::stod(f.metadata.at("best_rsum"));
    if (auto it = f.metadata.find("epoch_loss_steps"); it != f.metadata.end()) {
        st.epoch_loss_steps = std::stoll(it->second);
        st.epoch_loss_sum = std::stod(f.metadata.at("epoch_loss_sum"));
    }
    IMRAM_CHECK(meta_int(o.metadata, "steps", op) == st.steps, op, ": optimizer state is from step ",
                meta_int(o.metadata, "steps", op), " but the model from step ", st.steps);
    optim.set_steps(meta_int(o.metadata, o.metadata.count("optimizer_steps") ? "optimizer_steps" : "adam_steps", op));
    for (std::size_t i = 0; i < params.size(); ++i) {
        const Tensor& p = *params[i].second;
        for (const auto& [name, dst] : optim.state_of(i)) {
            const std::string key = name + "." + params[i].first;
            const Tensor* t = o.find(key);
            // A state the optimizer makes at a parameter's first gradient (SGD's momentum buffer) may be absent.
            if (!t && !dst->defined()) continue;
            IMRAM_CHECK(t && t->shape() == p.shape(), op, ": missing or misshapen tensor '", key, "'");
            *dst = t->to(p.dtype()).contiguous().clone().to(p.device());
        }
    }
    return st;
}

/// The batch's off-diagonal pairs that are positives of each other: the same image, or the same words.
models::NotNegative pairs_that_belong_together(const data::Dataset& d, const std::vector<std::int64_t>& idx) {
    const std::size_t n = idx.size();
    models::NotNegative m(n * n, 0);
    for (std::size_t a = 0; a < n; ++a)
        for (std::size_t b = 0; b < n; ++b)
            if (a != b && (d.image_of(idx[a]) == d.image_of(idx[b]) || d.texts[idx[a]] == d.texts[idx[b]])) m[a * n + b] = 1;
    return m;
}

/// Redraws run/learning_curve.svg from metrics.jsonl (so a resumed run draws its whole history).
void write_curve(const fs::path& run, const fs::path& jsonl) {
    if (!writes_files()) return;
    std::vector<CurvePoint> pts;
    std::ifstream in(jsonl);
    std::string l;
    while (std::getline(in, l)) {
        const auto j = nlohmann::json::parse(l, nullptr, /*allow_exceptions=*/false);
        if (j.is_discarded() || !j["train_loss"].is_number()) continue;  // an epoch without a finished step
        pts.push_back({j["epoch"].get<double>(), j["train_loss"].get<double>(), j["dev"]["rsum"].get<double>()});
    }
    write_file_atomic((run / "learning_curve.svg").string(), learning_curve_svg(pts, "imram: " + run.filename().string()));
}

void append_line(const fs::path& p, const std::string& line) {
    if (!writes_files()) return;
    std::ofstream out(p, std::ios::app);
    IMRAM_CHECK_KIND(out.good(), IO, "cannot write ", p.string());
    out << line << '\n';
}

/// The gradients of `params` summed over the processes that share the step, in rank order (every
/// process gets the same bits). A parameter that no process has a gradient for keeps none (the
/// optimizer skips it, as in one process); one that some have counts zeros for the others.
void sum_gradients(const NamedParameters& params, const dist::Communicator& comm) {
    std::vector<double> flat, has(params.size(), 0.0);
    for (std::size_t i = 0; i < params.size(); ++i) {
        const Tensor g = params[i].second->grad();
        has[i] = g.defined() ? 1.0 : 0.0;
        if (g.defined()) {
            const std::vector<double> v = g.to(Device::cpu()).to_vector<double>();
            flat.insert(flat.end(), v.begin(), v.end());
        } else {
            flat.resize(flat.size() + static_cast<std::size_t>(params[i].second->numel()), 0.0);
        }
    }
    comm.all_reduce_sum(has);
    comm.all_reduce_sum(flat);
    std::size_t at = 0;
    for (std::size_t i = 0; i < params.size(); ++i) {
        Tensor& p = *params[i].second;
        const auto n = static_cast<std::size_t>(p.numel());
        if (has[i] > 0) {
            const std::vector<double> v(flat.begin() + static_cast<std::ptrdiff_t>(at),
                                        flat.begin() + static_cast<std::ptrdiff_t>(at + n));
            p.set_grad(from_vector(v, p.shape()).to(p.dtype()).to(p.device()));
        }
        at += n;
    }
}

}  // namespace

TrainSummary train(models::RetrievalModel& model, const data::Dataset& tr, const data::Dataset& dev, const TrainerOptions& opt) {
    // bf16 for the negatives' scoring and the tape's layers where the CPU has it; said once where not.
    const bool bf16_here = model.device().type == DeviceType::CPU && cpu::bf16_available();
    const bool bf16_mining = opt.bf16_mining && bf16_here, bf16_tape = opt.bf16_tape && bf16_here;
    for (const auto& [asked, flag, what] : {std::tuple{opt.bf16_mining, "--bf16_mining", "the negatives are scored"},
                                            std::tuple{opt.bf16_tape, "--bf16_tape", "the tape runs"}})
        if (asked && !bf16_here)
            std::fprintf(stderr,
                         "imram: note: %s needs the CPU backend on a CPU with AVX-512 BF16 or AMX and the oneDNN "
                         "GEMM library (here: %s); %s in fp32\n",
                         flag, cpu::gemm_library_description().c_str(), what);
    IMRAM_CHECK(opt.batch_size >= 2, "train: batch_size must be at least 2, got ", opt.batch_size);
    IMRAM_CHECK(opt.caption_drop >= 0 && opt.caption_drop < 1, "train: caption_drop must be in [0, 1), got ",
                opt.caption_drop);
    IMRAM_CHECK(tr.num_captions() >= opt.batch_size, "train: ", tr.name, " has ", tr.num_captions(),
                " captions, fewer than one batch of ", opt.batch_size);
    IMRAM_CHECK(!opt.one_caption_per_image || tr.num_captions() / tr.im_div >= opt.batch_size, "train: ", tr.name,
                " has ", tr.num_captions() / tr.im_div, " images, fewer than one batch of ", opt.batch_size,
                " with one caption per image");
    // Processes that share the run (dist::world(), docs/distributed.md) take the same batches and the
    // same steps; the first writes the run's files.
    const dist::Communicator& comm = dist::world();
    const bool lead = comm.rank() == 0;
    IMRAM_CHECK(opt.batch_size >= comm.size(), "train: batch_size ", opt.batch_size, " is smaller than the ",
                comm.size(), " processes that share each step");
    const StopSignals stop_signals;  // first: a signal from now on stops the run with a checkpoint
    std::optional<RunDirLock> lock;
    if (lead) lock.emplace(opt.run_dir);  // creates the directory; refuses a second trainer
    const fs::path run(opt.run_dir);
    std::error_code ec;
    const bool resume_in_place =
        !opt.resume.empty() && fs::equivalent(fs::path(opt.resume).parent_path().empty() ? fs::path(".")
                                                                                         : fs::path(opt.resume).parent_path(),
                                              run, ec);
    if (lead && !resume_in_place) prepare_fresh_run_dir(opt.run_dir, opt.overwrite);
    const fs::path jsonl = run / "metrics.jsonl", csv = run / "metrics.csv";
    const NamedParameters trained = trained_parameters(model, opt);
    const HeldFixed held_fixed(model, trained);
    NamedParameters clipped, unclipped;
    for (const auto& np : trained) (model.clipped(np.first) ? clipped : unclipped).push_back(np);
    const std::unique_ptr<Optimizer> optim = make_optimizer(trained, opt);
    RunState st;
    if (!opt.resume.empty()) {
        st = load_last(opt.resume, model, trained, *optim, opt);
        std::fprintf(stderr, "imram: resuming %s at epoch %lld, step %lld of the epoch (%lld steps done)\n",
                     opt.resume.c_str(), static_cast<long long>(st.epoch + 1), static_cast<long long>(st.step_in_epoch),
                     static_cast<long long>(st.steps));
    }
    if (lead && !fs::exists(csv)) append_line(csv, "epoch,step,lr,train_loss,i2t_r1,i2t_r5,i2t_r10,t2i_r1,t2i_r5,t2i_r10,rsum,seconds");
    TrainSummary sum;
    sum.steps = st.steps, sum.skipped_steps = st.skipped, sum.best_rsum = st.best_rsum;
    std::int64_t bad_in_a_row = 0;
    const std::int64_t items_per_epoch = opt.one_caption_per_image ? tr.num_captions() / tr.im_div : tr.num_captions();
    const std::int64_t steps_per_epoch = items_per_epoch / opt.batch_size;
    const auto t_start = Clock::now();
    std::vector<std::string> kept;
    ProgressOptions po;
    po.num_epochs = opt.num_epochs, po.steps_per_epoch = steps_per_epoch, po.items_per_step = opt.batch_size;
    po.log_every = opt.log_every, po.tty = ::isatty(::fileno(stderr)) == 1;
    Progress progress(po);
    CollapseMonitor collapse;
    // Processes that share the run stop together: a signal seen by any of them stops all at the same step.
    auto stop_requested = [&] {
        if (opt.max_steps > 0 && st.steps >= opt.max_steps) return true;
        std::vector<double> signalled{g_stop_signal.load() != 0 ? 1.0 : 0.0};
        comm.all_reduce_sum(signalled);
        return signalled[0] > 0;
    };
    // --grad_clip 0 means no clipping (as in the official code); the norm is still computed, to
    // catch non-finite gradients.
    const double clip_at = opt.grad_clip > 0 ? opt.grad_clip : std::numeric_limits<double>::infinity();
    for (std::int64_t epoch = st.epoch; epoch < opt.num_epochs && !stop_requested(); ++epoch) {
        st.epoch = epoch;
        const double lr = opt.lr_schedule == "cosine" ? cosine_lr(opt.learning_rate, epoch, opt.num_epochs)
                                                      : step_decay_lr(opt.learning_rate, epoch, opt.lr_update);
        optim->set_lr(lr);
        const auto order = data::epoch_order(tr, opt.seed, epoch, opt.one_caption_per_image);
        // A resumed epoch carries the loss of the steps it had finished before the stop.
        double& loss_sum = st.epoch_loss_sum;
        std::int64_t& loss_n = st.epoch_loss_steps;
        if (st.step_in_epoch == 0) loss_sum = 0, loss_n = 0;
        const auto t_epoch = Clock::now();
        const std::int64_t first = st.step_in_epoch;
        progress.start_epoch(epoch, first, lr);
        for (std::int64_t s = first; s < steps_per_epoch; ++s) {
            if (stop_requested()) break;
            const std::vector<std::int64_t> idx(order.begin() + s * opt.batch_size, order.begin() + (s + 1) * opt.batch_size);
            data::Batch b = data::make_batch(tr, idx);
            data::drop_batch_words(b, opt.caption_drop, opt.seed, static_cast<std::uint64_t>(st.steps));
            model.zero_grad();
            const bool max_violation = epoch >= opt.warmup_epochs;
            models::StepOptions so;
            so.max_violation = max_violation;
            so.chunk_pairs = opt.chunk_pairs;
            so.step = static_cast<std::uint64_t>(st.steps);
            if (opt.mask_duplicates) so.not_negative = pairs_that_belong_together(tr, idx);
            const models::StepResult r = [&] {
                const StepPrecision precision(bf16_mining, bf16_tape);  // fp32 again after the step
                return model.train_step(b.images.to(model.device()), b.ids, b.lengths, so);
            }();
            // Each process holds the gradient of its share of the step: add them up, in rank order.
            if (comm.size() > 1) sum_gradients(trained, comm);
            const GradClip clip = clip_grad_norm(pointers(clipped), clip_at);
            // Parameters outside the clipping (PCME's scale and shift) must be finite too.
            const double unclipped_norm =
                unclipped.empty() ? 0.0
                                  : clip_grad_norm(pointers(unclipped), std::numeric_limits<double>::infinity()).total_norm;
            st.step_in_epoch = s + 1;
            if (!std::isfinite(r.loss) || !std::isfinite(clip.total_norm) || !std::isfinite(unclipped_norm)) {
                ++sum.skipped_steps;
                ++st.skipped;
                std::fputs(progress.break_line().c_str(), stderr);
                std::fprintf(stderr, "imram: step %lld: non-finite loss or gradient (loss %g, grad norm %g): step skipped\n",
                             static_cast<long long>(sum.steps + 1), r.loss, clip.total_norm);
                IMRAM_CHECK(++bad_in_a_row < opt.max_bad_steps, "training diverged: ", bad_in_a_row,
                            " non-finite steps in a row; lower --learning_rate or check the data");
                continue;
            }
            bad_in_a_row = 0;
            if (unclipped.empty()) {
                optim->step(clip.scale);
            } else {
                // Clip only what the family clips: scale those gradients in place, step everything as is.
                if (clip.scale < 1.0)
                    for (const auto& np : clipped)
                        if (const Tensor g = np.second->grad(); g.defined()) g.copy_(mul(g, clip.scale));
                optim->step(1.0);
            }
            ++sum.steps;
            ++st.steps;
            loss_sum += r.loss;
            ++loss_n;
            collapse.add(r.scores, r.loss, model.loss_plateau(opt.batch_size, max_violation));
            if (opt.save_every > 0 && st.steps % opt.save_every == 0) save_last(run, model, trained, *optim, st, opt);
            std::fputs(progress.step(s + 1, r.loss).c_str(), stderr);
            if (opt.val_every > 0 && st.steps % opt.val_every == 0 && s + 1 < steps_per_epoch) {
                // The official val_step: a dev evaluation inside the epoch, logged only (model selection
                // stays at epoch ends, as there).
                const eval::RetrievalMetrics vm = eval::evaluate(model, dev);
                std::fputs(progress.break_line().c_str(), stderr);
                std::fprintf(stderr, "step %lld: %s rsum %.2f (i2t R@1 %.1f, t2i R@1 %.1f)\n",
                             static_cast<long long>(st.steps), dev.name.c_str(), vm.rsum(), vm.i2t.r1, vm.t2i.r1);
                append_line(jsonl, "{\"epoch\": " + std::to_string(epoch + 1) + ", \"step\": " + std::to_string(st.steps) +
                                       ", \"val_step\": true, \"dev\": " + vm.to_json() + "}");
            }
        }
        std::fputs(progress.break_line().c_str(), stderr);
        if (st.step_in_epoch < steps_per_epoch) {  // stopped inside the epoch: keep the place, no evaluation
            save_last(run, model, trained, *optim, st, opt);
            break;
        }
        st.epoch = epoch + 1;
        st.step_in_epoch = 0;
        const eval::RetrievalMetrics m = eval::evaluate(model, dev);
        const CollapseReport cr = collapse.end_epoch();
        sum.last = m;
        ++sum.epochs;
        sum.collapsed_epochs += cr.collapsed;
        sum.last_epoch_collapsed = cr.collapsed;
        const double train_loss = loss_n ? loss_sum / static_cast<double>(loss_n) : NAN;
        std::fprintf(stderr, "epoch %lld: train loss %.4f, %s rsum %.2f (i2t R@1 %.1f, t2i R@1 %.1f), %.1f s\n",
                     static_cast<long long>(epoch + 1), train_loss, dev.name.c_str(), m.rsum(), m.i2t.r1, m.t2i.r1,
                     since(t_epoch));
        std::fputs(cr.warning(epoch + 1).c_str(), stderr);
        char line[512];
        // JSON has no NaN: an epoch without a finished step records null.
        const std::string loss_json = std::isfinite(train_loss) ? format_exact(train_loss) : "null";
        std::snprintf(line, sizeof line, "{\"epoch\": %lld, \"step\": %lld, \"lr\": %.6g, \"train_loss\": %s, ",
                      static_cast<long long>(epoch + 1), static_cast<long long>(st.steps), lr, loss_json.c_str());
        append_line(jsonl, line + ("\"collapse\": " + cr.to_json()) + ", \"dev\": " + m.to_json() + "}");
        std::snprintf(line, sizeof line, "%lld,%lld,%.6g,%.6f,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f,%.1f",
                      static_cast<long long>(epoch + 1), static_cast<long long>(st.steps), lr, train_loss, m.i2t.r1,
                      m.i2t.r5, m.i2t.r10, m.t2i.r1, m.t2i.r5, m.t2i.r10, m.rsum(), since(t_start));
        append_line(csv, line);
        write_curve(run, jsonl);
        const std::map<std::string, std::string> meta = {{"epoch", std::to_string(epoch + 1)},
                                                         {"step", std::to_string(st.steps)},
                                                         {"dev_rsum", std::to_string(m.rsum())}};
        const std::string ck = (run / ("checkpoint_epoch" + std::to_string(epoch + 1) + ".safetensors")).string();
        if (lead) models::save_model(ck, model, meta);
        kept.push_back(ck);
        while (static_cast<std::int64_t>(kept.size()) > opt.keep_last) {
            if (lead) fs::remove(kept.front());
            kept.erase(kept.begin());
        }
        if (m.rsum() > sum.best_rsum) {
            sum.best_rsum = m.rsum();
            if (lead) models::save_model((run / "model_best.safetensors").string(), model, meta);
        }
        st.best_rsum = sum.best_rsum;
        save_last(run, model, trained, *optim, st, opt);
    }
    // A signal inside an epoch stopped it there (checkpoint_last written above); one during an epoch's
    // evaluation or between epochs stopped the run at the epoch's end, after its checkpoint_last.
    if (const int sig = g_stop_signal.load(); sig != 0) {
        sum.interrupted = true;
        sum.stop_signal = sig;
        std::fprintf(stderr, "imram: interrupted by %s; saved %s (continue with --resume)\n",
                     sig == SIGTERM ? "SIGTERM" : "SIGINT", (run / "checkpoint_last.safetensors").string().c_str());
    }
    // The run's files are written (by the first process) before any process goes on to read them.
    comm.barrier();
    return sum;
}

}  // namespace imram::train
