// SPDX-License-Identifier: MIT
#include "cli/common.h"

#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "core/ops.h"
#include "data/demo_data.h"
#include "data/precomp.h"
#include "data/labels.h"
#include "data/vocab.h"
#include "dist/communicator.h"
#ifdef IMRAM_HAVE_NCCL
#include "dist/nccl_communicator.h"
#endif
#include "eval/data_checks.h"
#include "kernels/cpu/bf16.h"
#include "kernels/cpu/blas.h"
#include "kernels/cuda/memory.h"
#include "models/registry.h"

namespace imram::cli {
namespace fs = std::filesystem;

CLI::Validator at_least(long long n) {
    return CLI::Validator(
        [n](std::string& s) {
            long long v = 0;
            if (!CLI::detail::lexical_cast(s, v) || v < n)
                return "must be an integer >= " + std::to_string(n) + ", got " + s;
            return std::string();
        },
        "INT>=" + std::to_string(n));
}

CLI::Validator finite_number(bool allow_zero) {
    return CLI::Validator(
        [allow_zero](std::string& s) {
            double v = 0;
            const bool ok = CLI::detail::lexical_cast(s, v) && std::isfinite(v) && (allow_zero ? v >= 0 : v > 0);
            return ok ? std::string()
                      : std::string("must be a finite number ") + (allow_zero ? ">= 0" : "> 0") + ", got " + s;
        },
        allow_zero ? "NUMBER>=0" : "NUMBER>0");
}

int exit_code_for(ErrorKind k) {
    switch (k) {
        case ErrorKind::Data:
            return kExitData;
        case ErrorKind::Missing:
            return kExitNoInput;
        case ErrorKind::IO:
            return kExitIO;
        case ErrorKind::Usage:
            return kExitUsage;
        case ErrorKind::Unavailable:
            return kExitUnavailable;
        case ErrorKind::Internal:
            return kExitInternal;
    }
    return kExitInternal;
}

std::string json_string(const std::string& s) {
    std::string o = "\"";
    for (const unsigned char c : s) {
        if (c == '"' || c == '\\')
            o += '\\', o += static_cast<char>(c);
        else if (c == '\n')
            o += "\\n";
        else if (c == '\t')
            o += "\\t";
        else if (c < 0x20) {
            char b[8];
            std::snprintf(b, sizeof b, "\\u%04x", c);
            o += b;
        } else
            o += static_cast<char>(c);
    }
    return o + "\"";
}

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

bool same_file(const std::string& in, const std::string& out) {
    std::error_code ec;
    return fs::exists(out, ec) && fs::equivalent(in, out, ec);
}

void add_common(CLI::App* app, Common& c) {
    auto* path = app->add_option("--data_path,--data-path", c.data_path,
                                 "folder holding {data_name}/ (default: built-in demo data)");
    // Without --data_path the built-in demo is used: a dataset or vocabulary named alone would be ignored.
    app->add_option("--data_name,--data-name", c.data_name, "dataset folder name, e.g. f30k_precomp")->needs(path);
    app->add_option("--vocab_path,--vocab-path", c.vocab_path,
                    "folder holding {data_name}_vocab.json (default ./vocab)")
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
    app->add_option("--max_words,--max-words", c.max_words,
                    "keep the first N words of every caption of every split read (CAMP's loader: 47); 0: all")
        ->check(at_least(0));
}

void apply_threads(const Common& c) {
#ifdef _OPENMP
    if (c.threads > 0) omp_set_num_threads(c.threads);
#else
    (void)c;
#endif
}

void add_precision(CLI::App* app, std::string& precision) {
    app->add_option("--precision", precision,
                    "fp32 (default) or bf16: products with bf16 inputs and fp32 accumulation, softmax and norms in "
                    "fp32 (CPUs with AVX-512 BF16 or AMX; elsewhere fp32 with a notice)")
        ->check(CLI::IsMember({"fp32", "bf16"}));
}

std::string apply_precision(const std::string& precision, const Common& c, const std::string& who) {
    if (precision != "bf16") {
        cpu::set_gemm_precision(cpu::GemmPrecision::F32);
        return "fp32";
    }
    if (parse_device(c.device).type != DeviceType::CPU) {
        std::fprintf(stderr, "%s: note: --precision bf16 applies to the CPU backend; running fp32 on %s\n", who.c_str(),
                     c.device.c_str());
        return "fp32";
    }
    if (cpu::set_gemm_precision(cpu::GemmPrecision::BF16) != cpu::GemmPrecision::BF16) {
        std::fprintf(stderr,
                     "%s: note: --precision bf16 needs a CPU with AVX-512 BF16 or AMX and the oneDNN GEMM library "
                     "(here: %s); running fp32\n",
                     who.c_str(), cpu::gemm_library_description().c_str());
        return "fp32";
    }
    return "bf16";
}

data::Vocab vocab_of(const Common& c) {
    if (c.data_path.empty()) {
        data::Vocab v;
        for (const std::string& w : data::demo_words()) v.add(w);
        return v;
    }
    const std::string vocab_file = (fs::path(c.vocab_path) / (c.data_name + "_vocab.json")).string();
    if (!fs::exists(vocab_file))
        throw Error::missing("--vocab_path: cannot open " + vocab_file +
                             " (expected {vocab_path}/{data_name}_vocab.json)");
    return data::load_vocab(vocab_file);
}

data::Dataset load_split(const Common& c, const std::string& split) { return load_split(c, split, vocab_of(c)); }

data::Dataset load_split(const Common& c, const std::string& split, const data::Vocab& vocab) {
    if (c.data_path.empty()) {
        data::DemoOptions o;
        o.seed = 2020;
        o.train_images = c.demo_train_images;
        data::Dataset d = data::demo_split(split == "testall" ? "test" : split, o);
        data::truncate_captions(d, c.max_words);
        return d;
    }
    data::PrecompSplit p = data::load_precomp(c.data_path, c.data_name, split);
    data::Dataset d;
    d.name = c.data_name + "/" + split;
    d.im_div = p.im_div;
    d.vocab_size = vocab.size();
    d.images = p.images;
    d.file_images = p.images.size(0);
    if (const auto labels = data::find_image_labels(c.data_path, c.data_name, split))
        d.labels = data::read_image_labels(*labels, d.file_images);
    d.texts = std::move(p.captions);
    if (split == "dev" && d.num_captions() > 5000) {  // the official loader keeps the first 5,000 dev captions
        d.texts.resize(5000);
        d.images = slice(d.images, 0, 0, 5000 / d.im_div);
        if (d.labels.num_images() > 0) d.labels = d.labels.first(d.images.size(0));
    }
    // The shipped vocabularies were built with NLTK 3.2-era rules (they contain tokens like "back..").
    // An error names the caption file and line.
    d.captions = data::encode_captions(vocab, d.texts, data::kVocabularyRules,
                                       (fs::path(c.data_path) / c.data_name / (split + "_caps.txt")).string());
    const std::int64_t cut = data::truncate_captions(d, c.max_words);
    std::fprintf(stderr, "imram: %s: %lld images, %lld captions, vocab %lld%s\n", d.name.c_str(),
                 static_cast<long long>(d.images.size(0)), static_cast<long long>(d.num_captions()),
                 static_cast<long long>(vocab.size()),
                 cut > 0 ? (" (" + std::to_string(cut) + " captions cut to " + std::to_string(c.max_words) + " words)").c_str()
                         : "");
    return d;
}

void check_data_fits(const models::RetrievalModel& m, const data::Dataset& d, const std::string& model_file) {
    eval::check_data_fits_model(m, d, d.name + " under " + model_file);
}

Device device_for(const Common& c) {
    Device d = parse_device(c.device);
    if (d.type == DeviceType::CUDA) {
        std::string why;
        const int n = gpu::cuda_device_count(&why);
        // Several processes on a machine with GPUs: `--device cuda` (no index) gives each process the
        // GPU of its place on that machine (its local rank, modulo the GPUs there).
        if (c.device == "cuda" && dist::world().size() > 1 && n > 0) d.index = local_rank() % n;
#ifdef IMRAM_HAVE_NCCL
        // Processes on GPUs exchange through NCCL from here on (MPI started them and bootstraps it).
        static std::unique_ptr<dist::Communicator> nccl;
        if (!nccl && dist::world().size() > 1 && d.index < n) {
            nccl = dist::make_nccl_communicator(dist::world(), d.index);
            dist::set_world(nccl.get());
        }
#endif
        if (d.index >= n)
            throw Error(
                "--device " + c.device + ": not available (" + std::to_string(n) + " CUDA device(s)" +
                    (why.empty() ? "" : "; " + why) + ")" +
                    (gpu::cuda_compiled() ? "" : "; this build has no CUDA backend, try --device cuda-emulated"),
                ErrorKind::Unavailable);
    }
    return d;
}

int local_rank() {
    // Open MPI's, then the PMI / PMIx launchers' name for a process's place on its machine.
    for (const char* v : {"OMPI_COMM_WORLD_LOCAL_RANK", "MPI_LOCALRANKID", "PMI_LOCAL_RANK"})
        if (const char* s = std::getenv(v)) return std::max(0, std::atoi(s));
    return dist::world().rank();
}

std::unique_ptr<models::RetrievalModel> load_any_model(const std::string& path, Device dev) {
    return models::load_model(path, DType::F32, dev);
}

Retriever load_retriever(const Common& c, const std::string& path, const std::string& who) {
    if (!fs::exists(path)) throw Error::missing(who + ": cannot open " + path);
    if (c.data_path.empty()) return Retriever::load(path, data::demo_words(), device_for(c));
    return Retriever::load(path, (fs::path(c.vocab_path) / (c.data_name + "_vocab.json")).string(), device_for(c));
}

}  // namespace imram::cli
