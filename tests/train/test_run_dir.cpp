// SPDX-License-Identifier: MIT
// Run directories: one trainer at a time, no mixing with an earlier run, SIGTERM saves like Ctrl-C,
// and the resumed epoch logs the loss of all its steps.
#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "base/check.h"
#include "models/imram/checkpoint.h"
#include "nn/safetensors.h"
#include "tests/testing/capture_stderr.h"
#include "tests/testing/temp.h"
#include "data/demo_data.h"
#include "train/run_dir.h"
#include "train/trainer.h"

using namespace imram;
namespace fs = std::filesystem;

namespace {

struct Tiny {
    data::Dataset tr, dev;
    models::ModelConfig c;
    Tiny() {
        data::DemoOptions o;
        o.train_images = 8, o.dev_images = 4, o.test_images = 4, o.regions = 4, o.features = 16;
        tr = data::demo_split("train", o), dev = data::demo_split("dev", o);
        c.mode = models::Mode::ScanT2I;
        c.vocab_size = static_cast<std::int64_t>(data::demo_words().size());
        c.img_dim = 16, c.embed_size = 8, c.word_dim = 4, c.iteration_step = 1;
    }
    train::TrainerOptions options(const std::string& dir) const {
        train::TrainerOptions t;
        t.num_epochs = 1, t.batch_size = 8, t.learning_rate = 1e-3, t.log_every = 0, t.seed = 3;
        t.run_dir = testing::tmp_path(dir);
        return t;
    }
};

}  // namespace

TEST_CASE("run directory lock: a second holder is refused until the first lets go", "[train]") {
    const std::string dir = testing::tmp_path("locked_run");
    fs::remove_all(dir);
    {
        const train::RunDirLock first(dir);
        try {
            const train::RunDirLock second(dir);
            FAIL("a second lock on the same run directory was granted");
        } catch (const Error& e) {
            CHECK(e.kind == ErrorKind::Unavailable);
            CHECK_THAT(e.message(), Catch::Contains("in use by another trainer") &&
                                        Catch::Contains("pid " + std::to_string(::getpid())));
        }
    }
    CHECK_NOTHROW(train::RunDirLock(dir));  // released with its holder
}

TEST_CASE("run directory: a fresh run refuses an earlier run's files; --overwrite clears only those", "[train]") {
    const Tiny t;
    train::TrainerOptions o = t.options("reused_run");
    fs::remove_all(o.run_dir);
    {
        models::ImramModel m(t.c, 5);
        testing::capture_stderr([&] { train::train(m, t.tr, t.dev, o); });
    }
    REQUIRE(fs::exists(fs::path(o.run_dir) / "checkpoint_last.safetensors"));
    std::ofstream(fs::path(o.run_dir) / "notes.txt") << "mine\n";
    fs::create_directories(fs::path(o.run_dir) / "compare_vse");
    std::ofstream(fs::path(o.run_dir) / "compare_vse" / "metrics.csv") << "old\n";
    models::ImramModel m(t.c, 5);
    try {
        testing::capture_stderr([&] { train::train(m, t.tr, t.dev, o); });
        FAIL("a second fresh run into the same directory was not refused");
    } catch (const Error& e) {
        CHECK(e.kind == ErrorKind::Usage);
        CHECK_THAT(e.message(), Catch::Contains("is not empty") && Catch::Contains("--overwrite") &&
                                    Catch::Contains("--resume"));
    }
    o.overwrite = true;
    o.num_epochs = 1, o.max_steps = 0;
    testing::capture_stderr([&] { train::train(m, t.tr, t.dev, o); });
    CHECK(fs::exists(fs::path(o.run_dir) / "notes.txt"));        // not a run's file: left alone
    CHECK_FALSE(fs::exists(fs::path(o.run_dir) / "compare_vse"));  // a run's file: cleared
    std::ifstream csv(fs::path(o.run_dir) / "metrics.csv");
    std::string line;
    int rows = 0;
    while (std::getline(csv, line)) ++rows;
    CHECK(rows == 2);  // header + this run's one epoch, nothing of the earlier run
}

