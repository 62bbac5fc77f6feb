// train/optim.h — AdamW with parameter groups, the warmup + cosine schedule, gradient
// clipping and module freezing (`mm_tunable_parts`, as in the paper's training scripts).
//
//   set_tunable_parts(lm, "mm_mlp_adapter,mm_language_model");   // vision tower frozen
//   auto opt = make_adamw(*lm, cfg);          // decay on matrices, none on norms/biases/vectors
//   set_learning_rate(*opt, lr_at(step, cfg));
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>

#include "model/llava.h"

namespace insightv {

struct OptimConfig {
  double lr = 1e-4;
  double weight_decay = 0.0;  // the paper's scripts: 0
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  double warmup_ratio = 0.05;  // of total steps
  double min_lr_ratio = 0.0;   // cosine floor, as a fraction of lr
  double clip_norm = 1.0;      // <= 0: no clipping
};

// Linear warmup from 0, then cosine decay to min_lr_ratio·lr at total_steps (HF's
// get_cosine_schedule_with_warmup when min_lr_ratio = 0). step counts from 0.
double lr_at(int64_t step, int64_t total_steps, const OptimConfig& cfg);

// Comma-separated parts among mm_vision_tower, mm_mlp_adapter, mm_language_model: only these
// get requires_grad. Throws on an unknown part.
void set_tunable_parts(MultimodalLM& lm, const std::string& parts);

std::unique_ptr<torch::optim::AdamW> make_adamw(torch::nn::Module& module, const OptimConfig& cfg);
void set_learning_rate(torch::optim::Optimizer& opt, double lr);
// Clips the global L2 norm of the gradients of trainable parameters; returns the norm before.
double clip_gradients(torch::nn::Module& module, double max_norm);

}  // namespace insightv
