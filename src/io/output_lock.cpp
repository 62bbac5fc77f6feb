// io/output_lock.cpp — flock-based output locks (see output_lock.h).
#include "io/output_lock.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <mutex>
#include <set>
#include <thread>

#include "io/json.h"
#include "util/error.h"
#include "util/fs.h"

namespace insightv {

namespace {

std::mutex g_mutex;
std::set<std::string>& held_by_this_process() {
  static std::set<std::string> paths;  // lock files this process holds (canonical)
  return paths;
}
std::string& command_line() {
  static std::string line = "insightv";
  return line;
}

std::string canonical(const std::string& path) {
  char buf[PATH_MAX];
  if (::realpath(path.c_str(), buf) == nullptr)
    throw Error("lock", "cannot resolve " + path + ": " + std::strerror(errno));
  return buf;
}

// The canonical path when `path` exists, else `path` (a lock file that does not exist is not held).
std::string canonical_if_exists(const std::string& path) {
  char buf[PATH_MAX];
  return ::realpath(path.c_str(), buf) != nullptr ? std::string(buf) : path;
}

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

std::string holder_line() {
  char host[256] = {0};
  ::gethostname(host, sizeof host - 1);
  return json{{"pid", static_cast<int64_t>(::getpid())}, {"host", host}, {"command", command_line()},
              {"started", utc_now()}}
             .dump() +
         "\n";
}

// "pid N on H (COMMAND, started T)" from a lock file's contents; a line still being written or
// unreadable gives what is known.
std::string describe_holder(const std::string& lock_path) {
  std::string text;
  try {
    text = read_file(lock_path);
  } catch (const Error&) {
  }
  try {
    const json j = json::parse(text);
    std::string cmd = j.value("command", std::string("?"));
    if (cmd.size() > 160) cmd = cmd.substr(0, 157) + "...";
    return "pid " + std::to_string(j.value("pid", int64_t{0})) + " on " + j.value("host", std::string("?")) +
           " (" + cmd + ", started " + j.value("started", std::string("?")) + ")";
  } catch (const std::exception&) {
    return "another process";
  }
}

// Whether another process holds `lock_path` now (a shared try-lock that fails). Never blocks.
// A lock of this process would fail the try-lock too (flock is per open file), so those are
// looked up in the registry instead.
bool held_elsewhere(const std::string& lock_path) {
  {
    std::lock_guard<std::mutex> g(g_mutex);
    if (held_by_this_process().count(lock_path) > 0) return false;
  }
  const int fd = ::open(lock_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool busy = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(fd);  // closing drops the shared lock if it was taken
  return busy;
}

// The first folder strictly above `dir` (canonical) whose main lock another process holds.
std::string locked_ancestor(const std::string& dir) {
  std::string d = dir;
  while (d.size() > 1) {
    const size_t slash = d.find_last_of('/');
    d = slash == 0 ? "/" : d.substr(0, slash);
    if (held_elsewhere(join_path(d, ".insightv.lock"))) return d;
  }
  return {};
}

}  // namespace

void set_process_command_line(int argc, char** argv) {
  std::string line;
  for (int i = 0; i < argc; ++i) {
    if (i > 0) line += ' ';
    line += i == 0 ? std::string("insightv") : std::string(argv[i]);
  }
  std::lock_guard<std::mutex> g(g_mutex);
  command_line() = line;
}

std::string output_lock_holder(const std::string& path) {
  const std::string p = canonical_if_exists(path);
  return held_elsewhere(p) ? describe_holder(p) : std::string();
}

std::vector<std::string> held_output_locks(const std::string& dir, const std::string& prefix) {
  std::vector<std::string> out;
  DIR* dp = ::opendir(dir.c_str());
  if (dp == nullptr) return out;
  std::vector<std::string> names;
  while (const dirent* e = ::readdir(dp)) {
    const std::string name = e->d_name;
    if (name.rfind(prefix, 0) == 0 && name.size() > 5 && name.compare(name.size() - 5, 5, ".lock") == 0)
      names.push_back(name);
  }
  ::closedir(dp);
  for (const std::string& name : names)
    if (held_elsewhere(canonical_if_exists(join_path(dir, name)))) out.push_back(join_path(dir, name));
  return out;
}

OutputLock OutputLock::acquire(const std::string& dir, const std::string& component, const OutputLockOptions& opts) {
  try {
    make_dirs(dir);
  } catch (const Error& e) {
    throw Error(component, "cannot create output folder '" + dir + "': " + e.what_text(), e.hint());
  }
  const std::string root = canonical(dir);
  const std::string path = join_path(root, opts.name);
  {
    std::lock_guard<std::mutex> g(g_mutex);
    check(held_by_this_process().count(path) == 0, component.c_str(),
          dir + " is already being written by this process", "one writer per output folder");
  }
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) throw Error(component, "cannot open the lock file " + path + ": " + std::strerror(errno));
  const std::string hint = opts.wait ? "" : "wait for it (--wait), or use another --out";
  auto last_note = std::chrono::steady_clock::now() - std::chrono::seconds(10);
  for (;;) {
    std::string busy;  // who is in the way, as a sentence
    const std::string above = locked_ancestor(root);
    if (!above.empty()) {
      busy = dir + " is inside " + above + ", which is being written by " +
             describe_holder(join_path(above, ".insightv.lock"));
    } else if (::flock(fd, LOCK_EX | LOCK_NB) == 0) {
      break;
    } else if (errno != EWOULDBLOCK) {
      const int err = errno;
      ::close(fd);
      throw Error(component, "cannot lock " + path + ": " + std::strerror(err));
    } else {
      busy = dir + " is being written by " + describe_holder(path);
    }
    if (!opts.wait) {
      ::close(fd);
      throw Error(component, busy, hint);
    }
    const auto now = std::chrono::steady_clock::now();
    if (opts.on_wait != nullptr && now - last_note >= std::chrono::seconds(1)) {
      opts.on_wait(busy);
      last_note = now;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  // Ours now: record who we are (the file's old contents were a finished holder's).
  const std::string line = holder_line();
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, line.data(), line.size(), 0) != static_cast<ssize_t>(line.size())) {
    const int err = errno;
    ::close(fd);
    throw Error(component, "cannot write the lock file " + path + ": " + std::strerror(err));
  }
  OutputLock lock;
  lock.fd_ = fd;
  lock.path_ = path;
  std::lock_guard<std::mutex> g(g_mutex);
  held_by_this_process().insert(path);
  return lock;
}

void OutputLock::release() {
  if (fd_ < 0) return;
  {
    std::lock_guard<std::mutex> g(g_mutex);
    held_by_this_process().erase(path_);
  }
  ::close(fd_);  // drops the flock; the file stays, unlocked
  fd_ = -1;
}

OutputLock::~OutputLock() { release(); }

OutputLock::OutputLock(OutputLock&& other) noexcept : fd_(other.fd_), path_(std::move(other.path_)) { other.fd_ = -1; }

OutputLock& OutputLock::operator=(OutputLock&& other) noexcept {
  if (this != &other) {
    release();
    fd_ = other.fd_;
    path_ = std::move(other.path_);
    other.fd_ = -1;
  }
  return *this;
}

}  // namespace insightv
