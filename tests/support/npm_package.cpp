// tests/support/npm_package.cpp — see npm_package.h.
#include "support/npm_package.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "io/json.h"
#include "support/subprocess.h"
#include "util/fs.h"

namespace insightv::test {

namespace {
struct FileLock {  // an exclusive lock on a file while alive
  int fd;
  explicit FileLock(const std::string& path) : fd(open(path.c_str(), O_CREAT | O_RDWR, 0644)) {
    if (fd >= 0) flock(fd, LOCK_EX);
  }
  ~FileLock() {
    if (fd >= 0) close(fd);
  }
};
}  // namespace

std::string npm_cache_dir() { return std::string(INSIGHTV_SOURCE_DIR) + "/.cache/npm"; }

std::string ensure_npm_package(const std::string& name, const std::string& version) {
  make_dirs(npm_cache_dir());
  const FileLock lock(npm_cache_dir() + "/.install.lock");
  const std::string installed = npm_cache_dir() + "/node_modules/" + name + "/package.json";
  if (file_exists(installed) && read_json_file(installed).value("version", "") == version) return "";
  const ProcessResult r = run_process({"/usr/bin/env", "npm", "install", "--prefix", npm_cache_dir(), "--no-audit",
                                       "--no-fund", "--loglevel=error", name + "@" + version});
  if (r.exit_code != 0)
    return "npm install " + name + "@" + version + " failed (exit " + std::to_string(r.exit_code) + "): " + r.err +
           r.out + "\nThis test needs Node.js, npm and the npm registry (scripts/setup.sh installs Node.js and npm).";
  return "";
}

}  // namespace insightv::test
