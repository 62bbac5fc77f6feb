// train/losses.h — the training objectives as pure functions (STYLE.md §10).
//
// Label convention (Hugging Face): labels [B,T] are aligned with the input ids; position t's
// logits predict labels[t+1]; label -100 (kIgnoreIndex) is not scored. Prompt tokens carry
// -100, so only assistant tokens are trained.
//
//   auto loss = causal_lm_loss(logits, labels);                 // mean NLL over scored tokens
//   auto lp = sequence_logprob(logits, labels);                 // [B] sum of log p (DPO)
//   auto d = dpo_loss(pc, pr, rc, rr, {.beta = 0.1});            // sigmoid DPO (+ optional SFT term)
#pragma once

#include <torch/torch.h>

namespace insightv {

constexpr int64_t kIgnoreIndex = -100;

// Per-token log-probabilities of the next label: [B,T-1], 0 where the label is ignored.
torch::Tensor token_logprobs(const torch::Tensor& logits, const torch::Tensor& labels);
// Number of scored tokens per row [B] (int64).
torch::Tensor scored_tokens(const torch::Tensor& labels);
// Mean negative log-likelihood over all scored tokens of the batch (HF's causal LM loss);
// 0 when no token is scored.
torch::Tensor causal_lm_loss(const torch::Tensor& logits, const torch::Tensor& labels);
// The mean over examples of each example's mean NLL over its scored tokens (rows without scored
// tokens are left out; 0 when none has any): a two-token answer weighs as much as a long caption.
torch::Tensor example_mean_lm_loss(const torch::Tensor& logits, const torch::Tensor& labels);
// Sum of log p over each row's scored tokens [B].
torch::Tensor sequence_logprob(const torch::Tensor& logits, const torch::Tensor& labels);

struct DpoConfig {
  double beta = 0.1;
  double alpha = 1.0;  // weight of the DPO term (the paper's code: dpo_alpha)
  double gamma = 0.0;  // weight of the SFT term on the chosen answers (the code's default 1.0; see PAPER.md §3.3)
};

struct DpoOutput {
  torch::Tensor loss;              // scalar: alpha·mean(dpo) + gamma·mean(chosen NLL per token)
  torch::Tensor dpo_losses;        // [B] −log σ(β·((πc−πr) − (refc−refr)))
  torch::Tensor chosen_rewards;    // [B] β·(πc − refc), detached
  torch::Tensor rejected_rewards;  // [B] β·(πr − refr), detached
  double accuracy = 0;             // share of rows with chosen reward > rejected reward
  double margin = 0;               // mean(chosen_rewards − rejected_rewards)
};

// policy_*/ref_*: [B] sequence log-probs. chosen_nll: [B] mean per-token NLL of the chosen
// answers under the policy (needed when gamma > 0; may be undefined otherwise).
DpoOutput dpo_loss(const torch::Tensor& policy_chosen, const torch::Tensor& policy_rejected,
                   const torch::Tensor& ref_chosen, const torch::Tensor& ref_rejected, const DpoConfig& cfg,
                   const torch::Tensor& chosen_nll = {});

}  // namespace insightv
