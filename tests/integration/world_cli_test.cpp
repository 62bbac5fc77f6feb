// Integration tests of `insightv world`: generate, export, sheet, families; bad input gives
// exit 1 with a "[world] ..." line, bad usage exit 2.
#include <cstdlib>

#include <gtest/gtest.h>

#include "data/llava_json.h"
#include "data/vlm_tsv.h"
#include "io/image.h"
#include "support/subprocess.h"
#include "util/fs.h"
#include "world/task.h"

using insightv::test::run_cli;

TEST(IntegrationWorld, GeneratesExportsAndRendersASheet) {
  const std::string dir = insightv::test::make_temp_dir("cli-world");
  auto r = run_cli({"world", "--family", "clock,maze", "--split", "val", "--n", "6", "--seed", "2",
                    "--size", "96", "--out", dir + "/vw", "--no-progress"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("wrote 6 tasks"), std::string::npos) << r.out;
  const auto tasks = insightv::world::read_tasks(dir + "/vw");
  ASSERT_EQ(tasks.size(), 6u);
  EXPECT_EQ(tasks[0].family, "clock");
  EXPECT_EQ(tasks[1].family, "maze");
  EXPECT_EQ(tasks[0].split, "val");
  EXPECT_EQ(insightv::read_image(dir + "/vw/" + tasks[0].image).width, 96);

  r = run_cli({"world", "export", "--format", "tsv", "--in", dir + "/vw", "--out", dir + "/vw.tsv"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(insightv::data::read_tsv(dir + "/vw.tsv").size(), 6u);
  r = run_cli({"world", "export", "--format", "llava", "--in", dir + "/vw", "--out", dir + "/vw.json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(insightv::data::read_llava(dir + "/vw.json").size(), 6u);

  r = run_cli({"world", "sheet", "--in", dir + "/vw", "--out", dir + "/sheet.png", "--n", "4"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_GT(insightv::read_image(dir + "/sheet.png").width, 200);
  std::system(("rm -rf '" + dir + "'").c_str());
}

TEST(IntegrationWorld, CheckPassesForSplitsAndFailsForARepeatedFolder) {
  const std::string dir = insightv::test::make_temp_dir("cli-world-check");
  auto r = run_cli({"world", "--split", "all", "--n", "14", "--size", "48", "--out", dir, "--no-progress"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_cli({"world", "check", "--in", dir + "/train", dir + "/val", dir + "/test"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("no (image, question) pair repeats across 3 folders"), std::string::npos) << r.out;
  r = run_cli({"world", "check", "--in", dir + "/train", "--in", dir + "/train"});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.err.find("[world] 14 (image, question) pairs repeat"), std::string::npos) << r.err;
  std::system(("rm -rf '" + dir + "'").c_str());
}

TEST(IntegrationWorld, ListsTheFamilies) {
  const auto r = run_cli({"world", "families"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* f : {"shapes", "bar_chart", "clock", "maze", "digit_table", "geometry", "perception"})
    EXPECT_NE(r.out.find(f), std::string::npos) << f;
}

TEST(IntegrationWorld, BadInputExits1WithAWorldMessage) {
  const std::string dir = insightv::test::make_temp_dir("cli-world-bad");
  struct Case {
    std::vector<std::string> args;
    std::string expect;
  };
  insightv::write_file_atomic(dir + "/plain", "x");
  const std::vector<Case> cases = {
      {{"world", "--family", "unicorn", "--out", dir + "/a"}, "[world] unknown family 'unicorn'"},
      {{"world", "--difficulty", "0", "--out", dir + "/a"}, "[world] difficulty '0'"},
      {{"world", "--n", "-3", "--out", dir + "/a"}, "[world] --n -3 is negative"},
      {{"world", "--split", "dev", "--out", dir + "/a"}, "[world] unknown split 'dev'"},
      {{"world", "--n", "1", "--out", dir + "/plain/sub"}, "[world] cannot create output folder"},
      {{"world", "--n", "1"}, "[world] no output folder"},
      {{"world", "sheet", "--in", dir + "/nothing", "--out", dir + "/s.png"}, "[world] no task file"},
  };
  for (const auto& c : cases) {
    const auto r = run_cli(c.args);
    EXPECT_EQ(r.exit_code, 1) << c.args[1] << ": " << r.err;
    EXPECT_NE(r.err.find(c.expect), std::string::npos) << "expected '" << c.expect << "' in: " << r.err;
  }
  std::system(("rm -rf '" + dir + "'").c_str());
}

TEST(IntegrationWorld, UnknownFlagsAndFormatsExit2) {
  auto r = run_cli({"world", "--no-such-flag"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--no-such-flag"), std::string::npos) << r.err;
  r = run_cli({"world", "export", "--format", "csv", "--in", "x", "--out", "y"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  r = run_cli({"world", "export", "--in", "x"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  r = run_cli({"world", "--n", "many", "--out", "x"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
}
