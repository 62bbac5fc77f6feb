// datagen's runner in process: records are independent of concurrency, a torn last line is cut
// and its item redone, shards merged equal one run.
#include <gtest/gtest.h>

#include <set>

#include "pipeline/datagen.h"
#include "support/subprocess.h"
#include "support/vw_tasks.h"
#include "util/error.h"
#include "util/fs.h"

namespace insightv::pipeline {
namespace {

// The records of a paths file as a set of strings, without the timing field.
std::multiset<std::string> record_set(const std::string& path) {
  std::multiset<std::string> out;
  for (json j : read_paths(path)) {
    j.erase("elapsed_ms");
    out.insert(j.dump());
  }
  return out;
}

DatagenConfig config(const std::string& dir, const std::string& out) {
  DatagenConfig c;
  c.tasks = dir + "/tasks";
  c.out = out;
  c.paths = 3;
  c.progress = false;
  return c;
}

TEST(Datagen, RecordsDoNotDependOnConcurrency) {
  const std::string dir = test::make_temp_dir("datagen-conc");
  test::write_vw_tasks(dir + "/tasks", test::make_vw_tasks(30));
  DatagenConfig a = config(dir, dir + "/a"), b = config(dir, dir + "/b");
  b.concurrency = 4;
  EXPECT_EQ(run_datagen(a).generated, 90);
  EXPECT_EQ(run_datagen(b).generated, 90);
  EXPECT_EQ(record_set(dir + "/a/paths.jsonl"), record_set(dir + "/b/paths.jsonl"));
}

TEST(Datagen, RerunCutsATornTailAndRedoesOnlyMissingItems) {
  const std::string dir = test::make_temp_dir("datagen-torn");
  test::write_vw_tasks(dir + "/tasks", test::make_vw_tasks(10));
  DatagenConfig c = config(dir, dir + "/out");
  run_datagen(c);
  const std::string path = dir + "/out/paths.jsonl";
  const auto full = record_set(path);
  // Keep 7 whole lines and half of the 8th, as a kill -9 mid-write would.
  std::string text = read_file(path);
  size_t at = 0;
  for (int i = 0; i < 7; ++i) at = text.find('\n', at) + 1;
  const size_t next = text.find('\n', at);
  write_file_atomic(path, text.substr(0, at + (next - at) / 2));
  const DatagenReport r = run_datagen(c);
  EXPECT_EQ(r.skipped_existing, 7);
  EXPECT_EQ(r.generated, 30 - 7);
  EXPECT_EQ(record_set(path), full);
  EXPECT_EQ(run_datagen(c).generated, 0);  // a third run has nothing left
}

TEST(Datagen, ShardsMergedEqualOneRun) {
  const std::string dir = test::make_temp_dir("datagen-shard");
  test::write_vw_tasks(dir + "/tasks", test::make_vw_tasks(25));
  DatagenConfig one = config(dir, dir + "/one");
  run_datagen(one);
  for (int i = 0; i < 3; ++i) {
    DatagenConfig s = config(dir, dir + "/sharded");
    s.shard_index = i;
    s.shard_count = 3;
    run_datagen(s);
  }
  EXPECT_EQ(merge_shards(dir + "/sharded"), 75);
  EXPECT_EQ(record_set(dir + "/sharded/paths.jsonl"), record_set(dir + "/one/paths.jsonl"));
}

TEST(Datagen, ShardSpecIsChecked) {
  int i = 0, n = 0;
  parse_shard("2/4", &i, &n);
  EXPECT_EQ(i, 2);
  EXPECT_EQ(n, 4);
  EXPECT_THROW(parse_shard("4/4", &i, &n), Error);
  EXPECT_THROW(parse_shard("x", &i, &n), Error);
}

}  // namespace
}  // namespace insightv::pipeline
