// util/log.cpp — levelled logging to stderr.
#include "util/log.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "util/error.h"

namespace insightv {

namespace {
LogLevel initial_level() {
  const char* env = std::getenv("INSIGHTV_LOG");
  if (env == nullptr || *env == '\0') return LogLevel::info;
  try {
    return parse_log_level(env);
  } catch (const Error&) {
    return LogLevel::info;
  }
}
std::atomic<int>& level_storage() {
  static std::atomic<int> level{static_cast<int>(initial_level())};
  return level;
}
}  // namespace

void set_log_level(LogLevel level) { level_storage().store(static_cast<int>(level)); }
LogLevel log_level() { return static_cast<LogLevel>(level_storage().load()); }

LogLevel parse_log_level(const std::string& name) {
  if (name == "debug") return LogLevel::debug;
  if (name == "info") return LogLevel::info;
  if (name == "warn" || name == "warning") return LogLevel::warn;
  if (name == "error") return LogLevel::error;
  if (name == "off") return LogLevel::off;
  throw Error("log", "unknown log level '" + name + "'", "use debug, info, warn, error or off");
}

std::mutex& stderr_mutex() {
  static std::mutex m;
  return m;
}

detail::LogLine::~LogLine() {
  using clock = std::chrono::system_clock;
  const auto now = clock::now();
  const std::time_t t = clock::to_time_t(now);
  const int ms = static_cast<int>(
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000);
  std::tm tm{};
  localtime_r(&t, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &tm);
  static const char kTag[] = {'D', 'I', 'W', 'E', '?'};
  const std::string text = os_.str();
  std::lock_guard<std::mutex> lock(stderr_mutex());
  std::fprintf(stderr, "%s.%03d %c %s\n", stamp, ms, kTag[static_cast<int>(level_)], text.c_str());
  std::fflush(stderr);
}

}  // namespace insightv
