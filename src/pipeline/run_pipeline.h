// pipeline/run_pipeline.h — `insightv pipeline`: the whole of Insight-V at nano scale, end to
// end, resumable stage by stage (the README's main job).
//
//   PipelineConfig cfg;  cfg.preset = "nano";  cfg.out = "runs/nano";
//   PipelineReport r = run_pipeline(cfg);     // runs/nano/report.md + charts
//
// Stages, in order (each writes OUT/<stage>/ and, last, OUT/<stage>/stage.json):
//   world        VisWorld train and test splits (disjoint seed ranges)
//   datagen      N reasoning paths per train question from the scripted teacher
//   assess       answer filter + verifier step scorer → reasoning set, summary set, pairs
//   tokenizer    byte-level BPE trained on the text the models will see
//   init         a random nano model sized to the tokenizer
//   base         stage 0: captions + direct answers (the LLaVA-NeXT stand-in, "Baseline")
//   reason       reasoning agent: SFT of base on the reasoning set
//   summary      summary agent: SFT of base on the summary set (sound + flawed chains)
//   cot          Table 3 "Vanilla – Direct SFT": one model, chain then answer in one turn
//   multi_turn   Table 3 "Multi-turn": reasoning turn, then an answer turn
//   summary_only Table 3 "Summary Agent Only": the summary set's questions, no chain
//   dpo          iterative DPO of the reasoning agent (3 rounds, pipeline/dpo_iterate.h)
//   eval         every system on the held-out test tasks (eval/)
//   report       report.md, report.json and PNG charts
// A stage is skipped when its stage.json exists and records the same config hash; the hash of
// a stage covers its own settings and the hashes of the stages it reads, so changing one
// setting reruns that stage and everything downstream. Inside a stage the work is resumable
// too (datagen and eval ledgers, training checkpoints, DPO rounds): after a kill -9, rerun the
// same command. `only` runs one stage (its inputs must exist); `stop_after` ends after a stage.
// Presets: "nano" (the README's run, sized for ≤ 45 min on 2 cores) and "tiny" (the same
// stages in a minute or two, for tests).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "io/json.h"

namespace insightv::pipeline {

struct PipelinePreset {
  std::string name;
  std::string model_preset = "nano";
  int image_size = 128;
  int64_t train_tasks = 4200, test_tasks = 1050;   // per split (7 families, round-robin)
  int vocab_size = 2048;
  // Stage sizes: optimizer steps; batch sizes in examples (pairs for DPO).
  int64_t base_steps = 700, reason_steps = 150, summary_steps = 90, cot_steps = 100, multi_turn_steps = 100,
          summary_only_steps = 60;
  int64_t batch = 16;              // examples per optimizer step ...
  double micro_budget_bytes = 32 << 20;  // ... in micro-batches whose [B,H,T,T] attention scores
                                         // fit this (so malloc reuses them; see sft_stage)
  double base_lr = 1e-3, sft_lr = 5e-4;
  int64_t max_length = 512;
  int64_t datagen_tasks = 2800;   // train tasks given to the teacher
  int paths = 4;
  int dpo_rounds = 3, dpo_paths = 4;
  int64_t dpo_questions = 150;    // per round
  double dpo_lr = 2e-5, dpo_beta = 0.1, dpo_epochs = 1;
  int64_t dpo_batch = 8;
  int reason_max_tokens = 192, answer_max_tokens = 16;
  int64_t eval_tasks = 0;         // 0 = the whole test split
  int concurrency = 16;
  json to_json() const;
};

PipelinePreset pipeline_preset(const std::string& name);  // "nano" | "tiny"
std::vector<std::string> pipeline_stage_names();

struct PipelineConfig {
  std::string preset = "nano";
  std::string out;
  uint64_t seed = 0;
  std::string only;         // run just this stage
  std::string stop_after;   // stop after this stage
  int bf16 = -1;            // -1: when the CPU has native bf16; 0 off; 1 on
  bool progress = true;
};

struct StageRecord {
  std::string name;
  bool skipped = false;
  double seconds = 0;
  json summary;             // what the stage reports (losses, counts, accuracies)
};

struct PipelineReport {
  std::vector<StageRecord> stages;
  double seconds = 0;
  std::string report_md;    // path of report.md (empty until the report stage ran)
};

PipelineReport run_pipeline(const PipelineConfig& cfg);

}  // namespace insightv::pipeline
