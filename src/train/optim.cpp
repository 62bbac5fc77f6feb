// train/optim.cpp — AdamW groups, warmup + cosine, clipping, freezing by module.
#include <torch/torch.h>

#include "train/optim.h"

#include <cmath>
#include <sstream>

#include "util/error.h"

namespace insightv {

double lr_at(int64_t step, int64_t total, const OptimConfig& cfg) {
  const int64_t warmup = static_cast<int64_t>(std::ceil(cfg.warmup_ratio * static_cast<double>(total)));
  if (step < warmup) return cfg.lr * static_cast<double>(step) / static_cast<double>(std::max<int64_t>(1, warmup));
  const double progress = static_cast<double>(step - warmup) / static_cast<double>(std::max<int64_t>(1, total - warmup));
  const double cosine = 0.5 * (1.0 + std::cos(M_PI * std::min(1.0, progress)));
  return cfg.lr * (cfg.min_lr_ratio + (1.0 - cfg.min_lr_ratio) * cosine);
}

void set_tunable_parts(MultimodalLM& lm, const std::string& parts) {
  bool vision = false, adapter = false, language = false;
  std::stringstream ss(parts);
  std::string p;
  while (std::getline(ss, p, ',')) {
    if (p == "mm_vision_tower") vision = true;
    else if (p == "mm_mlp_adapter") adapter = true;
    else if (p == "mm_language_model") language = true;
    else if (!p.empty())
      throw Error("train", "unknown tunable part '" + p + "'", "use mm_vision_tower, mm_mlp_adapter, mm_language_model");
  }
  for (auto& item : lm->named_parameters()) {
    const std::string& n = item.key();
    bool on;
    if (n.find("vision_tower") != std::string::npos) on = vision;
    else if (n.find("mm_projector") != std::string::npos || n == "model.image_newline") on = adapter;
    else on = language;
    item.value().set_requires_grad(on);
  }
}

std::unique_ptr<torch::optim::AdamW> make_adamw(torch::nn::Module& module, const OptimConfig& cfg) {
  std::vector<torch::Tensor> decay, no_decay;
  for (auto& p : module.parameters())
    if (p.requires_grad()) (p.dim() >= 2 ? decay : no_decay).push_back(p);
  check(!decay.empty() || !no_decay.empty(), "train", "no trainable parameters", "check the tunable parts");
  auto opts = [&](double wd) {
    return std::make_unique<torch::optim::AdamWOptions>(
        torch::optim::AdamWOptions(cfg.lr).betas({cfg.beta1, cfg.beta2}).eps(cfg.eps).weight_decay(wd));
  };
  std::vector<torch::optim::OptimizerParamGroup> groups;
  if (!decay.empty()) groups.emplace_back(decay, opts(cfg.weight_decay));
  if (!no_decay.empty()) groups.emplace_back(no_decay, opts(0.0));
  return std::make_unique<torch::optim::AdamW>(groups, torch::optim::AdamWOptions(cfg.lr));
}

void set_learning_rate(torch::optim::Optimizer& opt, double lr) {
  for (auto& g : opt.param_groups()) static_cast<torch::optim::AdamWOptions&>(g.options()).lr(lr);
}

double clip_gradients(torch::nn::Module& module, double max_norm) {
  std::vector<torch::Tensor> params;
  for (auto& p : module.parameters())
    if (p.requires_grad() && p.grad().defined()) params.push_back(p);
  if (params.empty()) return 0.0;
  if (max_norm <= 0) {
    double sq = 0;
    for (auto& p : params) sq += p.grad().pow(2).sum().item<double>();
    return std::sqrt(sq);
  }
  return torch::nn::utils::clip_grad_norm_(params, max_norm);
}

}  // namespace insightv
