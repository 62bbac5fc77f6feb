// End to end: `insightv pipeline --preset tiny` through the real CLI — every stage, the report,
// a rerun that skips everything, `--only`, and kill -9 inside a stage and between stages.
#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "io/json.h"
#include "support/subprocess.h"
#include "util/fs.h"

namespace insightv {
namespace {

const char* const kStages[] = {"world", "datagen", "assess", "tokenizer", "init", "base", "reason", "summary",
                               "cot", "multi_turn", "summary_only", "dpo", "eval", "report"};

std::vector<std::string> pipeline_args(const std::string& out) {
  return {"pipeline", "--preset", "tiny", "--out", out, "--no-progress", "--threads", "2"};
}

TEST(IntegrationPipeline, TinyRunsEveryStageThenSkipsThemAll) {
  const std::string out = join_path(test::make_temp_dir("pipeline-tiny"), "run");
  const auto r = test::run_cli(pipeline_args(out));
  ASSERT_EQ(r.exit_code, 0) << r.err.substr(r.err.size() > 4000 ? r.err.size() - 4000 : 0);
  for (const char* s : kStages) EXPECT_TRUE(file_exists(join_path(out, std::string(s) + "/stage.json"))) << s;
  // The report holds all seven systems of Tables 3 and 4 with measured accuracies.
  const json rep = read_json_file(join_path(out, "report.json"));
  ASSERT_EQ(rep["summary"]["table"].size(), 7u);
  for (const auto& row : rep["summary"]["table"]) {
    ASSERT_TRUE(row["ours"].is_object()) << row.dump();
    EXPECT_EQ(row["ours"]["n"].get<int64_t>(), 28) << row.dump();
  }
  const std::string md = read_file(join_path(out, "report.md"));
  EXPECT_NE(md.find("Iterative DPO"), std::string::npos);
  EXPECT_NE(md.find("Does the paper's ordering hold"), std::string::npos);
  EXPECT_TRUE(file_exists(join_path(out, "dpo/round-2/model/model.safetensors")));

  // A rerun finds every stage up to date.
  const auto again = test::run_cli(pipeline_args(out));
  ASSERT_EQ(again.exit_code, 0) << again.err;
  for (const char* s : kStages) EXPECT_NE(again.out.find(std::string(s)), std::string::npos);
  EXPECT_EQ(again.out.find(" ran"), std::string::npos) << again.out;

  // --only reruns one stage when its settings changed (here: none did, so it is skipped).
  auto only = pipeline_args(out);
  only.insert(only.end(), {"--only", "report"});
  const auto o = test::run_cli(only);
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_NE(o.out.find("report"), std::string::npos);
  EXPECT_EQ(o.out.find("world"), std::string::npos) << o.out;
}

TEST(IntegrationPipeline, KilledRunsResume) {
  const std::string dir = test::make_temp_dir("pipeline-kill");
  const std::string out = join_path(dir, "run");
  // Between stages: stop after the base model, then resume.
  auto stop = pipeline_args(out);
  stop.insert(stop.end(), {"--stop-after", "base"});
  ASSERT_EQ(test::run_cli(stop).exit_code, 0);
  EXPECT_TRUE(file_exists(join_path(out, "base/stage.json")));
  EXPECT_FALSE(file_exists(join_path(out, "reason/stage.json")));
  // Inside a stage: kill -9 once the reasoning agent's training has started writing.
  std::vector<std::string> argv = {INSIGHTV_CLI_PATH};
  for (const auto& a : pipeline_args(out)) argv.push_back(a);
  const int pid = test::spawn_process(argv, join_path(dir, "log.txt"));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!file_exists(join_path(out, "reason/metrics.jsonl")) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ::kill(pid, SIGKILL);
  test::wait_process(pid);
  EXPECT_FALSE(file_exists(join_path(out, "reason/stage.json")));
  // The rerun skips the finished stages and completes.
  const auto r = test::run_cli(pipeline_args(out));
  ASSERT_EQ(r.exit_code, 0) << r.err.substr(r.err.size() > 4000 ? r.err.size() - 4000 : 0);
  EXPECT_NE(r.out.find("up to date"), std::string::npos);
  EXPECT_TRUE(file_exists(join_path(out, "report.md")));
  const json rep = read_json_file(join_path(out, "report.json"));
  EXPECT_EQ(rep["summary"]["table"].size(), 7u);
}

}  // namespace
}  // namespace insightv
