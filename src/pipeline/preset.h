// pipeline/preset.h — what one pipeline run does: every stage's size, learning rate and data
// volume and the model's shape, as one flat YAML mapping (the shipped presets are
// presets/*.yaml, embedded in the binary at build time).
//
//   PipelinePreset p = pipeline_preset("nano");                 // the shipped nano.yaml
//   PipelinePreset q = preset_from_yaml(read_file("my.yaml"), "my.yaml");
//   apply_setting(q, "base_steps=900");                          // --set base_steps=900
//   std::string yaml = preset_to_yaml(q);                        // every key, commented
//
// A file may start from a shipped preset with `preset: NAME` (default nano) and give only the
// keys it changes. Unknown keys, values of the wrong type and a missing `=` are errors naming
// the key and the file; nothing is silently ignored. Torch-free.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "io/json.h"
#include "util/embedded_file.h"

namespace insightv {
// The files of presets/ (generated at build time by cmake/embed_files.cmake).
const std::vector<EmbeddedFile>& embedded_preset_files();
}  // namespace insightv

namespace insightv::pipeline {

struct PipelinePreset {
  std::string name = "nano";
  // World and model.
  std::string model_preset = "nano";
  int image_size = 128;
  int64_t train_tasks = 4200, test_tasks = 1050;   // per split (7 families, round-robin)
  int vocab_size = 2048;
  int text_hidden_size = 256, text_intermediate_size = 704, text_layers = 6, text_heads = 8, text_kv_heads = 4;
  int vision_hidden_size = 192, vision_intermediate_size = 768, vision_layers = 4, vision_heads = 4, patch_size = 16;
  std::string vision_select_feature = "patch";  // the decoder's image tokens: patch | cls_patch (CLS too)
  // The vision stage (train/vision_stage.h); 0 steps skips it and base starts from init.
  int64_t vision_steps = 500, vision_batch = 64;
  double vision_lr = 1e-3;
  double vision_scene_weight = 0;  // the scene-slot head's loss weight (0: patch heads only)
  std::string vision_scene_from = "pooled";  // pooled (mean of the patches, or CLS) | every_token | slot_token
  // The grounding stage (pipeline/stage_data.h write_grounding_set): one-word questions about
  // generated perception scenes, or fact lists about scenes of `ground_families`, the one-object
  // perception scenes first; 0 steps skips it.
  std::string ground_format = "questions", ground_families = "perception";
  int64_t ground_images = 3000, ground_single_steps = 150, ground_steps = 0;
  double ground_lr = 1e-3;
  // How every training reply gives a task's answer (data::AnswerStyle): letter | text | sentence.
  std::string answer_style = "letter";
  // SFT stages: optimizer steps; batch sizes in examples.
  int64_t base_steps = 700, reason_steps = 150, summary_steps = 90, cot_steps = 100, multi_turn_steps = 100,
          summary_only_steps = 60;
  std::string base_loss_norm = "example";  // train/sft.h TrainConfig::loss_norm, for the base stage
  int64_t batch = 16;              // examples per optimizer step ...
  double micro_budget_bytes = 32 << 20;  // ... in micro-batches whose [B,H,T,T] attention scores
                                         // fit this (so malloc reuses them; see sft_stage)
  double base_lr = 1e-3, sft_lr = 5e-4;
  int64_t max_length = 512;
  // Reasoning data.
  int64_t datagen_tasks = 2800;   // train tasks given to the teacher
  int paths = 4;
  // Iterative DPO.
  int dpo_rounds = 3, dpo_paths = 4;
  int64_t dpo_questions = 150;    // per round
  double dpo_lr = 2e-5, dpo_beta = 0.1, dpo_epochs = 1;
  int64_t dpo_batch = 8;
  // Generation and evaluation.
  int reason_max_tokens = 192, answer_max_tokens = 16;
  int64_t eval_tasks = 0;         // 0 = the whole test split
  int concurrency = 16;
  json to_json() const;
};

// The shipped presets' names (presets/*.yaml without the extension): nano, tiny, ...
std::vector<std::string> preset_names();
// A shipped preset; Error naming the shipped ones for another name.
PipelinePreset pipeline_preset(const std::string& name);
// The YAML text of a shipped preset, as shipped.
std::string shipped_preset_yaml(const std::string& name);

// Parses a preset file (`source` names it in errors).
PipelinePreset preset_from_yaml(const std::string& text, const std::string& source);
// Every key, one per line, each after a comment saying what it is; parses back to the same preset.
std::string preset_to_yaml(const PipelinePreset& p);
// "key=value": sets one key; Error for an unknown key, a bad value or no '='.
void apply_setting(PipelinePreset& p, const std::string& key_equals_value);

}  // namespace insightv::pipeline
