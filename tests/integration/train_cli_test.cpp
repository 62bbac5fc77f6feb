// Integration test of `insightv train sft` on real files: VisWorld tasks → LLaVA JSON →
// a trained tokenizer → a nano checkpoint → SFT; then kill -9 mid-run and --resume must end
// with exactly the weights of an uninterrupted run.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "io/json.h"
#include "support/sft_data.h"
#include "support/subprocess.h"
#include "util/fs.h"

using insightv::test::run_cli;

namespace {

// Data + tokenizer + initial checkpoint, built once per process.
const insightv::test::SftData& fixture() {
  static const insightv::test::SftData d = insightv::test::make_sft_data("train", 24, 3, 1);
  return d;
}

std::vector<std::string> sft_args(const std::string& out, int steps) {
  return {"--threads", "1", "train", "sft", "--data", fixture().data, "--init", fixture().init, "--out", out,
          "--steps", std::to_string(steps), "--batch", "4", "--lr", "1e-3", "--save-every", "2", "--max-length", "512"};
}

}  // namespace

TEST(IntegrationTrain, SftProducesAValidCheckpointAndLowerLoss) {
  const std::string out = fixture().root + "/sft";
  const auto r = run_cli(sft_args(out, 8));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto summary = insightv::parse_json(r.out, "train output");
  EXPECT_EQ(summary["steps"], 8);
  EXPECT_LT(summary["last_loss"].get<double>(), summary["first_loss"].get<double>());
  EXPECT_EQ(run_cli({"inspect", out}).exit_code, 0);
  EXPECT_TRUE(insightv::file_exists(out + "/tokenizer.json"));
  EXPECT_EQ(insightv::read_jsonl(out + "/metrics.jsonl").size(), 8u);
}

TEST(IntegrationTrain, KillNineThenResumeEqualsUninterruptedRun) {
  const std::string full = fixture().root + "/full", cut = fixture().root + "/cut";
  ASSERT_EQ(run_cli(sft_args(full, 8)).exit_code, 0);
  std::vector<std::string> argv{INSIGHTV_CLI_PATH};
  for (const auto& a : sft_args(cut, 8)) argv.push_back(a);
  const int pid = insightv::test::spawn_process(argv, fixture().root + "/cut.log");
  // Kill once the first checkpoint is on disk (mid-run, between checkpoints or during one).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!insightv::file_exists(cut + "/checkpoints/latest") && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  kill(pid, SIGKILL);
  EXPECT_EQ(insightv::test::wait_process(pid), 128 + SIGKILL);
  auto resume = sft_args(cut, 8);
  resume.push_back("--resume");
  const auto r = run_cli(resume);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(insightv::read_file(full + "/model.safetensors"), insightv::read_file(cut + "/model.safetensors"))
      << "resumed weights differ from the uninterrupted run";
}

