// fuzz/fuzz_util.h — small helpers shared by the libFuzzer targets: a per-process scratch
// file for readers that only take paths, and an invariant check that aborts (so libFuzzer
// records the input as a crash) with a message.
//
//   static insightv::fuzz::ScratchFile file("input.tsv");
//   file.write(data, size);                       // rewrites the same file every run
//   auto rows = insightv::data::read_tsv(file.path());
//   IV_FUZZ_CHECK(rows.size() < 1000, "absurd row count");
//
// Not thread-safe (libFuzzer runs one input at a time per process). The scratch folder lives
// under /dev/shm when it exists (no disk writes per execution) and is removed at exit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace insightv::fuzz {

class ScratchFile {
 public:
  explicit ScratchFile(const std::string& name);
  ~ScratchFile();
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;

  void write(const uint8_t* data, size_t size);
  const std::string& path() const { return path_; }

 private:
  std::string dir_, path_;
};

inline std::string_view as_text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

[[noreturn]] inline void invariant_failed(const char* expr, const char* what, const char* file, int line) {
  std::fprintf(stderr, "%s:%d: invariant failed: %s (%s)\n", file, line, expr, what);
  std::abort();
}

}  // namespace insightv::fuzz

#define IV_FUZZ_CHECK(cond, what) \
  ((cond) ? (void)0 : ::insightv::fuzz::invariant_failed(#cond, what, __FILE__, __LINE__))
