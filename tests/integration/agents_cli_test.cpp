// Integration tests of `insightv ask` and `insightv serve` through the real binary: two tiny
// agent checkpoints, the golden LLaVA-NeXT checkpoint, and SIGTERM draining a live server.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <httplib.h>

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "io/json.h"
#include "model/config.h"
#include "support/golden.h"
#include "support/subprocess.h"
#include "support/tiny_agents.h"
#include "util/fs.h"

using insightv::json;
using insightv::test::run_cli;

namespace {
struct Fixture {
  std::string dir, reason, summary, image;
  Fixture() : dir(insightv::test::make_temp_dir("agents-cli")) {
    reason = insightv::test::write_tiny_agent_checkpoint(dir + "/reason", 1);
    summary = insightv::test::write_tiny_agent_checkpoint(dir + "/summary", 2);
    image = dir + "/q.png";
    insightv::write_png(image, insightv::test::tiny_test_image());
  }
};
}  // namespace

TEST(IntegrationAskCli, JsonHasTheMajorityAnswerAndEveryChain) {
  Fixture f;
  auto r = run_cli({"ask", "--reason", f.reason, "--summary", f.summary, "--image", f.image, "--question",
                    "How many circles?", "--json", "--chains", "3", "--reason-max-tokens", "8",
                    "--summary-max-tokens", "4"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = insightv::parse_json(r.out, "ask output");
  EXPECT_TRUE(j["answer"].is_string());
  EXPECT_EQ(j["chains"].size(), 3u);
  EXPECT_GE(j["agreement"].get<double>(), 1.0 / 3 - 1e-9);
  for (const auto& c : j["chains"]) EXPECT_LE(c["reason_tokens"].get<int>(), 8);
}

TEST(IntegrationAskCli, StreamPrintsReasoningThenAnswer) {
  Fixture f;
  auto r = run_cli({"ask", "--reason", f.reason, "--summary", f.summary, "--image", f.image, "--question", "Q?",
                    "--stream", "--reason-max-tokens", "6", "--summary-max-tokens", "3"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const size_t a = r.out.find("Reasoning:"), b = r.out.find("Answer:");
  ASSERT_NE(a, std::string::npos) << r.out;
  ASSERT_NE(b, std::string::npos) << r.out;
  EXPECT_LT(a, b);
}

TEST(IntegrationAskCli, MissingModelIsAClearError) {
  auto r = run_cli({"ask", "--question", "Q?"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no model given"), std::string::npos) << r.err;
}

// Issue 12: ask runs on a LLaVA-NeXT checkpoint in the original layout. The folder has no
// tokenizer; the tiny agents' tokenizer (268 ids ≤ its 300) supplies the prompt ids, and its
// <image> id is mapped to the checkpoint's image_token_index (299).
TEST(IntegrationAskCli, RunsOnTheGoldenLlavaNextCheckpoint) {
  Fixture f;
  const std::string golden = insightv::test::golden_dir() + "llava_next";
  auto r = run_cli({"ask", "--reason", golden, "--tokenizer", f.reason, "--image", golden + "/image.png",
                    "--question", "What is shown?", "--json", "--reason-max-tokens", "6", "--summary-max-tokens", "3"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(insightv::parse_json(r.out, "ask output")["answer"].is_string());
}

// Issue 12: `ask --dtype bf16` runs the two-agent pipeline (the paper's reasoning prompt, then
// the summary prompt with the chain and the image) on the golden LLaVA-NeXT weights in the
// original llava_llama layout: original tensor names (model.mm_projector.0.weight, ...) and a
// llava_llama config.json, as in the released THUdyh/Insight-V-*-LLaMA3 folders. Random
// weights, so the text is noise; the checks are on shapes and token counts, against an f32 run.
TEST(IntegrationAskCli, Bf16RunsBothAgentsOnTheOriginalLayoutCheckpoint) {
  Fixture f;
  const std::string golden = insightv::test::golden_dir() + "llava_next";
  const std::string ckpt = f.dir + "/llava_llama";
  insightv::make_dirs(ckpt);
  insightv::write_file_atomic(ckpt + "/model.safetensors", insightv::read_file(golden + "/model.llava_llama.safetensors"));
  insightv::write_json_file(ckpt + "/config.json",
                            insightv::model_config_to_json(insightv::load_model_config(golden + "/config.json")));
  ASSERT_EQ(insightv::read_json_file(ckpt + "/config.json")["model_type"], "llava_llama");
  ASSERT_NE(insightv::read_file(ckpt + "/model.safetensors").find("model.mm_projector.0.weight"), std::string::npos);

  auto ask = [&](const std::string& dtype) {
    auto r = run_cli({"ask", "--reason", ckpt, "--summary", ckpt, "--tokenizer", f.reason, "--image",
                      golden + "/image.png", "--question", "What is shown?", "--json", "--dtype", dtype,
                      "--reason-max-tokens", "6", "--summary-max-tokens", "3", "--seed", "5"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.exit_code == 0 ? insightv::parse_json(r.out, "ask output") : json();
  };
  const json b = ask("bf16"), f32 = ask("f32");
  ASSERT_TRUE(b.is_object());
  ASSERT_TRUE(f32.is_object());
  EXPECT_TRUE(b["answer"].is_string());
  ASSERT_EQ(b["chains"].size(), 1u);
  const json& c = b["chains"][0];
  EXPECT_GE(c["reason_tokens"].get<int>(), 1);
  EXPECT_LE(c["reason_tokens"].get<int>(), 6);
  EXPECT_GE(c["summary_tokens"].get<int>(), 1);
  EXPECT_LE(c["summary_tokens"].get<int>(), 3);
  // Both agents' prompts hold the image's 60 packed features (anyres 1×3 grid of the 100×40
  // image), so the two prompts together are more than 120 tokens.
  EXPECT_GT(b["prompt_tokens"].get<int>(), 120);
  // The reasoning prompt is the same in both dtypes; the summary prompt differs only by the
  // sampled chain, whose length is within the same bounds.
  EXPECT_GT(f32["prompt_tokens"].get<int>(), 120);
  EXPECT_EQ(b["completion_tokens"].get<int>(), c["reason_tokens"].get<int>() + c["summary_tokens"].get<int>());
}

TEST(IntegrationAskCli, UnknownDtypeIsAUsageError) {
  Fixture f;
  auto r = run_cli({"ask", "--reason", f.reason, "--question", "Q?", "--dtype", "int8"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--dtype"), std::string::npos) << r.err;
}

TEST(IntegrationServeCli, SigtermDrainsTheInFlightRequestAndExits) {
  Fixture f;
  const std::string log = f.dir + "/serve.log";
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    execl(INSIGHTV_CLI_PATH, INSIGHTV_CLI_PATH, "serve", "--reason", f.reason.c_str(), "--summary",
          f.summary.c_str(), "--port", "0", "--reason-max-tokens", "400", "--summary-max-tokens", "4",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  int port = 0;
  for (int i = 0; i < 600 && port == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const std::string text = insightv::file_exists(log) ? insightv::read_file(log) : "";
    const size_t at = text.find("listening on http://127.0.0.1:");
    if (at != std::string::npos) port = std::atoi(text.c_str() + at + 30);
  }
  ASSERT_GT(port, 0) << "server did not start";
  int answer_status = 0;
  std::string answer_body;
  std::thread client([&] {
    httplib::Client cli("127.0.0.1", port);
    cli.set_read_timeout(120, 0);
    auto answer = cli.Post("/v1/chat/completions",
                      json{{"messages", json::array({{{"role", "user"}, {"content", "Long question"}}})}}.dump(),
                      "application/json");
    if (answer) answer_status = answer->status, answer_body = answer->body;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the request is decoding
  kill(pid, SIGTERM);
  client.join();
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_EQ(answer_status, 200) << "the in-flight request was dropped: " << answer_body;
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << insightv::read_file(log);
}
