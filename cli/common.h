// SPDX-License-Identifier: MIT
// What the subcommands of the `imram` tool share: exit codes, the data options and their checks,
// loading a split or a model, progress lines, output checks; and the shape of a subcommand.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "api/retriever.h"
#include "base/check.h"
#include "base/device.h"
#include "data/dataset.h"
#include "data/vocab.h"
#include "models/retrieval_model.h"

namespace imram::cli {

inline constexpr int kExitUsage = 64, kExitData = 65, kExitNoInput = 66, kExitUnavailable = 69, kExitInternal = 70,
                     kExitIO = 74;

/// The options every data-reading subcommand has.
struct Common {
    std::string data_path, data_name = "f30k_precomp", vocab_path = "./vocab", device = "cpu";
    int threads = 0;
    std::uint64_t seed = 1;
    std::int64_t demo_train_images = 600;
    std::int64_t max_words = 0;  // captions cut to their first N words (CAMP: 47); 0: whole captions
};

/// Option checks, run by the parser: a bad value is a usage error (exit 64) before any work starts.
/// `at_least(n)`: an integer >= n. `finite_number`: a number > 0 (>= 0 with allow_zero) that is not NaN
/// or infinite (CLI11's own PositiveNumber lets NaN through).
CLI::Validator at_least(long long n);
CLI::Validator finite_number(bool allow_zero);
/// The tool's exit code for an error of this kind (docs/cli.md).
int exit_code_for(ErrorKind k);
/// `s` as a JSON string literal.
std::string json_string(const std::string& s);
/// stderr progress for long work: "what: done/total unit", a line redrawn in place on a terminal, a
/// line per tenth of the work in a log.
std::function<void(std::int64_t, std::int64_t)> progress_printer(const std::string& what, const std::string& unit);
/// True when `out` names the same existing file as `in` (through links, "./", hard links).
bool same_file(const std::string& in, const std::string& out);
/// --data_path, --data_name, --vocab_path, --device, --threads, --seed, --demo_train_images, --max_words.
void add_common(CLI::App* app, Common& c);
void apply_threads(const Common& c);
/// --precision fp32|bf16 for the commands that encode and score without training (eval, encode, search,
/// index build): bf16 products with fp32 accumulation where the CPU has them (kernels/cpu/bf16.h).
void add_precision(CLI::App* app, std::string& precision);
/// Sets the GEMM precision --precision asks for and returns the one in effect ("fp32" or "bf16"): a
/// CPU or build without fast bf16, or a CUDA device, is told on stderr (naming `who`) and runs fp32.
std::string apply_precision(const std::string& precision, const Common& c, const std::string& who);
/// The vocabulary the splits are encoded with: {vocab_path}/{data_name}_vocab.json, or the demo's.
data::Vocab vocab_of(const Common& c);
/// A split of the precomp data named by `c`, or of the built-in demo without --data_path; its captions
/// encoded with `vocab` (vocab_of(c); a command that loads several splits reads it once).
data::Dataset load_split(const Common& c, const std::string& split, const data::Vocab& vocab);
data::Dataset load_split(const Common& c, const std::string& split);
/// A model applies only to data of its own vocabulary and feature width (eval/data_checks.h).
void check_data_fits(const models::RetrievalModel& m, const data::Dataset& d, const std::string& model_file);
/// This process's place among the processes of its machine (the launcher's local rank; the world
/// rank when no launcher says).
int local_rank();
/// The --device choice; a CUDA device that does not answer is reported here, before any work. Under
/// mpirun, `cuda` without an index is the GPU of the process's local rank.
Device device_for(const Common& c);
/// A model file: the project's safetensors, or an official .pth.tar converted on the fly.
std::unique_ptr<models::RetrievalModel> load_any_model(const std::string& path, Device dev);

/// A Retriever for the model file `path` with the data's vocabulary (the demo's words without
/// --data_path); a missing file is ErrorKind::Missing naming `who`.
Retriever load_retriever(const Common& c, const std::string& path, const std::string& who);

/// One subcommand of the tool: its parser and what it does once its options are parsed (an exit code;
/// errors are thrown as imram::Error and mapped to exit codes by main).
struct Subcommand {
    CLI::App* app = nullptr;
    std::function<int()> run;
};
Subcommand add_train(CLI::App& app);
Subcommand add_eval(CLI::App& app);
Subcommand add_search(CLI::App& app);
Subcommand add_encode(CLI::App& app);
Subcommand add_inspect(CLI::App& app);
Subcommand add_convert(CLI::App& app);
Subcommand add_export_demo(CLI::App& app);
Subcommand add_vocab(CLI::App& app);
Subcommand add_index(CLI::App& app);

}  // namespace imram::cli
