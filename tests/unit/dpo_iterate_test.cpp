// Tests for pipeline/dpo_iterate.h on tiny random agents: rounds sample from the current
// policy, judge and score every chain, build pairs, train, and a rerun resumes.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <set>

#include "io/json.h"
#include "model/checkpoint.h"
#include "pipeline/assess.h"
#include "pipeline/dpo_iterate.h"
#include "support/subprocess.h"
#include "support/tiny_agents.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/error.h"
#include "world/generate.h"

namespace insightv::pipeline {
namespace {

struct Fixture {
  std::string dir, reason, summary, tasks;
};

Fixture make_fixture() {
  Fixture f;
  f.dir = test::make_temp_dir("dpo-iterate");
  f.reason = test::write_tiny_agent_checkpoint(join_path(f.dir, "reason"), 1);
  f.summary = test::write_tiny_agent_checkpoint(join_path(f.dir, "summary"), 2);
  world::WorldConfig w;
  w.n = 8;
  w.size = 48;
  w.out = join_path(f.dir, "tasks");
  w.progress = false;
  world::generate_world(w);
  f.tasks = w.out;
  return f;
}

DpoIterateConfig tiny_config(const Fixture& f, const std::string& out, int rounds) {
  DpoIterateConfig c;
  c.reason = f.reason;
  c.summary = f.summary;
  c.tasks = f.tasks;
  c.out = out;
  c.rounds = rounds;
  c.paths = 2;
  c.questions = 3;
  c.concurrency = 2;
  c.reason_params.max_new_tokens = 12;
  c.summary_params.max_new_tokens = 4;
  c.dpo.train.batch_size = 2;
  c.dpo.train.optim.lr = 1e-3;
  c.dpo.train.optim.warmup_ratio = 0;  // a few steps: no warmup step at lr 0
  c.epochs = 3;
  c.progress = false;
  // Random agents are never right: let the chain's hash decide, so that pairs exist.
  c.judge = [](const world::Task&, const std::string& chain, const std::string&) { return fnv1a64(chain) % 2 == 0; };
  return c;
}

double max_param_diff(const std::string& a, const std::string& b) {
  Checkpoint ca = load_checkpoint(a), cb = load_checkpoint(b);
  auto pb = cb.model->named_parameters();
  double m = 0;
  for (const auto& kv : ca.model->named_parameters())
    m = std::max(m, (kv.value() - pb[kv.key()]).abs().max().item<double>());
  return m;
}

TEST(DpoIterate, RoundsSampleJudgePairTrainAndResume) {
  const Fixture f = make_fixture();
  const std::string out = join_path(f.dir, "out");
  const DpoIterateReport r = run_dpo_iterate(tiny_config(f, out, 2));
  ASSERT_EQ(r.rounds.size(), 2u);
  std::set<std::string> round_ids[2];
  for (int k = 0; k < 2; ++k) {
    const std::string rdir = join_path(out, "round-" + std::to_string(k + 1));
    const auto rows = read_jsonl(join_path(rdir, "samples.jsonl"));
    ASSERT_EQ(rows.size(), 3u);
    int64_t mixed = 0, correct = 0;
    for (const json& row : rows) {
      round_ids[k].insert(row["task_id"].get<std::string>());
      ASSERT_EQ(row["chains"].size(), 2u);
      ASSERT_EQ(row["scores"].size(), 2u);
      for (const auto& s : row["scores"]) {
        EXPECT_GE(s.get<double>(), 1.0);
        EXPECT_LE(s.get<double>(), 100.0);
      }
      // The judge's verdicts are what the ledger holds.
      for (size_t i = 0; i < 2; ++i) {
        const bool want = fnv1a64(row["chains"][i].get<std::string>()) % 2 == 0;
        EXPECT_EQ(row["correct"][i].get<bool>(), want);
        correct += want;
      }
      const auto pair = select_preference_pair({row["correct"][0].get<bool>(), row["correct"][1].get<bool>()},
                                               {row["scores"][0].get<double>(), row["scores"][1].get<double>()}, 10);
      mixed += pair.first >= 0;
    }
    const RoundReport& rr = r.rounds[static_cast<size_t>(k)];
    EXPECT_EQ(rr.questions, 3);
    EXPECT_EQ(rr.chains, 6);
    EXPECT_EQ(rr.correct, correct);
    EXPECT_EQ(rr.pairs, mixed);
    EXPECT_EQ(static_cast<int64_t>(read_jsonl(join_path(rdir, "pairs.jsonl")).size()), rr.pairs);
    EXPECT_TRUE(file_exists(join_path(rdir, "model/model.safetensors")));
    EXPECT_TRUE(file_exists(join_path(rdir, "model/tokenizer.json")));
    if (rr.pairs > 0) EXPECT_GT(rr.dpo_steps, 0);
  }
  // Rounds take successive slices of the tasks.
  for (const auto& id : round_ids[0]) EXPECT_EQ(round_ids[1].count(id), 0u) << id;
  // Training moved the policy away from the starting agent (when any round had pairs).
  if (r.rounds[0].pairs + r.rounds[1].pairs > 0) EXPECT_GT(max_param_diff(f.reason, r.final_model), 1e-6);
  EXPECT_TRUE(file_exists(join_path(out, "report.md")));

  // A rerun skips the finished rounds and changes nothing; one more round runs only round 3.
  const std::string before = read_file(join_path(out, "round-2/model/model.safetensors"));
  const DpoIterateReport again = run_dpo_iterate(tiny_config(f, out, 3));
  ASSERT_EQ(again.rounds.size(), 3u);
  EXPECT_TRUE(again.rounds[0].skipped);
  EXPECT_TRUE(again.rounds[1].skipped);
  EXPECT_FALSE(again.rounds[2].skipped);
  EXPECT_EQ(read_file(join_path(out, "round-2/model/model.safetensors")), before);
  EXPECT_EQ(again.rounds[1].pairs, r.rounds[1].pairs);
}

TEST(DpoIterate, AKilledSamplingLedgerIsCompletedWithoutDuplicates) {
  const Fixture f = make_fixture();
  const std::string first = join_path(f.dir, "first");
  run_dpo_iterate(tiny_config(f, first, 1));
  const auto rows = read_jsonl(join_path(first, "round-1/samples.jsonl"));
  ASSERT_EQ(rows.size(), 3u);
  // A second run that was killed after one question, mid-way through writing the next.
  const std::string out = join_path(f.dir, "killed");
  make_dirs(join_path(out, "round-1"));
  write_file_atomic(join_path(out, "round-1/samples.jsonl"),
                    rows[0].dump() + "\n{\"task_id\": \"" + rows[1]["task_id"].get<std::string>() + "\", \"cha");
  const DpoIterateReport r = run_dpo_iterate(tiny_config(f, out, 1));
  const auto after = read_jsonl(join_path(out, "round-1/samples.jsonl"));
  ASSERT_EQ(after.size(), 3u);
  std::set<std::string> ids;
  for (const auto& row : after) ids.insert(row["task_id"].get<std::string>());
  EXPECT_EQ(ids.size(), 3u);
  EXPECT_EQ(after[0], rows[0]);  // the finished question was kept, not redone
  EXPECT_EQ(r.rounds[0].chains, 6);
}

TEST(DpoIterate, BadConfigIsAClearError) {
  DpoIterateConfig c;
  EXPECT_THROW(run_dpo_iterate(c), Error);
  const Fixture f = make_fixture();
  auto cfg = tiny_config(f, join_path(f.dir, "x"), 1);
  cfg.paths = 1;
  EXPECT_THROW(run_dpo_iterate(cfg), Error);
}

}  // namespace
}  // namespace insightv::pipeline
