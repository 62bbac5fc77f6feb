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

const char* const kStages[] = {"world", "datagen", "assess", "tokenizer", "init", "vision", "ground", "base", "reason", "summary",
                               "cot", "multi_turn", "summary_only", "dpo", "eval", "report"};

std::vector<std::string> pipeline_args(const std::string& out) {
  return {"pipeline", "--preset", "tiny", "--out", out, "--no-progress", "--threads", "2"};
}

TEST(IntegrationPipeline, TinyRunsEveryStageThenSkipsThemAll) {
  const std::string out = join_path(test::make_temp_dir("pipeline-tiny"), "run");
  const auto r = test::run_cli(pipeline_args(out));
  ASSERT_EQ(r.exit_code, 0) << r.err.substr(r.err.size() > 4000 ? r.err.size() - 4000 : 0);
  for (const char* s : kStages) {
    const json rec = read_json_file(join_path(out, std::string(s) + "/stage.json"));
    // Each stage's own peak memory (the kernel's high-water mark is reset before each stage).
    EXPECT_EQ(rec["peak_rss_scope"], "stage") << s;
    EXPECT_GT(rec["peak_rss_mib"].get<double>(), 10.0) << s;
  }
  // The report holds all seven systems of Tables 3 and 4 with measured accuracies.
  const json rep = read_json_file(join_path(out, "report.json"));
  ASSERT_EQ(rep["summary"]["table"].size(), 7u);
  for (const auto& row : rep["summary"]["table"]) {
    ASSERT_TRUE(row["ours"].is_object()) << row.dump();
    EXPECT_EQ(row["ours"]["n"].get<int64_t>(), 28) << row.dump();
  }
  const std::string md = read_file(join_path(out, "report.md"));
  EXPECT_NE(md.find("Iterative DPO"), std::string::npos);
  EXPECT_NE(md.find("| stage | seconds | peak memory (MiB) |"), std::string::npos);
  EXPECT_NE(md.find("Does the paper's ordering hold"), std::string::npos);
  EXPECT_TRUE(file_exists(join_path(out, "dpo/round-2/model/model.safetensors")));
  // The grounding probe of the base model and the vision stage's held-out accuracy are reported.
  EXPECT_NE(md.find("Grounding probe"), std::string::npos);
  EXPECT_NE(md.find("## Vision stage"), std::string::npos);
  EXPECT_NE(md.find("Variance share"), std::string::npos);
  EXPECT_EQ(md.find("colour n/a, shape n/a"), std::string::npos) << "the tiny vision stage reports both shares";
  EXPECT_EQ(rep["summary"]["probe_base"]["all"]["n"].get<int64_t>(), 28);
  // The run's preset and manifest: config.yaml reruns it exactly.
  const std::string yaml = read_file(join_path(out, "config.yaml"));
  EXPECT_NE(yaml.find("name: \"tiny\""), std::string::npos);
  const json manifest = read_json_file(join_path(out, "manifest.json"));
  EXPECT_EQ(manifest["preset"], "tiny");
  EXPECT_EQ(manifest["data_fnv1a64"]["world/test/tasks.jsonl"].get<std::string>().size(), 16u);
  auto from_config = pipeline_args(out);
  from_config[1] = "--config";
  from_config[2] = join_path(out, "config.yaml");
  const auto same = test::run_cli(from_config);
  ASSERT_EQ(same.exit_code, 0) << same.err;
  EXPECT_EQ(same.out.find(" ran"), std::string::npos) << "config.yaml gives the same stages: " << same.out;

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

TEST(IntegrationPipeline, PresetsPrintParseAndRefuseUnknownKeys) {
  const auto nano = test::run_cli({"pipeline", "--print-config", "--preset", "nano"});
  ASSERT_EQ(nano.exit_code, 0) << nano.err;
  EXPECT_NE(nano.out.find("vision_steps: 2000"), std::string::npos) << nano.out;
  EXPECT_NE(nano.out.find("# vision stage steps"), std::string::npos);
  // Printed, written to a file and read back: the same preset, from any folder.
  const std::string dir = test::make_temp_dir("pipeline-config");
  write_file_atomic(join_path(dir, "nano.yaml"), nano.out);
  const auto back = test::run_cli({"pipeline", "--print-config", "--config", join_path(dir, "nano.yaml")});
  ASSERT_EQ(back.exit_code, 0) << back.err;
  EXPECT_EQ(back.out, nano.out);
  // --set changes a key; the tiny preset inherits nano's other keys.
  const auto set = test::run_cli({"pipeline", "--print-config", "--preset", "tiny", "--set", "base_steps=31",
                                  "--set", "base_loss_norm=token"});
  ASSERT_EQ(set.exit_code, 0) << set.err;
  EXPECT_NE(set.out.find("base_steps: 31\n"), std::string::npos);
  EXPECT_NE(set.out.find("base_loss_norm: \"token\""), std::string::npos);
  EXPECT_NE(set.out.find("text_layers: 6\n"), std::string::npos);
  // Errors name what is wrong.
  const auto unknown = test::run_cli({"pipeline", "--print-config", "--set", "base_stepz=3"});
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_NE(unknown.err.find("unknown key 'base_stepz'"), std::string::npos) << unknown.err;
  const auto bad = test::run_cli({"pipeline", "--print-config", "--set", "base_steps=many"});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("not an integer"), std::string::npos) << bad.err;
  const auto no_eq = test::run_cli({"pipeline", "--print-config", "--set", "base_steps"});
  EXPECT_NE(no_eq.exit_code, 0);
  EXPECT_NE(no_eq.err.find("KEY=VALUE"), std::string::npos) << no_eq.err;
  const auto format = test::run_cli({"pipeline", "--print-config", "--set", "ground_format=pictures"});
  EXPECT_NE(format.exit_code, 0);
  EXPECT_NE(format.err.find("unknown grounding format 'pictures'"), std::string::npos) << format.err;
  const auto style = test::run_cli({"pipeline", "--print-config", "--set", "answer_style=letters"});
  EXPECT_NE(style.exit_code, 0);
  EXPECT_NE(style.err.find("unknown answer style 'letters'"), std::string::npos) << style.err;
  const auto select = test::run_cli({"pipeline", "--print-config", "--set", "vision_select_feature=cls"});
  EXPECT_NE(select.exit_code, 0);
  EXPECT_NE(select.err.find("vision_select_feature 'cls' is not patch or cls_patch"), std::string::npos) << select.err;
  const auto every = test::run_cli({"pipeline", "--print-config", "--set", "vision_scene_from=every_token"});
  EXPECT_NE(every.exit_code, 0);
  EXPECT_NE(every.err.find("every_token needs vision_scene_weight above 0"), std::string::npos) << every.err;
  const auto families = test::run_cli({"pipeline", "--print-config", "--set", "ground_format=facts", "--set",
                                       "ground_families=perception,clocks"});
  EXPECT_NE(families.exit_code, 0);
  EXPECT_NE(families.err.find("unknown family 'clocks'"), std::string::npos) << families.err;
  const auto questions = test::run_cli(
      {"pipeline", "--print-config", "--set", "ground_format=questions", "--set", "ground_families=all"});
  EXPECT_NE(questions.exit_code, 0);
  EXPECT_NE(questions.err.find("need the facts format"), std::string::npos) << questions.err;
  const auto facts = test::run_cli({"pipeline", "--print-config", "--preset", "nano"});
  ASSERT_EQ(facts.exit_code, 0) << facts.err;
  EXPECT_NE(facts.out.find("ground_format: \"facts\""), std::string::npos) << facts.out;
  const auto perception = test::run_cli(
      {"pipeline", "--print-config", "--set", "ground_format=questions", "--set", "ground_families=perception"});
  ASSERT_EQ(perception.exit_code, 0) << perception.err;
  EXPECT_NE(perception.out.find("ground_format: \"questions\""), std::string::npos) << perception.out;
  write_file_atomic(join_path(dir, "typo.yaml"), "preset: nano\nvison_steps: 3\n");
  const auto typo = test::run_cli({"pipeline", "--print-config", "--config", join_path(dir, "typo.yaml")});
  EXPECT_NE(typo.exit_code, 0);
  EXPECT_NE(typo.err.find("unknown key 'vison_steps'"), std::string::npos) << typo.err;
  write_file_atomic(join_path(dir, "broken.yaml"), "base_steps: [1, 2\n");
  const auto broken = test::run_cli({"pipeline", "--print-config", "--config", join_path(dir, "broken.yaml")});
  EXPECT_NE(broken.exit_code, 0);
  EXPECT_NE(broken.err.find("not valid YAML"), std::string::npos) << broken.err;
  const auto shipped = test::run_cli({"pipeline", "--print-config", "--preset", "huge"});
  EXPECT_NE(shipped.exit_code, 0);
  EXPECT_NE(shipped.err.find("shipped presets: nano, tiny"), std::string::npos) << shipped.err;
}

}  // namespace
}  // namespace insightv
