// SPDX-License-Identifier: MIT
// Training progress on stderr. On a terminal: one line redrawn in place ("\r", erase to the end)
// with epoch, step/total, a bar, loss, smoothed rate (steps/s and items/s) and the epoch's ETA, at
// most every `redraw_seconds`. Elsewhere (a log file, a pipe, CI): the plain periodic lines
//   epoch E/N  step S/T  loss L  lr R  X s/step  epoch ETA Y s
// every `log_every` steps and at the epoch's last step (their format is relied on by scripts).
//
// The class only makes text; the caller writes it. The clock and the terminal flag are injected, so
// the formatting, the rate and the ETA are testable without a terminal or real time.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace imram::train {

struct ProgressOptions {
    std::int64_t num_epochs = 1;
    std::int64_t steps_per_epoch = 1;
    std::int64_t items_per_step = 1;  // the batch size: items/s = steps/s x this
    std::int64_t log_every = 10;      // plain lines every N steps; 0: no progress output at all
    bool tty = false;                 // stderr is a terminal: the redrawn line instead of plain lines
    double redraw_seconds = 0.1;      // the terminal line is redrawn at most this often
    int bar_width = 24;
};

class Progress {
public:
    /// Seconds on any monotonic scale.
    using Clock = std::function<double()>;
    /// A steady clock.
    static Clock steady_clock();

    explicit Progress(const ProgressOptions& o, Clock clock = steady_clock());

    /// Epoch `epoch` (0-based) starts (or resumes) at 0-based step `first_step`.
    void start_epoch(std::int64_t epoch, std::int64_t first_step, double lr);
    /// Step `step` (1-based within the epoch) finished with `loss`; returns what to write (maybe "").
    std::string step(std::int64_t step, double loss);
    /// Text that must go before any other message while the terminal line is showing: "\n" to
    /// keep the line (and its last state) above the message, "" otherwise.
    std::string break_line();

    /// Smoothed seconds per step (exponential moving average over step durations; 0 before a step).
    double seconds_per_step() const { return ema_; }

    /// "42s", "3:05", "1:02:05" (negative or non-finite: "?").
    static std::string format_duration(double seconds);

private:
    std::string plain_line(std::int64_t step, double loss, double now) const;
    std::string tty_line(std::int64_t step, double loss) const;

    ProgressOptions o_;
    Clock clock_;
    std::int64_t epoch_ = 0, first_ = 0;
    double lr_ = 0, epoch_start_ = 0, last_step_ = 0, last_draw_ = 0, ema_ = 0;
    bool drawn_ = false, showing_ = false;
};

}  // namespace imram::train