TEST(IntegrationTrain, BadInputFailsClearly) {
  auto r = run_cli({"train", "sft", "--data", "/nonexistent.json", "--init", fixture().init, "--out",
                    fixture().root + "/x", "--steps", "1"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("insightv: error:"), std::string::npos) << r.err;
  r = run_cli({"train", "sft", "--data", fixture().data, "--init", fixture().init, "--out", fixture().root + "/y"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--steps"), std::string::npos) << r.err;
  r = run_cli({"train", "dance"});
  EXPECT_EQ(r.exit_code, 2);
}

TEST(IntegrationTrain, DpoRunsOnPairsAndReusesTheReferenceCache) {
  // Pairs from the fixture's LLaVA data: chosen = the right answer, rejected = a wrong one.
  std::string rows;
  int n = 0;
  for (const auto& s : insightv::read_json_file(fixture().data)) {
    const std::string answer = s["conversations"][1]["value"].get<std::string>();
    const std::string wrong = answer == "A" ? "B" : (answer == "0" ? "1" : "A");
    insightv::json pair = {{"id", s["id"]}, {"image", s["image"]}, {"prompt", s["conversations"][0]["value"]},
                           {"chosen", answer}, {"rejected", wrong}};
    rows += pair.dump() + "\n";
    if (++n == 12) break;
  }
  const std::string pairs = fixture().root + "/pairs.jsonl";
  insightv::write_file_atomic(pairs, rows);
  auto args = [&](const std::string& out) {
    return std::vector<std::string>{"--threads", "1", "train", "dpo", "--pairs", pairs, "--init", fixture().init,
                                    "--out", out, "--steps", "4", "--lr", "1e-4", "--cache-dir",
                                    fixture().root + "/refcache", "--max-length", "512"};
  };
  auto r = run_cli(args(fixture().root + "/dpo1"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = insightv::parse_json(r.out, "dpo output");
  EXPECT_EQ(j["steps"], 4);
  EXPECT_EQ(j["reference_cache_hit"], false);
  r = run_cli(args(fixture().root + "/dpo2"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  j = insightv::parse_json(r.out, "dpo output");
  EXPECT_EQ(j["reference_cache_hit"], true);
  EXPECT_EQ(run_cli({"inspect", fixture().root + "/dpo2"}).exit_code, 0);
  // Same data, same reference, same seed: the two runs train identically.
  EXPECT_EQ(insightv::read_file(fixture().root + "/dpo1/model.safetensors"),
            insightv::read_file(fixture().root + "/dpo2/model.safetensors"));
}

// The vision stage through the CLI: kill -9 after its first checkpoint, rerun (it resumes by
// default) and the finished model equals an uninterrupted run's, byte for byte; its report
// has the held-out accuracy of every head, of the scene slots with --scene-weight and of the kin
// counts with --kin-weight (continuing a tower's heads with --heads).
TEST(IntegrationTrain, VisionStageKilledAndRerunEqualsUninterruptedRun) {
  const std::string full = fixture().root + "/vision-full", cut = fixture().root + "/vision-cut";
  auto args = [&](const std::string& out) {
    return std::vector<std::string>{"--threads", "1", "train", "vision", "--init", fixture().init, "--out", out,
                                    "--steps", "8", "--batch", "4", "--save-every", "2", "--eval-images", "14"};
  };
  const auto r = run_cli(args(full));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto summary = insightv::parse_json(r.out, "vision output");
  EXPECT_EQ(summary["steps"], 8);
  for (const char* head : {"color", "shape", "number", "hour", "minute"})
    EXPECT_TRUE(summary["heldout"][head].contains("accuracy")) << head;
  EXPECT_TRUE(insightv::file_exists(full + "/tokenizer.json"));
  std::vector<std::string> argv{INSIGHTV_CLI_PATH};
  for (const auto& a : args(cut)) argv.push_back(a);
  const int pid = insightv::test::spawn_process(argv, fixture().root + "/vision-cut.log");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!insightv::file_exists(cut + "/checkpoints/latest") && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  kill(pid, SIGKILL);
  EXPECT_EQ(insightv::test::wait_process(pid), 128 + SIGKILL);
  const auto again = run_cli(args(cut));
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(insightv::read_file(full + "/model.safetensors"), insightv::read_file(cut + "/model.safetensors"))
      << "resumed vision weights differ from the uninterrupted run";
  // --scene-weight trains the scene slots and reports them per family; a negative weight is refused.
  auto scene_args = args(fixture().root + "/vision-scene");
  scene_args.insert(scene_args.end(), {"--scene-weight", "1"});
  const auto scene = run_cli(scene_args);
  ASSERT_EQ(scene.exit_code, 0) << scene.err;
  const auto scene_summary = insightv::parse_json(scene.out, "vision output");
  for (const char* fam : {"shapes", "perception", "bar_chart", "digit_table", "geometry", "maze"})
    EXPECT_TRUE(scene_summary["heldout"]["scene"][fam].contains("majority_accuracy")) << fam;
  EXPECT_FALSE(summary["heldout"].contains("scene"));
  const auto negative = run_cli({"train", "vision", "--init", fixture().init, "--out", cut + "3", "--scene-weight", "-1"});
  EXPECT_NE(negative.exit_code, 0);
  EXPECT_NE(negative.err.find("scene weight must be 0 or more"), std::string::npos) << negative.err;
  // --scene-from every_token without a scene weight would train nothing: refused, not ignored.
  const auto unweighted =
      run_cli({"train", "vision", "--init", fixture().init, "--out", cut + "4", "--scene-from", "every_token"});
  EXPECT_NE(unweighted.exit_code, 0);
  EXPECT_NE(unweighted.err.find("need a scene weight above 0"), std::string::npos) << unweighted.err;
  // --steps 0 reports the trained tower again with its saved heads (the same held-out figures);
  // on a folder without heads it says what is missing.
  const auto report = run_cli({"--threads", "1", "train", "vision", "--init", full, "--out", cut + "5", "--steps", "0",
                               "--eval-images", "14"});
  ASSERT_EQ(report.exit_code, 0) << report.err;
  const auto reported = insightv::parse_json(report.out, "vision report output");
  EXPECT_EQ(reported["steps"], 0);
  EXPECT_EQ(reported["heldout"]["color"], summary["heldout"]["color"]);
  EXPECT_TRUE(reported["heldout"].contains("variance_share"));
  EXPECT_TRUE(insightv::file_exists(cut + "5/vision.json"));
  const auto headless = run_cli({"train", "vision", "--init", fixture().init, "--out", cut + "6", "--steps", "0"});
  EXPECT_NE(headless.exit_code, 0);
  EXPECT_NE(headless.err.find("vision_heads.pt"), std::string::npos) << headless.err;
  // --heads continues the trained tower's heads with a fresh kin-count head (--kin-weight), whose
  // held-out accuracy is then reported; a negative kin weight is refused.
  const auto kin = run_cli({"--threads", "1", "train", "vision", "--init", full, "--heads", full + "/vision_heads.pt",
                            "--out", cut + "7", "--steps", "2", "--batch", "4", "--eval-images", "14", "--kin-weight", "1"});
  ASSERT_EQ(kin.exit_code, 0) << kin.err;
  EXPECT_TRUE(insightv::parse_json(kin.out, "vision kin output")["heldout"]["kin"]["color"].contains("accuracy"));
  const auto kin_negative = run_cli({"train", "vision", "--init", full, "--out", cut + "8", "--kin-weight", "-1"});
  EXPECT_NE(kin_negative.exit_code, 0);
  EXPECT_NE(kin_negative.err.find("kin weight must be 0 or more"), std::string::npos) << kin_negative.err;
  // A missing init folder is refused with an error naming it.
  const auto missing = run_cli({"train", "vision", "--init", fixture().root + "/nope", "--out", cut + "2"});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.err.find("nope"), std::string::npos) << missing.err;
}
