// util/progress.h — a progress bar with rate and ETA for long work.
//
//   Progress bar("datagen", tasks.size(), "paths");
//   for (...) { work(); bar.add(1); }
//   bar.finish();                       // prints the final line (also done by the destructor)
//
// On a terminal it redraws one line on stderr at most 10 times a second:
//   datagen [#########.........]  45% 450/1000 paths  12.3 paths/s  ETA 00:44
// When stderr is not a terminal (CI, logs, pipes) it prints a plain line every
// `period_s` seconds (default 10) and at the end, so logs show progress without
// carriage returns. A total of 0 means "unknown": the bar shows count and rate only.
// add() is thread-safe (atomic counter; drawing takes the stderr mutex).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace insightv {

struct ProgressOptions {
  bool force_tty = false;     // draw as on a terminal even if stderr is not one
  bool force_plain = false;   // print plain lines even on a terminal
  double period_s = 10.0;     // plain mode: seconds between lines
  bool enabled = true;        // false: print nothing at all
};

class Progress {
 public:
  Progress(std::string label, int64_t total, std::string unit = "it", ProgressOptions opts = {});
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void add(int64_t n = 1);
  // Sets the absolute count (for resumed jobs: start at what is already done).
  void set(int64_t done);
  // Extra text shown after the rate, e.g. "loss 2.31".
  void set_note(const std::string& note);
  void finish();

  int64_t done() const { return done_.load(); }
  // The line as it would be drawn now (used by tests and by plain mode).
  std::string render() const;

  // Formats seconds as MM:SS or H:MM:SS.
  static std::string format_duration(double seconds);

 private:
  void maybe_draw(bool force);

  std::string label_, unit_, note_;
  int64_t total_;
  int64_t start_count_ = 0;
  ProgressOptions opts_;
  bool tty_ = false;
  bool finished_ = false;
  std::atomic<int64_t> done_{0};
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace insightv
