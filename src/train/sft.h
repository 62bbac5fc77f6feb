// train/sft.h — supervised fine-tuning of the multimodal LM on tokenised conversations.
//
// One trainer serves every SFT stage (base, reasoning agent, summary agent, baselines): what
// differs is the data. The vision tower is frozen by default (the paper's mm_tunable_parts), so
// each image's tower features are computed once and cached in memory; the projector and the
// LLM are trained. Checkpoints (weights, config, optimizer state, data position) are written
// as out_dir/checkpoints/ckpt-<step>/, then a `latest` pointer is replaced atomically;
// --resume continues from `latest` and reproduces the uninterrupted run's losses. The final
// model is written to out_dir itself (config.json + model.safetensors).
//
//   SftTrainer t(lm, cfg, examples, train_cfg, load_pixels);
//   SftSummary s = t.run();            // metrics.jsonl in train_cfg.out_dir, progress bar
//
// Data-parallel (TrainConfig::data_parallel set, one process per rank): every rank draws the
// same seeded global batch and trains its contiguous slice (shard_batch); gradients are
// all-reduced before clipping and the step. The loss is the mean over the scored tokens of
// the whole global batch, as in one process: each rank back-propagates its token-sum of NLL
// times world_size / (scored tokens over all ranks), and the all-reduce's mean removes the
// world_size — so N ranks x B/N examples give one rank x B examples' gradient even when the
// ranks' token counts differ. Only rank 0 writes checkpoints, metrics and the final model;
// the others wait at a barrier. --resume reads out_dir on every rank (same world size; on
// several machines out_dir must be shared).
// Not thread-safe.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "model/image_processor.h"
#include "model/llava.h"
#include "train/batch_builder.h"
#include "train/batching.h"
#include "train/optim.h"

namespace insightv {

class DataParallel;

struct TrainConfig {
  OptimConfig optim;
  int64_t steps = 100;            // optimizer steps
  int64_t batch_size = 8;         // examples per micro-batch
  int64_t grad_accum = 1;
  int64_t max_length = 1024;      // longer examples are truncated (after image expansion)
  int64_t save_every = 0;         // 0: only at the end
  int64_t log_every = 10;
  uint64_t seed = 0;
  std::string out_dir;            // empty: no checkpoints or metrics
  bool resume = false;
  std::string tunable_parts = "mm_mlp_adapter,mm_language_model";
  // "token": the mean NLL over every scored token of the batch (long answers dominate);
  // "example": the mean over examples of each one's mean (losses.h example_mean_lm_loss), so a
  // one-letter answer carries as much gradient as a caption. Single process only.
  std::string loss_norm = "token";
  bool progress = true;
  bool bf16 = false;              // bf16 autocast for matmuls (fp32 master weights); see cpu_has_bf16()
  int64_t stop_after = 0;         // > 0: return after this many steps, without the final save
                                  // (simulates an interrupted run in tests; 0: off)
  std::shared_ptr<DataParallel> data_parallel;  // set: this process is one rank (train/distributed.h)
};


struct SftSummary {
  int64_t steps = 0;
  double first_loss = 0, last_loss = 0;
  double tokens_per_s = 0;        // trained (scored + context) tokens per second
  std::vector<double> losses;     // per optimizer step
};

class SftTrainer {
 public:
  SftTrainer(MultimodalLM lm, ModelConfig config, std::vector<TrainExample> data, TrainConfig cfg,
             ImageLoader load_image = nullptr);
  SftSummary run();
  // Loss of one micro-batch with gradients (scaled by 1/grad_accum) — the trainer's unit.
  double train_step(const std::vector<const TrainExample*>& rows);
  // Mean loss over a data set without gradients.
  double eval_loss(const std::vector<TrainExample>& data, int64_t batch_size = 8);

  // Embeddings [B,T,C] (right-padded) and labels [B,T] for a micro-batch.
  std::pair<torch::Tensor, torch::Tensor> build_batch(const std::vector<const TrainExample*>& rows);

 private:
  void save(int64_t step);
  // One rank's micro-batch of a data-parallel step: back-propagates its share of the global
  // mean loss; returns that share (token-sum of NLL / global scored tokens).
  double sharded_step(const std::vector<const TrainExample*>& rows);
  bool is_main() const;

  MultimodalLM lm_;
  ModelConfig config_;
  std::vector<TrainExample> data_;
  TrainConfig cfg_;
  BatchBuilder batches_;
  std::unique_ptr<torch::optim::AdamW> opt_;
  BatchOrder order_;
};

}  // namespace insightv
