// util/progress.cpp — progress bar with rate and ETA; TTY redraw or periodic plain lines.
#include "util/progress.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <mutex>

#include "util/log.h"

namespace insightv {

Progress::Progress(std::string label, int64_t total, std::string unit, ProgressOptions opts)
    : label_(std::move(label)), unit_(std::move(unit)), total_(total < 0 ? 0 : total), opts_(opts) {
  tty_ = opts_.force_tty || (!opts_.force_plain && isatty(STDERR_FILENO) == 1);
  start_ = last_draw_ = std::chrono::steady_clock::now();
}

Progress::~Progress() { finish(); }

void Progress::add(int64_t n) {
  done_.fetch_add(n);
  maybe_draw(false);
}

void Progress::set(int64_t done) {
  if (done_.load() == 0 && start_count_ == 0) start_count_ = done;  // resumed work: rate excludes it
  done_.store(done);
  maybe_draw(false);
}

void Progress::set_note(const std::string& note) {
  std::lock_guard<std::mutex> lock(stderr_mutex());
  note_ = note;
}

std::string Progress::format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "--:--";
  const long s = static_cast<long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%02ld:%02ld", s / 60, s % 60);
  return buf;
}

std::string Progress::render() const {
  const int64_t done = done_.load();
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(done - start_count_) / elapsed : 0.0;
  char buf[256];
  std::string line = label_ + " ";
  if (total_ > 0) {
    const double frac = std::min(1.0, static_cast<double>(done) / static_cast<double>(total_));
    const int width = 20, filled = static_cast<int>(frac * width);
    line += "[" + std::string(filled, '#') + std::string(width - filled, '.') + "] ";
    std::snprintf(buf, sizeof buf, "%3d%% %lld/%lld %s", static_cast<int>(frac * 100),
                  static_cast<long long>(done), static_cast<long long>(total_), unit_.c_str());
    line += buf;
  } else {
    std::snprintf(buf, sizeof buf, "%lld %s", static_cast<long long>(done), unit_.c_str());
    line += buf;
  }
  std::snprintf(buf, sizeof buf, "  %.3g %s/s", rate, unit_.c_str());
  line += buf;
  if (total_ > 0) {
    const double eta = rate > 0 ? static_cast<double>(total_ - done) / rate : NAN;
    line += (done >= total_ ? "  took " + format_duration(elapsed) : "  ETA " + format_duration(eta));
  } else {
    line += "  elapsed " + format_duration(elapsed);
  }
  if (!note_.empty()) line += "  " + note_;
  return line;
}

void Progress::maybe_draw(bool force) {
  if (!opts_.enabled) return;
  const auto now = std::chrono::steady_clock::now();
  const double since = std::chrono::duration<double>(now - last_draw_).count();
  const double period = tty_ ? 0.1 : opts_.period_s;
  if (!force && since < period) return;
  std::lock_guard<std::mutex> lock(stderr_mutex());
  last_draw_ = now;
  const std::string line = render();
  if (tty_)
    std::fprintf(stderr, "\r%s\033[K", line.c_str());
  else
    std::fprintf(stderr, "%s\n", line.c_str());
  std::fflush(stderr);
}

void Progress::finish() {
  if (finished_) return;
  finished_ = true;
  maybe_draw(true);
  if (tty_ && opts_.enabled) {
    std::lock_guard<std::mutex> lock(stderr_mutex());
    std::fputc('\n', stderr);
  }
}

}  // namespace insightv
