// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>
#include <limits>
#include <string>
#include <vector>

#include "train/progress.h"

using imram::train::Progress;
using imram::train::ProgressOptions;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

/// A clock the test moves by hand.
struct FakeClock {
    double now = 100;
    Progress::Clock fn() {
        return [this] { return now; };
    }
};

ProgressOptions opts(bool tty, std::int64_t steps, std::int64_t log_every = 2) {
    ProgressOptions o;
    o.num_epochs = 3, o.steps_per_epoch = steps, o.items_per_step = 32, o.log_every = log_every, o.tty = tty;
    return o;
}

}  // namespace

TEST_CASE("Progress: plain lines every log_every steps and at the epoch's end, in the established format", "[train]") {
    FakeClock c;
    Progress p(opts(false, 5), c.fn());
    p.start_epoch(0, 0, 1e-3);
    std::vector<std::string> out;
    for (int s = 1; s <= 5; ++s) {
        c.now += 1.0;  // one second per step
        out.push_back(p.step(s, 0.5));
    }
    CHECK(out[0].empty());
    CHECK(out[1] == "epoch 1/3  step 2/5  loss 0.5000  lr 1.00e-03  1.00 s/step  epoch ETA 3 s\n");
    CHECK(out[2].empty());
    CHECK(out[3] == "epoch 1/3  step 4/5  loss 0.5000  lr 1.00e-03  1.00 s/step  epoch ETA 1 s\n");
    CHECK(out[4] == "epoch 1/3  step 5/5  loss 0.5000  lr 1.00e-03  1.00 s/step  epoch ETA 0 s\n");
    CHECK(p.break_line().empty());  // plain lines end with their own newline
}

TEST_CASE("Progress: a resumed epoch measures only the steps it ran", "[train]") {
    FakeClock c;
    Progress p(opts(false, 10, 4), c.fn());
    p.start_epoch(1, 6, 2e-4);  // resumed after step 6 of epoch 2
    c.now += 3.0;               // steps 7 and 8 took 3 s together
    p.step(7, 1.0);
    CHECK(p.step(8, 0.25) == "epoch 2/3  step 8/10  loss 0.2500  lr 2.00e-04  1.50 s/step  epoch ETA 3 s\n");
}

TEST_CASE("Progress: the terminal line redraws in place with a smoothed rate and an ETA", "[train]") {
    FakeClock c;
    ProgressOptions o = opts(true, 10);
    o.bar_width = 10;
    Progress p(o, c.fn());
    p.start_epoch(0, 0, 1e-3);
    c.now += 0.4;
    const std::string first = p.step(1, 0.75);
    // 0.4 s/step: 2.5 steps/s, 80 items/s (batch 32), 9 steps left: 3.6 s, shown rounded.
    CHECK(first == "\repoch 1/3 [#.........] 1/10  loss 0.7500  2.50 it/s  80.0 items/s  ETA 4s\x1b[K");
    CHECK(first.find('\n') == std::string::npos);
    c.now += 1.5;  // a slow step moves the average by a tenth of the difference
    const std::string second = p.step(2, 0.5);
    CHECK(p.seconds_per_step() == Approx(0.1 * 1.5 + 0.9 * 0.4));
    CHECK_THAT(second, StartsWith("\repoch 1/3 [##........] 2/10"));
    // 0.51 s/step: 1.96 steps/s, 62.7 items/s, 8 steps left: 4.08 s.
    CHECK_THAT(second, Contains("1.96 it/s") && Contains("62.7 items/s") && Contains("ETA 4s"));
    CHECK(p.break_line() == "\n");  // a message now starts on its own line
    CHECK(p.break_line().empty());  // and only once
}

TEST_CASE("Progress: the terminal line is throttled but always shows the last step", "[train]") {
    FakeClock c;
    Progress p(opts(true, 50), c.fn());
    p.start_epoch(0, 0, 1e-3);
    int drawn = 0;
    std::string last;
    for (int s = 1; s <= 50; ++s) {
        c.now += 0.01;  // 100 steps/s; redraws at most every 0.1 s
        const std::string t = p.step(s, 1.0);
        if (!t.empty()) ++drawn, last = t;
    }
    CHECK(drawn >= 5);
    CHECK(drawn <= 7);
    CHECK_THAT(last, Contains("50/50") && Contains("ETA 0s") && Contains("[########################]"));
}

TEST_CASE("Progress: log_every 0 prints nothing on a terminal or elsewhere", "[train]") {
    for (bool tty : {false, true}) {
        FakeClock c;
        Progress p(opts(tty, 3, 0), c.fn());
        p.start_epoch(0, 0, 1e-3);
        for (int s = 1; s <= 3; ++s) {
            c.now += 1;
            CHECK(p.step(s, 1.0).empty());
        }
        CHECK(p.break_line().empty());
    }
}

TEST_CASE("Progress: durations read as seconds, m:ss or h:mm:ss", "[train]") {
    CHECK(Progress::format_duration(0) == "0s");
    CHECK(Progress::format_duration(42.4) == "42s");
    CHECK(Progress::format_duration(59.6) == "1:00");
    CHECK(Progress::format_duration(185) == "3:05");
    CHECK(Progress::format_duration(3725) == "1:02:05");
    CHECK(Progress::format_duration(-1) == "?");
    CHECK(Progress::format_duration(std::numeric_limits<double>::infinity()) == "?");
    CHECK(Progress::format_duration(std::numeric_limits<double>::quiet_NaN()) == "?");
}
