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
//   vision       the tower learns to see: dense scene-graph targets on images made on the fly
//                from the "vision" seed range (train/vision_stage.h); test images are excluded
//   ground       one-word questions about generated perception scenes, one-object scenes first
//                (stage_data.h write_grounding_set): the decoder learns to read the tower
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
// Presets (presets/*.yaml, embedded): "nano" (the README's run, sized for ≤ 45 min on 2 cores)
// and "tiny" (the same stages in a minute or two, for tests); a run writes the preset it used to
// OUT/config.yaml and OUT/manifest.json (versions, seed, data hashes).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "io/json.h"
#include "pipeline/preset.h"

namespace insightv::pipeline {

std::vector<std::string> pipeline_stage_names();

struct PipelineConfig {
  std::string preset = "nano";      // a shipped preset (pipeline/preset.h) ...
  std::string config_file;          // ... or a YAML preset file (wins over `preset`)
  std::vector<std::string> settings;  // "key=value" overrides, applied in order
  std::string out;
  uint64_t seed = 0;
  std::string only;         // run just this stage
  std::string stop_after;   // stop after this stage
  int bf16 = -1;            // -1: when the CPU has native bf16; 0 off; 1 on
  bool progress = true;
  // Another process writing `out` (io/output_lock.h): wait for it instead of failing at once.
  bool wait_for_lock = false;
};

struct StageRecord {
  std::string name;
  bool skipped = false;
  double seconds = 0;
  json summary;             // what the stage reports (losses, counts, accuracies)
  double peak_rss_mib = -1; // the stage's peak resident memory (-1: skipped; see stage.json's peak_rss_scope)
};

struct PipelineReport {
  std::vector<StageRecord> stages;
  double seconds = 0;
  std::string report_md;    // path of report.md (empty until the report stage ran)
};

// The preset a run uses: the config file or the shipped preset, then the settings.
PipelinePreset resolve_preset(const PipelineConfig& cfg);
PipelineReport run_pipeline(const PipelineConfig& cfg);

}  // namespace insightv::pipeline