TEST_CASE("SIGTERM stops training after the current step and saves checkpoint_last, like Ctrl-C", "[train]") {
    const Tiny t;
    train::TrainerOptions o = t.options("sigterm_run");
    o.num_epochs = 100000;  // far longer than the test waits
    fs::remove_all(o.run_dir);
    models::ImramModel m(t.c, 5);
    train::TrainSummary s;
    const auto before = std::signal(SIGTERM, SIG_DFL);  // the test runner's own handler
    std::signal(SIGTERM, before);
    std::thread killer([&] {
        // The trainer takes its signal handlers before it creates the lock file.
        const fs::path lock = fs::path(o.run_dir) / ".lock";
        while (!fs::exists(lock)) std::this_thread::sleep_for(std::chrono::milliseconds(5));
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        ::kill(::getpid(), SIGTERM);
    });
    const std::string err = testing::capture_stderr([&] { s = train::train(m, t.tr, t.dev, o); });
    killer.join();
    CHECK(s.interrupted);
    CHECK(s.stop_signal == SIGTERM);
    CHECK_THAT(err, Catch::Contains("interrupted by SIGTERM"));
    const nn::TensorFile last = nn::load_safetensors(o.run_dir + "/checkpoint_last.safetensors");
    CHECK(std::stoll(last.metadata.at("steps")) == s.steps);
    CHECK(std::signal(SIGTERM, before) == before);  // the previous disposition is back
}

TEST_CASE("resume: the run's schedule is stored and a contradicting one refused; the resumed epoch logs all its steps",
          "[train]") {
    const Tiny t;
    train::TrainerOptions o = t.options("resume_schedule");
    o.num_epochs = 1, o.batch_size = 4, o.learning_rate = 3e-3;  // 40 captions: 10 steps per epoch
    fs::remove_all(o.run_dir);
    {
        models::ImramModel m(t.c, 5);
        o.max_steps = 4;
        testing::capture_stderr([&] { train::train(m, t.tr, t.dev, o); });
    }
    const std::string last = o.run_dir + "/checkpoint_last.safetensors";
    const nn::TensorFile f = nn::load_safetensors(last);
    CHECK(std::stod(f.metadata.at("learning_rate")) == 3e-3);
    CHECK(std::stoll(f.metadata.at("epoch_loss_steps")) == 4);

    train::TrainerOptions r = o;
    r.resume = last, r.max_steps = 0;
    r.learning_rate = 2e-4;
    {
        auto m = models::load_imram_model(last);
        try {
            testing::capture_stderr([&] { train::train(*m, t.tr, t.dev, r); });
            FAIL("a resume with another learning rate was not refused");
        } catch (const Error& e) {
            CHECK_THAT(e.message(), Catch::Contains("learning_rate"));
        }
    }
    r.learning_rate = 3e-3;
    auto m = models::load_imram_model(last);
    testing::capture_stderr([&] { train::train(*m, t.tr, t.dev, r); });
    // Straight through, for the epoch's loss over all its 10 steps.
    train::TrainerOptions straight = t.options("resume_schedule_straight");
    straight.num_epochs = 1, straight.batch_size = 4, straight.learning_rate = 3e-3;
    fs::remove_all(straight.run_dir);
    models::ImramModel m2(t.c, 5);
    testing::capture_stderr([&] { train::train(m2, t.tr, t.dev, straight); });
    auto loss_of = [](const std::string& dir) {
        std::ifstream in(dir + "/metrics.jsonl");
        std::string l, last_line;
        while (std::getline(in, l)) last_line = l;
        return nlohmann::json::parse(last_line)["train_loss"].get<double>();
    };
    CHECK(loss_of(r.run_dir) == loss_of(straight.run_dir));
}
