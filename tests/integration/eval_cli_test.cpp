// `insightv eval` through the real binary on tiny random checkpoints and VisWorld tasks:
// direct and multi-agent end to end, the response cache on a rerun, kill -9 and resume, and a
// changed configuration in the same output folder.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <thread>

#include <gtest/gtest.h>

#include "io/json.h"
#include "data/vlm_tsv.h"
#include "support/live_server.h"
#include "support/subprocess.h"
#include "support/tiny_agents.h"
#include "util/fs.h"
#include "world/generate.h"

namespace insightv {
namespace {

using test::run_cli;

struct EvalCliFixture {
  std::string dir, reason, summary, tasks;
  explicit EvalCliFixture(int n_tasks) : dir(test::make_temp_dir("eval-cli")) {
    reason = test::write_tiny_agent_checkpoint(dir + "/reason", 1);
    summary = test::write_tiny_agent_checkpoint(dir + "/summary", 2);
    world::WorldConfig c;
    c.n = n_tasks;
    c.size = 32;
    c.seed = 4;
    c.out = dir + "/tasks";
    c.progress = false;
    world::generate_world(c);
    tasks = c.out;
  }
  ~EvalCliFixture() { std::system(("rm -rf '" + dir + "'").c_str()); }
};

json results(const std::string& out) {
  json j = read_json_file(out + "/results.json");
  for (const char* k : {"seconds", "answered", "cached"}) j.erase(k);
  return j;
}

std::map<std::string, int> ledger_ids(const std::string& out) {
  std::map<std::string, int> ids;
  JsonlOptions o;
  o.allow_truncated_tail = true;
  for (const json& j : read_jsonl(out + "/responses.jsonl", o)) ++ids[j.at("id").get<std::string>()];
  return ids;
}

TEST(IntegrationEvalCli, DirectEndToEndThenRerunIsACacheHit) {
  EvalCliFixture f(20);
  const std::string out = f.dir + "/direct";
  const std::vector<std::string> args = {"eval", "--benchmark", f.tasks, "--system", "direct", "--model", f.reason,
                                         "--out", out, "--max-new-tokens", "4", "--no-progress"};
  auto r = run_cli(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("overall"), std::string::npos) << r.out;
  const json a = read_json_file(out + "/results.json");
  EXPECT_EQ(a["overall"]["n"], 20);
  EXPECT_EQ(a["answered"], 20);
  int64_t by_cat = 0;
  for (const auto& [k, v] : a["by_category"].items()) by_cat += v["n"].get<int64_t>();
  EXPECT_EQ(by_cat, 20);
  EXPECT_TRUE(file_exists(out + "/results.md"));
  EXPECT_EQ(ledger_ids(out).size(), 20u);

  r = run_cli(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json b = read_json_file(out + "/results.json");
  EXPECT_EQ(b["answered"], 0);
  EXPECT_EQ(b["cached"], 20);
  EXPECT_EQ(results(out), [&] { json x = a; for (const char* k : {"seconds", "answered", "cached"}) x.erase(k); return x; }());
}

TEST(IntegrationEvalCli, MultiAgentEndToEndThenRerunIsACacheHit) {
  EvalCliFixture f(20);
  const std::string out = f.dir + "/agents";
  const std::vector<std::string> args = {"eval", "--benchmark", f.tasks, "--system", "multi-agent", "--reason",
                                         f.reason, "--summary", f.summary, "--chains", "2", "--out", out,
                                         "--reason-max-tokens", "6", "--max-new-tokens", "3", "--no-progress"};
  auto r = run_cli(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json first = results(out);
  EXPECT_EQ(first["overall"]["n"], 20);
  EXPECT_GT(first["generated_tokens"].get<int64_t>(), 0);
  for (const json& row : read_jsonl(out + "/responses.jsonl")) EXPECT_EQ(row["responses"].size(), 4u);  // 2 chains + 2 answers
  r = run_cli(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_json_file(out + "/results.json")["answered"], 0);
  EXPECT_EQ(results(out), first);
}

// Items are seeded from (seed, id), so how many run at once does not change the answers.
TEST(IntegrationEvalCli, AnswersDoNotDependOnConcurrency) {
  EvalCliFixture f(12);
  std::map<std::string, std::string> answers[2];
  for (int k = 0; k < 2; ++k) {
    const std::string out = f.dir + "/c" + std::to_string(k);
    auto r = run_cli({"eval", "--benchmark", f.tasks, "--system", "multi-turn", "--model", f.reason, "--out", out,
                      "--reason-max-tokens", "8", "--max-new-tokens", "4", "--concurrency", k ? "8" : "1",
                      "--seed", "5", "--no-progress"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    for (const json& row : read_jsonl(out + "/responses.jsonl")) answers[k][row["id"]] = row["answer"];
  }
  EXPECT_EQ(answers[0].size(), 12u);
  EXPECT_EQ(answers[0], answers[1]);
}

TEST(IntegrationEvalCli, KillNineMidRunThenRerunAnswersEachItemOnce) {
  EvalCliFixture f(60);
  const std::string out = f.dir + "/killed";
  std::vector<std::string> args = {"eval", "--benchmark", f.tasks, "--system", "cot", "--model", f.reason,
                                   "--out", out, "--reason-max-tokens", "24", "--max-new-tokens", "8",
                                   "--concurrency", "2", "--no-progress"};
  std::vector<std::string> argv = {INSIGHTV_CLI_PATH};
  argv.insert(argv.end(), args.begin(), args.end());
  const int pid = test::spawn_process(argv, f.dir + "/killed.log");
  // Kill once a few items are in the ledger (or give up waiting after 60 s).
  const std::string ledger = out + "/responses.jsonl";
  for (int i = 0; i < 6000; ++i) {
    if (file_exists(ledger) && ledger_ids(out).size() >= 3) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill(pid, SIGKILL);
  const int code = test::wait_process(pid);
  const size_t partial = file_exists(ledger) ? ledger_ids(out).size() : 0;
  std::printf("items in the ledger at the kill: %zu of 60 (exit %d)\n", partial, code);
  EXPECT_EQ(code, 128 + SIGKILL) << "the run finished before the kill: make it longer";
  EXPECT_LT(partial, 60u);

  auto r = run_cli(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = read_json_file(out + "/results.json");
  EXPECT_EQ(j["overall"]["n"], 60);
  EXPECT_EQ(j["cached"].get<int64_t>(), static_cast<int64_t>(partial));
  const auto ids = ledger_ids(out);
  EXPECT_EQ(ids.size(), 60u);
  for (const auto& [id, n] : ids) EXPECT_EQ(n, 1) << id;
}

TEST(IntegrationEvalCli, ChangedConfigurationInTheSameOutIsAnError) {
  EvalCliFixture f(4);
  const std::string out = f.dir + "/changed";
  auto r = run_cli({"eval", "--benchmark", f.tasks, "--system", "direct", "--model", f.reason, "--out", out,
                    "--max-new-tokens", "2", "--no-progress"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_cli({"eval", "--benchmark", f.tasks, "--system", "direct", "--model", f.summary, "--out", out,
               "--max-new-tokens", "2", "--no-progress"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("different configuration"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--force"), std::string::npos) << r.err;
  r = run_cli({"eval", "--benchmark", f.tasks, "--system", "direct", "--model", f.summary, "--out", out,
               "--max-new-tokens", "2", "--no-progress", "--force"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_json_file(out + "/results.json")["answered"], 4);
}

// The endpoint path: a TSV benchmark (images as bytes) against an in-process two-agent server.
TEST(IntegrationEvalCli, MultiAgentThroughAnOpenAiEndpointOnATsv) {
  EvalCliFixture f(6);
  data::export_tsv(f.tasks, f.dir + "/bench.tsv");
  test::LiveServer server;
  const std::string out = f.dir + "/endpoint";
  auto r = run_cli({"eval", "--benchmark", f.dir + "/bench.tsv", "--system", "multi-agent", "--endpoint",
                    "openai:http://127.0.0.1:" + std::to_string(server.port()) + "/v1", "--out", out,
                    "--max-new-tokens", "4", "--concurrency", "3", "--no-progress"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_json_file(out + "/results.json")["overall"]["n"], 6);
  EXPECT_EQ(ledger_ids(out).size(), 6u);
}

TEST(IntegrationEvalCli, HelpExplainsTheSystemsAndMissingFlagsAreUsageErrors) {
  auto r = run_cli({"eval", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("multi-agent"), std::string::npos);
  EXPECT_NE(r.out.find("responses.jsonl"), std::string::npos);
  r = run_cli({"eval", "--system", "direct"});
  EXPECT_EQ(r.exit_code, 2);
}

}  // namespace
}  // namespace insightv
