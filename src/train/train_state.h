// train/train_state.h — resumable training checkpoints shared by the trainers.
//
// Layout under a run's out_dir:
//   checkpoints/ckpt-<step>/{config.json, model.safetensors, trainer_state/{optimizer.pt, state.json}}
//   checkpoints/latest      the name of the newest complete checkpoint, replaced atomically
// A crash while writing ckpt-N leaves `latest` naming the previous one, which stays intact.
#pragma once

#include <torch/torch.h>

#include <string>

#include "io/json.h"
#include "model/config.h"
#include "model/llava.h"

namespace insightv {

// Writes ckpt-<step> (model, optimizer, `state` JSON, and `extra` — modules trained beside the
// model, such as the vision stage's heads — when given), then moves `latest` to it and removes
// the previous checkpoint.
void save_train_state(const std::string& out_dir, int64_t step, MultimodalLM& lm, const ModelConfig& config,
                      torch::optim::Optimizer& opt, const json& state, torch::nn::Module* extra = nullptr);
// Restores model, optimizer (and `extra`) from `latest`; returns its state JSON, or null when
// there is none.
json load_train_state(const std::string& out_dir, MultimodalLM& lm, torch::optim::Optimizer& opt,
                      torch::nn::Module* extra = nullptr);
// Keeps the rows of out_dir/metrics.jsonl up to `step` (a torn last line is dropped): a run that
// starts at `step` (0: fresh, else resumed) logs every later step exactly once.
void keep_metrics_until(const std::string& out_dir, int64_t step);

}  // namespace insightv
