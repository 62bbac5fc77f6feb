// Integration tests of `insightv model init` and `insightv inspect` through the real binary.
#include <gtest/gtest.h>

#include "io/json.h"
#include "support/subprocess.h"
#include "util/fs.h"

using insightv::test::run_cli;

TEST(IntegrationInspect, InitThenInspectReportsAValidNanoCheckpoint) {
  const std::string dir = insightv::test::make_temp_dir("init") + "/nano";
  auto r = run_cli({"model", "init", "--preset", "nano", "--out", dir, "--seed", "7"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_cli({"inspect", dir});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = insightv::parse_json(r.out, "inspect output");
  EXPECT_EQ(j["kind"], "checkpoint");
  EXPECT_EQ(j["valid"], true);
  EXPECT_EQ(j["parameters"], j["config"]["parameters"]["total"]);
}

TEST(IntegrationInspect, RealSizePresetCountsWithoutWeights) {
  const auto r = run_cli({"inspect", "--preset", "llava-next-llama3-8b"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = insightv::parse_json(r.out, "inspect output");
  EXPECT_EQ(j["parameters"]["llm"], 8030261248LL);
  EXPECT_NEAR(j["parameters"]["total"].get<double>() / 1e9, 8.35, 0.01);
  EXPECT_NEAR(j["weight_memory_gib"]["bf16"].get<double>(), 15.56, 0.01);
}

TEST(IntegrationInspect, TruncatedOrMismatchedFilesFailClearly) {
  const std::string dir = insightv::test::make_temp_dir("inspect");
  ASSERT_EQ(run_cli({"model", "init", "--out", dir + "/a"}).exit_code, 0);
  const std::string bytes = insightv::read_file(dir + "/a/model.safetensors");
  insightv::write_file_atomic(dir + "/cut.safetensors", bytes.substr(0, bytes.size() / 2));
  auto r = run_cli({"inspect", dir + "/cut.safetensors"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("[safetensors]"), std::string::npos) << r.err;
  // A config that disagrees with the weights.
  auto cfg = insightv::read_json_file(dir + "/a/config.json");
  cfg["num_hidden_layers"] = 7;
  insightv::write_json_file(dir + "/a/config.json", cfg);
  r = run_cli({"inspect", dir + "/a"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("missing model.layers.6"), std::string::npos) << r.err;
  r = run_cli({"inspect", dir + "/nothing-here"});
  EXPECT_EQ(r.exit_code, 1);
  r = run_cli({"model", "init", "--preset", "llava-next-llama3-8b", "--out", dir + "/big"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--allow-large"), std::string::npos) << r.err;
}

TEST(IntegrationInspect, AddTokensGrowsTokenizerAndEmbeddings) {
  const std::string dir = insightv::test::make_temp_dir("addtok");
  insightv::write_file_atomic(dir + "/corpus.txt", "How many red circles are there?\nThe answer is 3.\n");
  ASSERT_EQ(run_cli({"tokenize", "train", "--corpus", dir + "/corpus.txt", "--vocab-size", "300", "--out", dir + "/tok"})
                .exit_code, 0);
  ASSERT_EQ(run_cli({"model", "init", "--tokenizer", dir + "/tok", "--out", dir + "/m"}).exit_code, 0);
  const auto before = insightv::read_json_file(dir + "/m/config.json")["vocab_size"].get<int64_t>();
  auto r = run_cli({"model", "add-tokens", "--model", dir + "/m", "--tokens", "<step>,</step>", "--out", dir + "/m2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(insightv::read_json_file(dir + "/m2/config.json")["vocab_size"].get<int64_t>(), before + 2);
  EXPECT_EQ(run_cli({"inspect", dir + "/m2"}).exit_code, 0);
  r = run_cli({"tokenize", "--tokenizer", dir + "/m2"}, "\"<step>\"\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "[" + std::to_string(before) + "]\n");
}

TEST(IntegrationInspect, GenerateRunsOneModelWithAnImage) {
  const std::string dir = insightv::test::make_temp_dir("generate");
  insightv::write_file_atomic(dir + "/corpus.txt", "How many red circles are there?\nThe answer is 3.\n");
  ASSERT_EQ(run_cli({"tokenize", "train", "--corpus", dir + "/corpus.txt", "--vocab-size", "300", "--out", dir + "/tok"})
                .exit_code, 0);
  ASSERT_EQ(run_cli({"model", "init", "--tokenizer", dir + "/tok", "--out", dir + "/m"}).exit_code, 0);
  ASSERT_EQ(run_cli({"world", "--family", "shapes", "--n", "1", "--out", dir + "/vw", "--no-progress"}).exit_code, 0);
  std::string image;
  for (const auto& t : insightv::read_jsonl(dir + "/vw/tasks.jsonl")) image = dir + "/vw/" + t["image"].get<std::string>();
  auto r = run_cli({"--threads", "1", "generate", "--model", dir + "/m", "--image", image, "--prompt", "How many circles?",
                    "--max-tokens", "5", "-n", "2", "--temperature", "0.8", "--seed", "3", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = insightv::parse_json(r.out, "generate output");
  EXPECT_EQ(j["texts"].size(), 2u);
  EXPECT_GT(j["prompt_tokens"].get<int64_t>(), 64);  // the 64 image tokens of nano are in the prompt
  EXPECT_LE(j["completion_tokens"].get<int64_t>(), 10);
  // Same seed, same text.
  auto again = run_cli({"--threads", "1", "generate", "--model", dir + "/m", "--image", image, "--prompt",
                        "How many circles?", "--max-tokens", "5", "-n", "2", "--temperature", "0.8", "--seed", "3", "--json"});
  EXPECT_EQ(insightv::parse_json(again.out, "generate output")["texts"], j["texts"]);
  r = run_cli({"generate", "--model", dir + "/m", "--prompt", "x", "--image", dir + "/missing.png"});
  EXPECT_EQ(r.exit_code, 1);
}
