// util/timer.h — wall-clock stopwatches and scoped timers.
//
//   Stopwatch sw;  ...;  double s = sw.seconds();
//   { ScopedTimer t("prefill"); ... }          // logs "prefill took 12.3 ms" at debug level
//   { ScopedTimer t("decode", &total_s); ... } // or adds the seconds to a counter
// Header-only, no global state.
#pragma once

#include <chrono>
#include <string>

#include "util/log.h"

namespace insightv {

class Stopwatch {
 public:
  Stopwatch() : start_(std::chrono::steady_clock::now()) {}
  void reset() { start_ = std::chrono::steady_clock::now(); }
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }
  double millis() const { return seconds() * 1e3; }

 private:
  std::chrono::steady_clock::time_point start_;
};

class ScopedTimer {
 public:
  // With accumulate == nullptr the duration is logged at debug level; otherwise added to it.
  explicit ScopedTimer(std::string name, double* accumulate = nullptr)
      : name_(std::move(name)), accumulate_(accumulate) {}
  ~ScopedTimer() {
    const double s = sw_.seconds();
    if (accumulate_ != nullptr)
      *accumulate_ += s;
    else
      IV_LOG(debug) << name_ << " took " << s * 1e3 << " ms";
  }
  ScopedTimer(const ScopedTimer&) = delete;
  ScopedTimer& operator=(const ScopedTimer&) = delete;

 private:
  std::string name_;
  double* accumulate_;
  Stopwatch sw_;
};

}  // namespace insightv
