// pipeline/dpo_iterate.h — `insightv dpo-iterate`: iterative DPO of the reasoning agent
// (PAPER.md §3.3), generation and training in one process.
//
//   DpoIterateConfig cfg;
//   cfg.reason = "runs/reason"; cfg.summary = "runs/summary"; cfg.tasks = "runs/vw/train";
//   cfg.out = "runs/dpo"; cfg.rounds = 3; cfg.paths = 4;
//   DpoIterateReport r = run_dpo_iterate(cfg);      // r.rounds[k]: per-round metrics
//
// Each round: (1) the CURRENT reasoning agent samples `paths` chains for each of the round's
// questions (continuous batching: `concurrency` questions in flight, their chains in one
// batch); (2) the summary agent answers each chain (the two-agent system, infer/agents.h) and
// the answer is judged against the ground truth (data/answer_match.h), and the verifier step
// scorer (pipeline/scoring.h) scores every chain; (3) pairs per question: chosen = a correct
// chain with the best score, rejected = a wrong one (or a correct one `pair_margin` lower);
// (4) DPO of the in-memory reasoning agent for `epochs` over the pairs, against the round's
// starting policy as the reference. The next round samples from the result, so its reference
// is this round's result. No weights pass through files or servers between the steps; each
// round's result is also saved (out/round-k/model) so that a later run can resume.
// Round r takes `questions` tasks starting at offset + (r-1) × questions (wrapping), so rounds see
// different questions when the task set is large enough.
//
// Files: out/round-k/samples.jsonl (a ledger: one line per question with every chain, answer,
// verdict and score; a killed run keeps its finished questions), out/round-k/pairs.jsonl,
// out/round-k/model/ (the DPO run: metrics.jsonl, checkpoints/, the final checkpoint +
// tokenizer), out/round-k/round.json (the round's metrics, written last: a round with it is
// done and is skipped on a rerun), out/report.json and out/report.md (the summary table).
// Resume: rerun the same command. Not thread-safe (one run per process).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "infer/generator.h"
#include "io/json.h"
#include "train/dpo.h"
#include "world/task.h"

namespace insightv::pipeline {

struct DpoIterateConfig {
  std::string reason, summary, tasks, out;
  int rounds = 3;
  int paths = 4;                   // chains sampled per question per round
  int64_t questions = 0;           // per round; 0 = every task
  int64_t question_offset = 0;     // round r starts at task offset + (r-1) × questions
  int concurrency = 8;             // questions in flight during sampling
  GenerationParams reason_params;  // defaults: infer/agent_defaults.h (T 0.7, top-p 0.95, 1024 new tokens)
  GenerationParams summary_params; // defaults: greedy, 32 new tokens (the assessment's answer)
  double pair_margin = 10;
  double epochs = 1;               // DPO epochs over a round's pairs
  DpoTrainConfig dpo;              // beta, gamma, lr, batch; out_dir/cache_dir are set per round
  bool bf16 = false;               // bf16 matmuls when sampling (training: dpo.train.bf16)
  uint64_t seed = 1;
  bool progress = true;
  // Whether a chain's answer is right; empty = the rule matcher against the task's ground truth
  // (data/answer_match.h). Tests set it to control which chains win.
  std::function<bool(const world::Task&, const std::string& chain, const std::string& answer)> judge;
  DpoIterateConfig();
};

struct RoundReport {
  int round = 0;
  int64_t questions = 0, chains = 0, correct = 0, pairs = 0, dpo_steps = 0;
  double accuracy = 0;             // share of chains whose summary answer is right
  double question_accuracy = 0;    // share of questions whose majority answer is right
  double mean_score = 0;           // verifier score of the chains
  double mean_chain_tokens = 0;
  double first_loss = 0, last_loss = 0, reward_accuracy = 0, reward_margin = 0;
  double sample_seconds = 0, train_seconds = 0;
  bool skipped = false;            // loaded from a previous run
  json to_json() const;
  static RoundReport from_json(const json& j);
};

struct DpoIterateReport {
  std::vector<RoundReport> rounds;
  std::string final_model;         // out/round-R/model
  json to_json() const;
  std::string to_markdown() const;
};

DpoIterateReport run_dpo_iterate(const DpoIterateConfig& cfg);

}  // namespace insightv::pipeline
