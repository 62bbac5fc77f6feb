// The datagen and assess verbs end to end through the real CLI: kill -9 at random moments and
// rerun until done gives the same records (as a set) as an uninterrupted run; shards + merge;
// assess prints its report and writes the sets.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <set>
#include <thread>

#include "pipeline/datagen.h"
#include "support/subprocess.h"
#include "support/vw_tasks.h"
#include "util/fs.h"

namespace insightv {
namespace {

using test::run_cli;

std::multiset<std::string> record_set(const std::string& path) {
  std::multiset<std::string> out;
  for (json j : pipeline::read_paths(path)) {
    j.erase("elapsed_ms");
    out.insert(j.dump());
  }
  return out;
}

// Starts the CLI, SIGKILLs it after `delay_ms`; returns true when it had already finished.
bool run_and_kill(const std::vector<std::string>& args, int delay_ms) {
  std::vector<std::string> full = {INSIGHTV_CLI_PATH};
  full.insert(full.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : full) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    freopen("/dev/null", "w", stderr);
    freopen("/dev/null", "w", stdout);
    execv(argv[0], argv.data());
    _exit(127);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
  int status = 0;
  if (waitpid(pid, &status, WNOHANG) == pid) return WIFEXITED(status) && WEXITSTATUS(status) == 0;
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

TEST(IntegrationDatagen, KillNineAtRandomMomentsThenRerunGivesTheUninterruptedRecords) {
  const std::string dir = test::make_temp_dir("cli-datagen-kill");
  test::write_vw_tasks(dir + "/tasks", test::make_vw_tasks(400));
  auto args = [&](const std::string& out) {
    return std::vector<std::string>{"datagen", "--tasks", dir + "/tasks", "--backend", "teacher",
                                    "--paths", "4", "--out", out, "--concurrency", "2",
                                    "--sync-every", "1", "--no-progress"};
  };
  auto r = run_cli(args(dir + "/ref"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto ref = record_set(dir + "/ref/paths.jsonl");
  ASSERT_EQ(ref.size(), 1600u);

  std::mt19937 gen(std::random_device{}());
  int kills = 0;
  for (int attempt = 0; attempt < 8; ++attempt) {
    const int delay = std::uniform_int_distribution<int>(5, 400)(gen);
    if (run_and_kill(args(dir + "/killed"), delay)) break;
    ++kills;
  }
  // The kills landed mid-job: some records were written and some were still to do.
  const size_t partial = file_exists(dir + "/killed/paths.jsonl")
                             ? pipeline::read_paths(dir + "/killed/paths.jsonl").size() : 0;
  std::printf("records after the kills: %zu of %zu\n", partial, ref.size());
  EXPECT_LT(partial, ref.size());
  r = run_cli(args(dir + "/killed"));  // finish whatever is left
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::printf("killed %d times\n", kills);
  EXPECT_GT(kills, 0);
  EXPECT_EQ(record_set(dir + "/killed/paths.jsonl"), ref);
}

TEST(IntegrationDatagen, ShardsThenMergeEqualOneRunThroughTheCli) {
  const std::string dir = test::make_temp_dir("cli-datagen-shard");
  test::write_vw_tasks(dir + "/tasks", test::make_vw_tasks(40));
  auto r = run_cli({"datagen", "--tasks", dir + "/tasks", "--out", dir + "/one", "--no-progress"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("paths/s"), std::string::npos);
  for (const char* shard : {"0/2", "1/2"}) {
    r = run_cli({"datagen", "--tasks", dir + "/tasks", "--out", dir + "/sh", "--shard", shard, "--no-progress"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  r = run_cli({"datagen", "merge", "--out", dir + "/sh"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(record_set(dir + "/sh/paths.jsonl"), record_set(dir + "/one/paths.jsonl"));

  r = run_cli({"assess", "--in", dir + "/one", "--tasks", dir + "/tasks", "--out", dir + "/sets"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("answer accept rate"), std::string::npos);
  EXPECT_NE(r.out.find("AUROC"), std::string::npos);
  EXPECT_TRUE(file_exists(dir + "/sets/reason.json"));
  EXPECT_TRUE(file_exists(dir + "/sets/summary.json"));
  EXPECT_TRUE(file_exists(dir + "/sets/pairs.jsonl"));
}

TEST(IntegrationDatagen, LocalBackendRunsThroughTheCliOnARandomNanoCheckpoint) {
  const std::string dir = test::make_temp_dir("cli-datagen-local");
  std::string corpus;
  for (int i = 0; i < 30; ++i)
    corpus += "The answer is " + std::to_string(i) + R"(. {"title": "Step", "content": "count", "next_action": "continue"})" + "\n";
  write_file_atomic(dir + "/corpus.txt", corpus);
  auto r = run_cli({"tokenize", "train", "--corpus", dir + "/corpus.txt", "--vocab-size", "300", "--out", dir + "/tok"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_cli({"model", "init", "--preset", "nano", "--vocab-size", "300", "--tokenizer", dir + "/tok", "--out", dir + "/ckpt"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The template emits the tokenizer's <image> id; the checkpoint must expect it.
  int image_id = -1;
  const json tokenizer = read_json_file(dir + "/tok/tokenizer.json");  // named: a range-for over a member of a
  for (const json& a : tokenizer["added_tokens"])                      // temporary read freed memory (ASan)
    if (a["content"] == "<image>") image_id = a["id"];
  json cfg = read_json_file(dir + "/ckpt/config.json");
  cfg["image_token_index"] = image_id;
  write_json_file(dir + "/ckpt/config.json", cfg);
  r = run_cli({"world", "--family", "shapes", "--n", "1", "--out", dir + "/vw", "--no-progress"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_cli({"datagen", "--tasks", dir + "/vw", "--backend", "local:" + dir + "/ckpt", "--paths", "1",
               "--out", dir + "/paths", "--max-steps", "2", "--max-tokens", "6", "--no-progress"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto rows = pipeline::read_paths(dir + "/paths/paths.jsonl");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["backend"], "local:" + dir + "/ckpt");
  EXPECT_NE(r.err.find("1 prefills"), std::string::npos) << r.err;  // one prefill, then cache hits
}

TEST(IntegrationDatagen, UnknownBackendFailsWithAHint) {
  const std::string dir = test::make_temp_dir("cli-datagen-bad");
  test::write_vw_tasks(dir + "/tasks", test::make_vw_tasks(2));
  auto r = run_cli({"datagen", "--tasks", dir + "/tasks", "--out", dir + "/o", "--backend", "nope"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("unknown backend"), std::string::npos);
}

}  // namespace
}  // namespace insightv

namespace insightv {
namespace {

// The whole loop over real HTTP: `insightv serve --model` in its own process, and
// `insightv datagen --backend openai:URL` talking to it. A random checkpoint writes nonsense, so
// this checks the plumbing (images as data URIs, the progressive protocol, retries, records),
// not the quality of the steps.
TEST(IntegrationDatagen, OpenAiBackendAgainstARealInsightvServeProcess) {
  const std::string dir = test::make_temp_dir("cli-datagen-serve");
  std::string corpus;
  for (int i = 0; i < 30; ++i)
    corpus += "The answer is " + std::to_string(i) + R"(. {"title": "Step", "content": "count", "next_action": "continue"})" + "\n";
  write_file_atomic(dir + "/corpus.txt", corpus);
  ASSERT_EQ(run_cli({"tokenize", "train", "--corpus", dir + "/corpus.txt", "--vocab-size", "300", "--out", dir + "/tok"})
                .exit_code, 0);
  ASSERT_EQ(run_cli({"model", "init", "--preset", "nano", "--tokenizer", dir + "/tok", "--out", dir + "/ckpt"}).exit_code, 0);
  ASSERT_EQ(run_cli({"world", "--family", "shapes", "--n", "2", "--out", dir + "/vw", "--no-progress"}).exit_code, 0);

  const int pid = test::spawn_process({INSIGHTV_CLI_PATH, "--threads", "1", "serve", "--model", dir + "/ckpt", "--port", "0"},
                                      dir + "/serve.log");
  std::string url;
  for (int i = 0; i < 600 && url.empty(); ++i) {  // wait up to 60 s for "listening on http://..."
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const std::string log = file_exists(dir + "/serve.log") ? read_file(dir + "/serve.log") : "";
    const size_t at = log.find("listening on ");
    if (at != std::string::npos) url = log.substr(at + 13, log.find(' ', at + 13) - (at + 13));
  }
  ASSERT_FALSE(url.empty()) << read_file(dir + "/serve.log");
  auto r = run_cli({"datagen", "--tasks", dir + "/vw", "--backend", "openai:" + url, "--paths", "2", "--out",
                    dir + "/paths", "--max-steps", "2", "--max-tokens", "8", "--no-progress"});
  kill(pid, SIGTERM);
  EXPECT_EQ(test::wait_process(pid), 0) << read_file(dir + "/serve.log");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto rows = pipeline::read_paths(dir + "/paths/paths.jsonl");
  ASSERT_EQ(rows.size(), 4u);  // 2 tasks x 2 paths
  for (const auto& row : rows) {
    EXPECT_EQ(row["backend"], "openai:" + url);
    EXPECT_FALSE(row["steps"].empty());
  }
}

}  // namespace
}  // namespace insightv
