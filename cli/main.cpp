// SPDX-License-Identifier: MIT
// imram: train and evaluate IMRAM / SCAN / VSE++ retrieval models. With no --data_path it uses the
// built-in demo dataset. Results go to stdout, progress and logs to stderr. One file per subcommand
// (cli/<name>.cpp); errors map to exit codes here, in one place (docs/cli.md).

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "cli/common.h"
#include "core/host_block_cache.h"
#include "dist/communicator.h"
#include "kernels/cpu/blas.h"
#include "kernels/cuda/memory.h"
#include "search/vector_index.h"
#ifdef IMRAM_HAVE_MPI
#include "dist/mpi_communicator.h"
#endif

using namespace imram;
using namespace imram::cli;
namespace fs = std::filesystem;

namespace {

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
    // Started by mpirun (a build with MPI): the processes share the job (docs/distributed.md).
#ifdef IMRAM_HAVE_MPI
    std::unique_ptr<dist::Communicator> mpi;
    try {
        mpi = dist::mpi_world_if_launched();
    } catch (const Error& e) {
        std::fprintf(stderr, "imram: error: %s\n", e.message().c_str());
        return exit_code_for(e.kind);
    }
    dist::set_world(mpi.get());
#endif
    // The GEMM library is chosen once, here: a wrong IMRAM_GEMM is a usage error before any work, and
    // so is a wrong IMRAM_HOST_CACHE_MB (the host buffer cache is sized on its first use).
    try {
        (void)cpu::gemm_library();
        (void)host_block_cache();
    } catch (const Error& e) {
        std::fprintf(stderr, "imram: error: %s\n", e.message().c_str());
        return kExitUsage;
    }
    // In a job of several processes an error ends them all: the others must not wait for this one
    // in a collective. Each process names its rank.
    auto end_job = [](int rc) {
#ifdef IMRAM_HAVE_MPI
        if (rc != 0 && dist::world().size() > 1) dist::abort_all(rc);
#endif
        return rc;
    };
    std::string who = "imram";
    if (dist::world().size() > 1) {
        who += " (rank ";
        who += std::to_string(dist::world().rank());
        who += ")";
    }
    auto report = [&](const Error& e) {
        // Users see what is wrong with their input; the source location and the failed check are for
        // developers (--verbose).
        std::fprintf(stderr, "%s: error: %s\n", who.c_str(), verbose ? e.what() : e.message().c_str());
        return end_job(exit_code_for(e.kind));
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
#ifdef IMRAM_HAVE_MPI
    const char* with_mpi = ", MPI on";
#else
    const char* with_mpi = ", MPI off";
#endif
#ifdef IMRAM_HAVE_NCCL
    const char* with_nccl = ", NCCL on";
#else
    const char* with_nccl = "";
#endif
    app.set_version_flag("--version", [=] {
        return std::string("imram ") + IMRAM_VERSION + " (-march=" + IMRAM_ARCH_NAME + ", GEMM " +
               cpu::gemm_library_description() +
               ", CUDA backend " + (gpu::cuda_compiled() ? "on" : "off") + with_mpi + with_nccl +
               (search::have_faiss() ? ", FAISS on" : "") + ")";
    });
    app.add_flag("--verbose", verbose, "error messages with their source location (for bug reports)");
    app.require_subcommand(1);

    const std::vector<Subcommand> commands{add_train(app),   add_eval(app),    add_search(app),      add_encode(app),
                                           add_inspect(app), add_convert(app), add_export_demo(app), add_vocab(app),
                                           add_index(app)};
    std::vector<std::string> names;
    for (const Subcommand& c : commands) names.push_back(c.app->get_name());
    if (const std::string why = unknown_subcommand(args, names); !why.empty()) {
        std::fprintf(stderr, "imram: error: %s\n", why.c_str());
        return kExitUsage;
    }
    try {
        std::vector<const char*> cargs;
        for (const std::string& a : args) cargs.push_back(a.c_str());
        app.parse(static_cast<int>(cargs.size()), cargs.data());
    } catch (const CLI::ParseError& e) {
        const int rc = app.exit(e);
        return end_job(rc == 0 ? 0 : kExitUsage);
    }

    try {
        for (const Subcommand& c : commands)
            if (c.app->parsed()) {
                // Several processes share `train`, `eval` and `encode`; the other subcommands run in one.
                const std::string& name = c.app->get_name();
                if (dist::world().size() > 1 && name != "eval" && name != "train" && name != "encode")
                    throw Error::usage(name + " runs in one process; of the subcommands train, eval and encode share "
                                              "their work among processes (docs/distributed.md)");
                return end_job(c.run());
            }
    } catch (const Error& e) {
        return report(e);
    } catch (const fs::filesystem_error& e) {
        // Creating an output folder (a read-only place, a path through a file): the user's I/O problem.
        std::fprintf(stderr, "%s: error: %s: %s\n", who.c_str(), e.path1().string().c_str(), e.code().message().c_str());
        return end_job(kExitIO);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: internal error: %s\n", who.c_str(), e.what());
        return end_job(kExitInternal);
    }
    return kExitUsage;
}
