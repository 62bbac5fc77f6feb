// train/dpo.h — Direct Preference Optimisation of the reasoning agent (PAPER.md §3.3).
//
// The reference model is the policy as training starts (the paper's reference = the round's
// starting policy), so its log-probs are computed once, before the first step, with the same
// weights — no second model in memory and no recomputation per step. They are cached on disk
// as <cache_dir>/ref-<key>.json, where the key hashes the reference weights, every example's
// token ids and image path, and the image preprocessing config: a second run on the same data
// and reference loads them; any change to either computes them again.
//
//   DpoTrainer t(lm, cfg, examples, dpo_cfg, load_image);
//   DpoSummary s = t.run();      // metrics.jsonl: loss, rewards, margin, accuracy per step
//
// Data-parallel (cfg.train.data_parallel set): as SFT (sft.h), each rank trains its slice of
// the same global batch of pairs. Every DPO term is a mean over pairs, so a rank
// back-propagates its slice's mean times world_size · B_rank / B_global, and the gradient
// all-reduce's mean gives the global batch's. The reference log-probs are computed once, the
// batches dealt round-robin to the ranks and summed by an all-reduce (or read from the cache
// by rank 0 alone); only rank 0 writes the cache, checkpoints, metrics and the final model.
// Not thread-safe.
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

#include "data/preference_data.h"
#include "train/batch_builder.h"
#include "train/batching.h"
#include "train/losses.h"
#include "train/optim.h"
#include "train/sft.h"

namespace insightv {

struct DpoTrainConfig {
  TrainConfig train;   // batch_size counts pairs
  DpoConfig dpo;
  std::string cache_dir;  // empty: out_dir/ref_cache (or no cache without out_dir)
};

struct DpoSummary {
  int64_t steps = 0;
  bool reference_cache_hit = false;
  std::vector<double> losses, accuracies, margins;
  double pairs_per_s = 0;
};

class DpoTrainer {
 public:
  DpoTrainer(MultimodalLM lm, ModelConfig config, std::vector<PreferenceExample> data, DpoTrainConfig cfg,
             ImageLoader load_image = nullptr);
  DpoSummary run();
  // Loads or computes the reference log-probs; returns true on a cache hit.
  bool prepare_reference();
  const std::vector<double>& reference_chosen() const { return ref_chosen_; }
  const std::vector<double>& reference_rejected() const { return ref_rejected_; }
  std::string reference_key() const;

 private:
  // Policy log-probs (sums) and chosen NLL (per-token mean) for pairs `idx`; with gradients
  // when grad mode is on.
  struct Scores {
    torch::Tensor chosen, rejected, chosen_nll;
  };
  Scores score(const std::vector<int64_t>& idx);
  bool is_main() const;

  MultimodalLM lm_;
  ModelConfig config_;
  std::vector<PreferenceExample> data_;
  DpoTrainConfig cfg_;
  BatchBuilder batches_;
  std::unique_ptr<torch::optim::AdamW> opt_;
  BatchOrder order_;
  std::vector<double> ref_chosen_, ref_rejected_;
};

}  // namespace insightv
