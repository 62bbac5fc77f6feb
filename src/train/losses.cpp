// train/losses.cpp — masked next-token NLL, sequence log-probs, and the DPO objective.
#include <torch/torch.h>

#include "train/losses.h"

#include "util/error.h"

namespace insightv {

namespace F = torch::nn::functional;

torch::Tensor token_logprobs(const torch::Tensor& logits, const torch::Tensor& labels) {
  check(logits.dim() == 3 && labels.dim() == 2 && logits.size(0) == labels.size(0) && logits.size(1) == labels.size(1),
        "loss", "logits [B,T,V] and labels [B,T] disagree: " + c10::str(logits.sizes()) + " vs " + c10::str(labels.sizes()));
  const int64_t B = logits.size(0), T = logits.size(1), V = logits.size(2);
  auto lg = logits.narrow(1, 0, T - 1).reshape({-1, V});
  auto lb = labels.narrow(1, 1, T - 1).reshape({-1});
  auto nll = F::cross_entropy(lg.to(torch::kFloat32), lb,
                              F::CrossEntropyFuncOptions().reduction(torch::kNone).ignore_index(kIgnoreIndex));
  return (-nll).view({B, T - 1});
}

torch::Tensor scored_tokens(const torch::Tensor& labels) {
  return labels.narrow(1, 1, labels.size(1) - 1).ne(kIgnoreIndex).sum(1);
}

torch::Tensor causal_lm_loss(const torch::Tensor& logits, const torch::Tensor& labels) {
  const int64_t V = logits.size(2), T = logits.size(1);
  auto target = labels.narrow(1, 1, T - 1).reshape({-1});
  auto nll = F::cross_entropy(logits.narrow(1, 0, T - 1).reshape({-1, V}).to(torch::kFloat32), target,
                              F::CrossEntropyFuncOptions().reduction(torch::kSum).ignore_index(kIgnoreIndex));
  // A batch without scored tokens contributes 0, not NaN.
  return nll / target.ne(kIgnoreIndex).sum().clamp_min(1);
}

torch::Tensor example_mean_lm_loss(const torch::Tensor& logits, const torch::Tensor& labels) {
  const int64_t B = logits.size(0), V = logits.size(2), T = logits.size(1);
  auto target = labels.narrow(1, 1, T - 1);
  auto nll = F::cross_entropy(logits.narrow(1, 0, T - 1).reshape({-1, V}).to(torch::kFloat32), target.reshape({-1}),
                              F::CrossEntropyFuncOptions().reduction(torch::kNone).ignore_index(kIgnoreIndex))
                 .view({B, T - 1});
  auto n = target.ne(kIgnoreIndex).sum(1);                            // [B]
  auto per_example = nll.sum(1) / n.clamp_min(1).to(torch::kFloat32);  // rows without tokens: 0
  return per_example.sum() / n.gt(0).sum().clamp_min(1).to(torch::kFloat32);
}

torch::Tensor sequence_logprob(const torch::Tensor& logits, const torch::Tensor& labels) {
  return token_logprobs(logits, labels).sum(1);
}

DpoOutput dpo_loss(const torch::Tensor& pc, const torch::Tensor& pr, const torch::Tensor& rc, const torch::Tensor& rr,
                   const DpoConfig& cfg, const torch::Tensor& chosen_nll) {
  check(cfg.beta > 0, "dpo", "beta must be > 0");
  DpoOutput o;
  auto logits = (pc - pr) - (rc - rr);
  o.dpo_losses = -F::logsigmoid(cfg.beta * logits);
  o.loss = cfg.alpha * o.dpo_losses.mean();
  if (cfg.gamma != 0) {
    check(chosen_nll.defined(), "dpo", "gamma > 0 needs the chosen answers' NLL");
    o.loss = o.loss + cfg.gamma * chosen_nll.mean();
  }
  o.chosen_rewards = (cfg.beta * (pc - rc)).detach();
  o.rejected_rewards = (cfg.beta * (pr - rr)).detach();
  o.accuracy = (o.chosen_rewards > o.rejected_rewards).to(torch::kFloat64).mean().item<double>();
  o.margin = (o.chosen_rewards - o.rejected_rewards).mean().item<double>();
  return o;
}

}  // namespace insightv
