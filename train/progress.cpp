// SPDX-License-Identifier: MIT
#include "train/progress.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <utility>

namespace imram::train {
namespace {

// Weight of the newest step in the moving average: the rate follows a change within ~10 steps
// while one slow step (an evaluation, a checkpoint write) moves it only a little.
constexpr double kAlpha = 0.1;

std::string printf_string(const char* fmt, auto... args) {
    char b[512];
    const int n = std::snprintf(b, sizeof b, fmt, args...);
    return std::string(b, n < 0 ? 0 : std::min<std::size_t>(static_cast<std::size_t>(n), sizeof b - 1));
}

}  // namespace

Progress::Clock Progress::steady_clock() {
    return [] { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); };
}

Progress::Progress(const ProgressOptions& o, Clock clock) : o_(o), clock_(std::move(clock)) {}

void Progress::start_epoch(std::int64_t epoch, std::int64_t first_step, double lr) {
    epoch_ = epoch, first_ = first_step, lr_ = lr;
    epoch_start_ = last_step_ = clock_();
    drawn_ = false;
}

std::string Progress::format_duration(double s) {
    if (!std::isfinite(s) || s < 0) return "?";
    const auto t = static_cast<long long>(std::llround(s));
    if (t < 60) return printf_string("%llds", t);
    if (t < 3600) return printf_string("%lld:%02lld", t / 60, t % 60);
    return printf_string("%lld:%02lld:%02lld", t / 3600, t / 60 % 60, t % 60);
}

std::string Progress::plain_line(std::int64_t s, double loss, double now) const {
    const double per_step = (now - epoch_start_) / static_cast<double>(s - first_);
    return printf_string("epoch %lld/%lld  step %lld/%lld  loss %.4f  lr %.2e  %.2f s/step  epoch ETA %.0f s\n",
                         static_cast<long long>(epoch_ + 1), static_cast<long long>(o_.num_epochs),
                         static_cast<long long>(s), static_cast<long long>(o_.steps_per_epoch), loss, lr_, per_step,
                         per_step * static_cast<double>(o_.steps_per_epoch - s));
}

std::string Progress::tty_line(std::int64_t s, double loss) const {
    const double frac = o_.steps_per_epoch > 0 ? static_cast<double>(s) / static_cast<double>(o_.steps_per_epoch) : 1;
    const int filled = static_cast<int>(frac * o_.bar_width);
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar.resize(static_cast<std::size_t>(o_.bar_width), '.');
    const double rate = ema_ > 0 ? 1.0 / ema_ : 0;
    // "\r" returns to the line start, ESC[K erases what a longer previous line left behind.
    return printf_string("\repoch %lld/%lld [%s] %lld/%lld  loss %.4f  %.2f it/s  %.1f items/s  ETA %s\x1b[K",
                         static_cast<long long>(epoch_ + 1), static_cast<long long>(o_.num_epochs), bar.c_str(),
                         static_cast<long long>(s), static_cast<long long>(o_.steps_per_epoch), loss, rate,
                         rate * static_cast<double>(o_.items_per_step),
                         format_duration(ema_ * static_cast<double>(o_.steps_per_epoch - s)).c_str());
}

std::string Progress::step(std::int64_t s, double loss) {
    const double now = clock_();
    const double dt = now - last_step_;
    last_step_ = now;
    ema_ = ema_ > 0 ? kAlpha * dt + (1 - kAlpha) * ema_ : dt;
    if (o_.log_every <= 0) return {};
    const bool last = s == o_.steps_per_epoch;
    if (!o_.tty) return (s % o_.log_every == 0 || last) ? plain_line(s, loss, now) : std::string();
    if (drawn_ && !last && now - last_draw_ < o_.redraw_seconds) return {};
    drawn_ = showing_ = true;
    last_draw_ = now;
    return tty_line(s, loss);
}

std::string Progress::break_line() {
    if (!showing_) return {};
    showing_ = false;
    return "\n";
}

}  // namespace imram::train
