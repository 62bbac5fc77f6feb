// io/output_lock.h — one writer per output folder: an exclusive advisory lock (flock) on
// "<dir>/.insightv.lock", which also records who holds it (pid, host, command line, start time).
//
//   OutputLock lock = OutputLock::acquire("runs/dg", "datagen");   // throws if another process writes there
//   ... write into runs/dg ...                                      // released when `lock` is destroyed
//
// The kernel drops the lock when its process dies, so kill -9 leaves nothing stale: the file stays,
// unlocked, and the rerun takes it. A folder inside one that another process has locked (an `eval
// --out` inside a running pipeline's folder) is refused too. Locks this process already holds do
// not refuse its own nested folders (the pipeline locks its root and then each stage folder).
// `name` picks another lock file in the same folder, for writers that share a folder by design
// (datagen shards: ".insightv.shard-2-of-4.lock"). Readers never take these locks.
#pragma once

#include <string>
#include <vector>

namespace insightv {

struct OutputLockOptions {
  bool wait = false;                // wait for the holder to finish instead of failing at once
  std::string name = ".insightv.lock";
  // Called about once a second while waiting, with a line saying who holds the lock.
  void (*on_wait)(const std::string& holder) = nullptr;
};

class OutputLock {
 public:
  OutputLock() = default;
  // Creates `dir` if needed and locks it for this process. Throws Error(component, ...) naming the
  // holder ("P is being written by pid N (insightv datagen …, started …)") when another process
  // holds it or a folder above it, unless opts.wait.
  static OutputLock acquire(const std::string& dir, const std::string& component,
                            const OutputLockOptions& opts = {});
  ~OutputLock();
  OutputLock(OutputLock&& other) noexcept;
  OutputLock& operator=(OutputLock&& other) noexcept;
  OutputLock(const OutputLock&) = delete;
  OutputLock& operator=(const OutputLock&) = delete;

  bool held() const { return fd_ >= 0; }
  const std::string& path() const { return path_; }
  void release();

 private:
  int fd_ = -1;
  std::string path_;
};

// Who holds the lock file at `path` now ("" when nobody does): the holder line of the message.
std::string output_lock_holder(const std::string& path);
// Lock files in `dir` whose name starts with `prefix` and that another process holds now.
std::vector<std::string> held_output_locks(const std::string& dir, const std::string& prefix);

// The command line recorded in lock files (set once by main; "insightv" when never set).
void set_process_command_line(int argc, char** argv);

}  // namespace insightv
