// train/dpo.cpp — DPO with reference log-probs precomputed once and cached on disk.
#include <torch/torch.h>

#include "train/dpo.h"

#include <cstdio>

#include "io/json.h"
#include "model/checkpoint.h"
#include "model/runtime.h"
#include "train/charts.h"
#include "train/distributed.h"
#include "train/train_state.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/log.h"
#include "util/progress.h"
#include "util/timer.h"

namespace insightv {

namespace {
std::vector<int64_t> pair_lengths(const std::vector<PreferenceExample>& d) {
  std::vector<int64_t> l;
  for (const auto& p : d) l.push_back(static_cast<int64_t>(std::max(p.chosen.ids.size(), p.rejected.ids.size())));
  return l;
}
uint64_t hash_ids(const std::vector<int64_t>& v, uint64_t h) {
  return fnv1a64(std::string_view(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(int64_t)), h);
}
}  // namespace

DpoTrainer::DpoTrainer(MultimodalLM lm, ModelConfig config, std::vector<PreferenceExample> data, DpoTrainConfig cfg,
                       ImageLoader load_image)
    : lm_(std::move(lm)), config_(std::move(config)), data_(std::move(data)), cfg_(std::move(cfg)),
      batches_(lm_, std::move(load_image), cfg_.train.max_length),
      order_(pair_lengths(data_), cfg_.train.batch_size, cfg_.train.seed) {
  check(cfg_.dpo.beta > 0, "dpo", "beta must be > 0");
  if (config_.is_multimodal()) set_tunable_parts(lm_, cfg_.train.tunable_parts);
  opt_ = make_adamw(*lm_, cfg_.train.optim);
  if (cfg_.cache_dir.empty() && !cfg_.train.out_dir.empty()) cfg_.cache_dir = join_path(cfg_.train.out_dir, "ref_cache");
}

std::string DpoTrainer::reference_key() const {
  uint64_t h = fnv1a64("insightv-dpo-ref-v1");
  for (const auto& item : lm_->named_parameters()) {
    auto t = item.value().detach().contiguous().to(torch::kCPU);
    h = fnv1a64(item.key(), h);
    h = fnv1a64(std::string_view(static_cast<const char*>(t.data_ptr()), static_cast<size_t>(t.numel()) * t.element_size()), h);
  }
  h = fnv1a64(model_config_to_json(config_).dump(), h);  // image size, mean/std, aspect mode…
  h = fnv1a64(std::to_string(cfg_.train.max_length) + (cfg_.train.bf16 ? "/bf16" : "/fp32"), h);
  for (const auto& p : data_) {
    h = hash_ids(p.chosen.ids, fnv1a64(p.chosen.image, h));
    h = hash_ids(p.chosen.labels, h);
    h = hash_ids(p.rejected.ids, fnv1a64(p.rejected.image, h));
    h = hash_ids(p.rejected.labels, h);
  }
  return hex64(h);
}

DpoTrainer::Scores DpoTrainer::score(const std::vector<int64_t>& idx) {
  std::vector<const TrainExample*> rows;
  for (int64_t i : idx) rows.push_back(&data_[static_cast<size_t>(i)].chosen);
  for (int64_t i : idx) rows.push_back(&data_[static_cast<size_t>(i)].rejected);
  CpuBf16Autocast autocast(cfg_.train.bf16);
  auto [x, labels] = batches_.build(rows);
  auto out = lm_->forward(x, {});
  auto lp = token_logprobs(out.logits, labels);  // [2B, T-1]
  auto sums = lp.sum(1);
  const int64_t B = static_cast<int64_t>(idx.size());
  Scores s;
  s.chosen = sums.narrow(0, 0, B);
  s.rejected = sums.narrow(0, B, B);
  auto counts = scored_tokens(labels).narrow(0, 0, B).clamp_min(1).to(sums.scalar_type());
  s.chosen_nll = -s.chosen / counts;
  return s;
}

bool DpoTrainer::is_main() const { return !cfg_.train.data_parallel || cfg_.train.data_parallel->is_main(); }

bool DpoTrainer::prepare_reference() {
  if (!ref_chosen_.empty()) return false;
  DataParallel* dp = cfg_.train.data_parallel.get();
  const std::string key = reference_key();
  const std::string path = cfg_.cache_dir.empty() ? "" : join_path(cfg_.cache_dir, "ref-" + key + ".json");
  // With several ranks, rank 0 decides (its disk holds the cache) and the values travel by
  // all-reduce: ranks that do not read the cache contribute zeros.
  bool hit = !path.empty() && is_main() && file_exists(path);
  if (dp) hit = dp->allreduce_scalar(hit ? 1.0 : 0.0) > 0;
  if (dp && hit) {
    const size_t n = data_.size();
    std::vector<double> both(2 * n + 1, 0.0);  // chosen, rejected, then 1 when the cache is bad
    if (is_main()) {
      const json j = read_json_file(path);
      const auto c = j.at("chosen").get<std::vector<double>>(), r = j.at("rejected").get<std::vector<double>>();
      if (c.size() == n && r.size() == n) {
        std::copy(c.begin(), c.end(), both.begin());
        std::copy(r.begin(), r.end(), both.begin() + static_cast<int64_t>(n));
      } else {
        both[2 * n] = 1;
      }
    }
    dp->allreduce_sum(both);
    check(both[2 * n] == 0, "dpo", path + ": cached reference does not hold " + std::to_string(n) + " pairs",
          "delete the cache file");
    ref_chosen_.assign(both.begin(), both.begin() + static_cast<int64_t>(n));
    ref_rejected_.assign(both.begin() + static_cast<int64_t>(n), both.begin() + static_cast<int64_t>(2 * n));
    IV_LOG(info) << "dpo: reference log-probs from cache " << path;
    return true;
  }
  if (!dp && hit) {
    const json j = read_json_file(path);
    ref_chosen_ = j.at("chosen").get<std::vector<double>>();
    ref_rejected_ = j.at("rejected").get<std::vector<double>>();
    check(ref_chosen_.size() == data_.size() && ref_rejected_.size() == data_.size(), "dpo",
          path + ": cached reference holds " + std::to_string(ref_chosen_.size()) + " pairs, expected " +
              std::to_string(data_.size()), "delete the cache file");
    IV_LOG(info) << "dpo: reference log-probs from cache " << path;
    return true;
  }
  torch::NoGradGuard no_grad;
  const bool was_training = lm_->is_training();
  lm_->eval();
  ref_chosen_.assign(data_.size(), 0.0);
  ref_rejected_.assign(data_.size(), 0.0);
  const int64_t bs = cfg_.train.batch_size;
  for (int64_t start = 0, b = 0; start < static_cast<int64_t>(data_.size()); start += bs, ++b) {
    if (dp && b % dp->world_size() != dp->rank()) continue;  // another rank's batch
    std::vector<int64_t> idx;
    for (int64_t i = start; i < std::min<int64_t>(start + bs, static_cast<int64_t>(data_.size())); ++i) idx.push_back(i);
    const Scores s = score(idx);
    for (size_t k = 0; k < idx.size(); ++k) {
      ref_chosen_[static_cast<size_t>(idx[k])] = s.chosen[static_cast<int64_t>(k)].item<double>();
      ref_rejected_[static_cast<size_t>(idx[k])] = s.rejected[static_cast<int64_t>(k)].item<double>();
    }
  }
  if (was_training) lm_->train();
  if (dp) {  // each pair was scored by exactly one rank; the others hold 0 for it
    std::vector<double> both(ref_chosen_);
    both.insert(both.end(), ref_rejected_.begin(), ref_rejected_.end());
    dp->allreduce_sum(both);
    const auto n = static_cast<int64_t>(data_.size());
    ref_chosen_.assign(both.begin(), both.begin() + n);
    ref_rejected_.assign(both.begin() + n, both.begin() + 2 * n);
  }
  if (!path.empty() && is_main()) {
    make_dirs(cfg_.cache_dir);
    write_json_file(path, {{"key", key}, {"pairs", data_.size()}, {"chosen", ref_chosen_}, {"rejected", ref_rejected_}});
  }
  return false;
}

DpoSummary DpoTrainer::run() {
  DpoSummary summary;
  DataParallel* dp = cfg_.train.data_parallel.get();
  if (dp) dp->broadcast_parameters(lm_->parameters());  // every rank starts from rank 0's weights
  // The reference is the policy as it starts: compute (or load) before any update, and before
  // a resume overwrites the weights.
  summary.reference_cache_hit = prepare_reference();
  lm_->train();
  const TrainConfig& tc = cfg_.train;
  int64_t step = 0;
  if (!tc.out_dir.empty()) {
    if (is_main()) make_dirs(tc.out_dir);
    if (tc.resume) {
      const json st = load_train_state(tc.out_dir, lm_, *opt_);
      if (!st.is_null()) {
        order_.seek(st["epoch"].get<int64_t>(), st["position"].get<int64_t>());
        step = st["step"].get<int64_t>();
      }
    }
  }
  if (!tc.out_dir.empty() && is_main()) keep_metrics_until(tc.out_dir, step);
  std::unique_ptr<JsonlAppender> metrics;
  if (!tc.out_dir.empty() && is_main())
    metrics = std::make_unique<JsonlAppender>(join_path(tc.out_dir, "metrics.jsonl"));
  ProgressOptions popts;
  popts.enabled = tc.progress && is_main();
  Progress bar("dpo", tc.steps, "steps", popts);
  bar.set(step);
  Stopwatch sw;
  int64_t pairs = 0;
  auto ref = [](const std::vector<double>& v, const std::vector<int64_t>& idx) {
    std::vector<double> out;
    for (int64_t i : idx) out.push_back(v[static_cast<size_t>(i)]);
    return torch::tensor(out, torch::kFloat64).to(torch::kFloat32);
  };
  for (; step < tc.steps; ++step) {
    const double lr = lr_at(step, tc.steps, tc.optim);
    set_learning_rate(*opt_, lr);
    opt_->zero_grad();
    double loss = 0, acc = 0, margin = 0, rc = 0, rr = 0;
    for (int64_t micro = 0; micro < tc.grad_accum; ++micro) {
      const auto global = order_.next();  // the same on every rank
      const auto idx = dp ? shard_batch(global, dp->rank(), dp->world_size()) : global;
      pairs += static_cast<int64_t>(idx.size());
      if (idx.empty()) continue;  // fewer pairs than ranks: this rank sits the micro-batch out
      const Scores s = score(idx);
      const DpoOutput o = dpo_loss(s.chosen, s.rejected, ref(ref_chosen_, idx), ref(ref_rejected_, idx), cfg_.dpo,
                                   s.chosen_nll);
      // This slice's share of the global batch's mean (1 without data parallelism); the
      // gradient all-reduce divides by world_size, so the backward multiplies by it.
      const double share = static_cast<double>(idx.size()) / static_cast<double>(global.size());
      const double ranks = dp ? static_cast<double>(dp->world_size()) : 1.0;
      if (dp)
        (o.loss * (share * ranks / static_cast<double>(tc.grad_accum))).backward();
      else
        (o.loss / static_cast<double>(tc.grad_accum)).backward();
      const double w = share / static_cast<double>(tc.grad_accum);
      loss += o.loss.item<double>() * w;
      acc += o.accuracy * w;
      margin += o.margin * w;
      rc += o.chosen_rewards.mean().item<double>() * w;
      rr += o.rejected_rewards.mean().item<double>() * w;
    }
    if (dp) {
      std::vector<double> m{loss, acc, margin, rc, rr};
      dp->allreduce_sum(m);
      loss = m[0], acc = m[1], margin = m[2], rc = m[3], rr = m[4];
      dp->allreduce_gradients(lm_->parameters());
    }
    const double grad_norm = clip_gradients(*lm_, tc.optim.clip_norm);
    opt_->step();
    summary.losses.push_back(loss);
    summary.accuracies.push_back(acc);
    summary.margins.push_back(margin);
    if (metrics)
      metrics->append({{"step", step + 1}, {"loss", loss}, {"lr", lr}, {"grad_norm", grad_norm}, {"accuracy", acc},
                       {"margin", margin}, {"chosen_reward", rc}, {"rejected_reward", rr}, {"elapsed_s", sw.seconds()}});
    char note[96];
    std::snprintf(note, sizeof note, "loss %.4f acc %.2f margin %.3f", loss, acc, margin);
    bar.set_note(note);
    bar.add(1);
    if (!tc.out_dir.empty() && tc.save_every > 0 && (step + 1) % tc.save_every == 0 && step + 1 < tc.steps) {
      if (is_main())
        save_train_state(tc.out_dir, step + 1, lm_, config_, *opt_,
                         {{"epoch", order_.epoch()}, {"position", order_.position()}, {"seed", tc.seed}});
      if (dp) dp->barrier();  // the others wait for rank 0's write
    }
  }
  bar.finish();
  if (!tc.out_dir.empty() && is_main()) save_checkpoint(tc.out_dir, lm_, config_);
  if (dp) {
    dp->barrier();
    pairs = static_cast<int64_t>(dp->allreduce_scalar(static_cast<double>(pairs)));
  }
  if (is_main() && !tc.out_dir.empty()) write_training_charts(tc.out_dir);  // loss.png (+ rewards.png) from metrics.jsonl
  lm_->eval();
  summary.steps = static_cast<int64_t>(summary.losses.size());
  summary.pairs_per_s = static_cast<double>(pairs) / std::max(1e-9, sw.seconds());
  return summary;
}

}  // namespace insightv
