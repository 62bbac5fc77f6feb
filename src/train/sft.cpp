// train/sft.cpp — the SFT loop: batches, frozen-tower feature cache, AdamW, checkpoints.
#include <torch/torch.h>

#include "train/sft.h"

#include <cstdio>

#include "io/json.h"
#include "model/checkpoint.h"
#include "model/runtime.h"
#include "train/charts.h"
#include "train/distributed.h"
#include "train/losses.h"
#include "train/train_state.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/progress.h"
#include "util/timer.h"

namespace insightv {

namespace {
std::vector<int64_t> lengths_of(const std::vector<TrainExample>& data) {
  std::vector<int64_t> l;
  for (const auto& e : data) l.push_back(static_cast<int64_t>(e.ids.size()));
  return l;
}
}  // namespace

SftTrainer::SftTrainer(MultimodalLM lm, ModelConfig config, std::vector<TrainExample> data, TrainConfig cfg,
                       ImageLoader load_image)
    : lm_(std::move(lm)), config_(std::move(config)), data_(std::move(data)), cfg_(std::move(cfg)),
      batches_(lm_, std::move(load_image), cfg_.max_length), order_(lengths_of(data_), cfg_.batch_size, cfg_.seed) {
  for (const auto& e : data_)
    check(e.ids.size() == e.labels.size(), "sft", "an example's ids and labels differ in length");
  check(cfg_.loss_norm == "token" || cfg_.loss_norm == "example", "sft",
        "unknown loss normalisation '" + cfg_.loss_norm + "'", "use token or example");
  check(cfg_.loss_norm == "token" || !cfg_.data_parallel, "sft",
        "per-example loss normalisation is not implemented for data-parallel runs", "use --loss-norm token");
  if (config_.is_multimodal()) set_tunable_parts(lm_, cfg_.tunable_parts);
  opt_ = make_adamw(*lm_, cfg_.optim);
}

std::pair<torch::Tensor, torch::Tensor> SftTrainer::build_batch(const std::vector<const TrainExample*>& rows) {
  return batches_.build(rows);
}

double SftTrainer::train_step(const std::vector<const TrainExample*>& rows) {
  torch::Tensor loss;
  {
    CpuBf16Autocast autocast(cfg_.bf16);
    auto [x, labels] = build_batch(rows);
    DecoderInputs in;  // right padding: causal masking alone keeps real tokens from seeing pads
    auto out = lm_->forward(x, in);
    loss = cfg_.loss_norm == "example" ? example_mean_lm_loss(out.logits, labels) : causal_lm_loss(out.logits, labels);
  }
  (loss / static_cast<double>(cfg_.grad_accum)).backward();
  return loss.item<double>();
}

double SftTrainer::sharded_step(const std::vector<const TrainExample*>& rows) {
  DataParallel& dp = *cfg_.data_parallel;
  torch::Tensor nll_sum;  // scalar: NLL summed over this rank's scored tokens
  double n_local = 0;
  if (!rows.empty()) {  // a rank may get no rows when the batch is smaller than the world
    CpuBf16Autocast autocast(cfg_.bf16);
    auto [x, labels] = build_batch(rows);
    n_local = static_cast<double>(scored_tokens(labels).sum().item<int64_t>());
    auto out = lm_->forward(x, DecoderInputs{});
    nll_sum = causal_lm_loss(out.logits, labels) * n_local;
  }
  const double n_global = dp.allreduce_scalar(n_local);
  if (!nll_sum.defined() || n_global == 0) return 0.0;
  // The all-reduce divides by world_size; this rank's share of the global mean is
  // nll_sum / n_global, so it back-propagates world_size times that.
  (nll_sum * (static_cast<double>(dp.world_size()) / (n_global * static_cast<double>(cfg_.grad_accum)))).backward();
  return nll_sum.item<double>() / n_global;
}

bool SftTrainer::is_main() const { return !cfg_.data_parallel || cfg_.data_parallel->is_main(); }

double SftTrainer::eval_loss(const std::vector<TrainExample>& data, int64_t batch_size) {
  torch::NoGradGuard no_grad;
  double total = 0;
  int64_t tokens = 0;
  for (size_t start = 0; start < data.size(); start += static_cast<size_t>(batch_size)) {
    std::vector<const TrainExample*> rows;
    for (size_t i = start; i < std::min(data.size(), start + static_cast<size_t>(batch_size)); ++i) rows.push_back(&data[i]);
    auto [x, labels] = build_batch(rows);
    auto out = lm_->forward(x, {});
    const int64_t n = scored_tokens(labels).sum().item<int64_t>();
    total += causal_lm_loss(out.logits, labels).item<double>() * static_cast<double>(n);
    tokens += n;
  }
  return tokens > 0 ? total / static_cast<double>(tokens) : 0.0;
}

void SftTrainer::save(int64_t step) {
  if (cfg_.out_dir.empty()) return;
  if (is_main())
    save_train_state(cfg_.out_dir, step, lm_, config_, *opt_,
                     {{"epoch", order_.epoch()}, {"position", order_.position()}, {"seed", cfg_.seed}});
  if (cfg_.data_parallel) cfg_.data_parallel->barrier();  // the others wait for rank 0's write
}

SftSummary SftTrainer::run() {
  DataParallel* dp = cfg_.data_parallel.get();
  if (dp) dp->broadcast_parameters(lm_->parameters());  // every rank starts from rank 0's weights
  lm_->train();
  SftSummary summary;
  int64_t step = 0;
  if (!cfg_.out_dir.empty()) {
    if (is_main()) make_dirs(cfg_.out_dir);
    if (cfg_.resume) {
      const json st = load_train_state(cfg_.out_dir, lm_, *opt_);
      if (!st.is_null()) {
        order_.seek(st["epoch"].get<int64_t>(), st["position"].get<int64_t>());
        step = st["step"].get<int64_t>();
      }
    }
  }
  if (!cfg_.out_dir.empty() && is_main()) keep_metrics_until(cfg_.out_dir, step);
  std::unique_ptr<JsonlAppender> metrics;
  if (!cfg_.out_dir.empty() && is_main())
    metrics = std::make_unique<JsonlAppender>(join_path(cfg_.out_dir, "metrics.jsonl"));
  ProgressOptions popts;
  popts.enabled = cfg_.progress && is_main();
  Progress bar("sft", cfg_.steps, "steps", popts);
  bar.set(step);
  Stopwatch sw;
  int64_t tokens = 0;
  for (; step < cfg_.steps; ++step) {
    const double lr = lr_at(step, cfg_.steps, cfg_.optim);
    set_learning_rate(*opt_, lr);
    opt_->zero_grad();
    double loss = 0;
    for (int64_t micro = 0; micro < cfg_.grad_accum; ++micro) {
      std::vector<const TrainExample*> rows;
      const std::vector<int64_t> global = order_.next();  // the same on every rank
      for (int64_t i : dp ? shard_batch(global, dp->rank(), dp->world_size()) : global) {
        rows.push_back(&data_[static_cast<size_t>(i)]);
        tokens += static_cast<int64_t>(data_[static_cast<size_t>(i)].ids.size());
      }
      loss += (dp ? sharded_step(rows) : train_step(rows)) / static_cast<double>(cfg_.grad_accum);
    }
    if (dp) {
      loss = dp->allreduce_scalar(loss);  // the global batch's mean loss
      dp->allreduce_gradients(lm_->parameters());
    }
    const double grad_norm = clip_gradients(*lm_, cfg_.optim.clip_norm);
    opt_->step();
    summary.losses.push_back(loss);
    if (metrics)
      metrics->append({{"step", step + 1}, {"loss", loss}, {"lr", lr}, {"grad_norm", grad_norm},
                       {"epoch", order_.epoch()}, {"elapsed_s", sw.seconds()}});
    char note[64];
    std::snprintf(note, sizeof note, "loss %.4f", loss);
    bar.set_note(note);
    bar.add(1);
    if (cfg_.save_every > 0 && (step + 1) % cfg_.save_every == 0 && step + 1 < cfg_.steps) save(step + 1);
    if (cfg_.stop_after > 0 && step + 1 >= cfg_.stop_after && step + 1 < cfg_.steps) {
      summary.steps = static_cast<int64_t>(summary.losses.size());
      return summary;  // interrupted: no final checkpoint
    }
  }
  bar.finish();
  save(cfg_.steps);
  // The finished model is a checkpoint folder in out_dir itself, ready for the next stage.
  if (!cfg_.out_dir.empty() && is_main()) save_checkpoint(cfg_.out_dir, lm_, config_);
  if (dp) {
    dp->barrier();
    tokens = static_cast<int64_t>(dp->allreduce_scalar(static_cast<double>(tokens)));  // all ranks' tokens
  }
  if (is_main() && !cfg_.out_dir.empty()) write_training_charts(cfg_.out_dir);  // loss.png (+ rewards.png) from metrics.jsonl
  lm_->eval();
  summary.steps = static_cast<int64_t>(summary.losses.size());
  if (!summary.losses.empty()) {
    summary.first_loss = summary.losses.front();
    summary.last_loss = summary.losses.back();
  }
  summary.tokens_per_s = static_cast<double>(tokens) / std::max(1e-9, sw.seconds());
  return summary;
}

}  // namespace insightv
