// util/log.h — levelled logging to stderr.
//
//   IV_LOG(info) << "loaded " << n << " tasks";
//   set_log_level(LogLevel::debug);            // or env INSIGHTV_LOG=debug
//
// Lines look like "2026-11-26 21:40:23.123 I loaded 12 tasks". Thread-safe: a line is
// assembled in a local buffer and written under one mutex, so lines never interleave.
// Not here: progress bars (util/progress.h), which share the same stderr mutex.
#pragma once

#include <mutex>
#include <sstream>
#include <string>

namespace insightv {

enum class LogLevel { debug = 0, info = 1, warn = 2, error = 3, off = 4 };

void set_log_level(LogLevel level);
LogLevel log_level();
// Parses "debug|info|warn|error|off"; throws Error on anything else.
LogLevel parse_log_level(const std::string& name);
// The mutex every writer to stderr takes (logging and progress bars).
std::mutex& stderr_mutex();

namespace detail {
class LogLine {
 public:
  explicit LogLine(LogLevel level) : level_(level) {}
  ~LogLine();
  template <class T>
  LogLine& operator<<(const T& v) {
    os_ << v;
    return *this;
  }

 private:
  LogLevel level_;
  std::ostringstream os_;
};
}  // namespace detail

}  // namespace insightv

// A one-pass for loop (not if/else): safe inside an unbraced if, and the message is only
// built when the level is on.
#define IV_LOG(level)                                                                          \
  for (bool iv_log_on_ = ::insightv::LogLevel::level >= ::insightv::log_level(); iv_log_on_; \
       iv_log_on_ = false)                                                                     \
  ::insightv::detail::LogLine(::insightv::LogLevel::level)
