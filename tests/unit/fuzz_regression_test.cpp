// tests/unit/fuzz_regression_test.cpp — inputs the fuzzers (fuzz/) found that crashed, hung or
// broke an invariant, kept as regression tests; each reproducer is also in the fuzz corpus
// (fuzz/corpus/<target>/regression-*), which the last test replays through the same APIs.
#include <gtest/gtest.h>

#include <dirent.h>

#include <string>
#include <vector>

#include "util/error.h"
#include "util/fs.h"

namespace {

// Files named regression-* in fuzz/corpus/<target>/.
std::vector<std::string> regressions(const std::string& target) {
  std::vector<std::string> out;
  const std::string dir = std::string(INSIGHTV_SOURCE_DIR) + "/fuzz/corpus/" + target;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d))
      if (std::string(e->d_name).rfind("regression-", 0) == 0) out.push_back(dir + "/" + e->d_name);
    closedir(d);
  }
  return out;
}

}  // namespace
