// train/sft.cpp — the SFT loop: batches, frozen-tower feature cache, AdamW, checkpoints.
#include <torch/torch.h>

#include "train/sft.h"

#include <cstdio>

#include "io/json.h"
#include "model/checkpoint.h"
#include "train/losses.h"
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
      load_image_(std::move(load_image)), order_(lengths_of(data_), cfg_.batch_size, cfg_.seed) {
  for (const auto& e : data_)
    check(e.ids.size() == e.labels.size(), "sft", "an example's ids and labels differ in length");
  if (config_.is_multimodal()) set_tunable_parts(lm_, cfg_.tunable_parts);
  opt_ = make_adamw(*lm_, cfg_.optim);
}

torch::Tensor SftTrainer::image_features(const std::string& key) {
  auto it = tower_cache_.find(key);
  if (it == tower_cache_.end()) {
    check(static_cast<bool>(load_image_), "sft", "example refers to image '" + key + "' but no image loader is set");
    ImageTiles tiles = load_image_(key);
    torch::Tensor feats;
    {
      // The tower is frozen: its features never need gradients.
      torch::NoGradGuard no_grad;
      feats = lm_->vision_features(tiles.pixels).detach();
    }
    it = tower_cache_.emplace(key, std::make_pair(feats, tiles.size)).first;
  }
  return lm_->pack_anyres(lm_->project(it->second.first), it->second.second);
}

std::pair<torch::Tensor, torch::Tensor> SftTrainer::build_batch(const std::vector<const TrainExample*>& rows) {
  const int64_t placeholder = config_.mm.image_token_index;
  std::vector<torch::Tensor> embeds;
  std::vector<std::vector<int64_t>> labels;
  int64_t T = 0;
  for (const TrainExample* e : rows) {
    std::vector<torch::Tensor> images;
    int64_t n_img = 0;
    if (!e->image.empty()) {
      images.push_back(image_features(e->image));
      n_img = images.back().size(0);
    }
    auto x = lm_->splice(e->ids, images)[0];  // [T',C]
    std::vector<int64_t> lab;
    for (size_t i = 0; i < e->ids.size(); ++i) {
      if (e->ids[i] == placeholder && n_img > 0) lab.insert(lab.end(), static_cast<size_t>(n_img), kIgnoreIndex);
      else lab.push_back(e->labels[i]);
    }
    const int64_t len = std::min<int64_t>(x.size(0), cfg_.max_length);
    embeds.push_back(x.narrow(0, 0, len));
    lab.resize(static_cast<size_t>(len));
    labels.push_back(std::move(lab));
    T = std::max(T, len);
  }
  const int64_t B = static_cast<int64_t>(rows.size()), C = embeds[0].size(1);
  std::vector<torch::Tensor> padded;
  auto lab_t = torch::full({B, T}, kIgnoreIndex, torch::kInt64);
  for (int64_t b = 0; b < B; ++b) {
    const int64_t n = embeds[b].size(0);
    padded.push_back(n < T ? torch::cat({embeds[b], torch::zeros({T - n, C}, embeds[b].options())}) : embeds[b]);
    lab_t[b].narrow(0, 0, n).copy_(torch::tensor(labels[b], torch::kInt64));
  }
  return {torch::stack(padded), lab_t};
}

double SftTrainer::train_step(const std::vector<const TrainExample*>& rows) {
  auto [x, labels] = build_batch(rows);
  DecoderInputs in;  // right padding: causal masking alone keeps real tokens from seeing pads
  auto out = lm_->forward(x, in);
  auto loss = causal_lm_loss(out.logits, labels);
  (loss / static_cast<double>(cfg_.grad_accum)).backward();
  return loss.item<double>();
}

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
  const std::string root = join_path(cfg_.out_dir, "checkpoints");
  const std::string name = "ckpt-" + std::to_string(step);
  const std::string dir = join_path(root, name);
  save_checkpoint(dir, lm_, config_);
  make_dirs(join_path(dir, "trainer_state"));
  {
    torch::serialize::OutputArchive archive;
    opt_->save(archive);
    const std::string tmp = join_path(dir, "trainer_state/optimizer.pt.tmp");
    archive.save_to(tmp);
    check(std::rename(tmp.c_str(), join_path(dir, "trainer_state/optimizer.pt").c_str()) == 0, "sft",
          "cannot write the optimizer state in " + dir);
  }
  write_json_file(join_path(dir, "trainer_state/state.json"),
                  {{"step", step}, {"epoch", order_.epoch()}, {"position", order_.position()}, {"seed", cfg_.seed}});
  // The pointer moves last: a crash before this line leaves the previous checkpoint current.
  const std::string latest = join_path(root, "latest");
  const std::string previous = file_exists(latest) ? read_file(latest) : "";
  write_file_atomic(latest, name);
  if (!previous.empty() && previous != name) std::system(("rm -rf '" + join_path(root, previous) + "'").c_str());
}

int64_t SftTrainer::restore() {
  const std::string root = join_path(cfg_.out_dir, "checkpoints");
  const std::string latest = join_path(root, "latest");
  if (!file_exists(latest)) return 0;
  const std::string dir = join_path(root, read_file(latest));
  load_state_dict(*lm_, TensorSource(dir));
  torch::serialize::InputArchive archive;
  archive.load_from(join_path(dir, "trainer_state/optimizer.pt"));
  opt_->load(archive);
  const json st = read_json_file(join_path(dir, "trainer_state/state.json"));
  order_.seek(st["epoch"].get<int64_t>(), st["position"].get<int64_t>());
  IV_LOG(info) << "resuming from " << dir << " at step " << st["step"].get<int64_t>();
  return st["step"].get<int64_t>();
}

SftSummary SftTrainer::run() {
  lm_->train();
  SftSummary summary;
  int64_t step = 0;
  if (!cfg_.out_dir.empty()) {
    make_dirs(cfg_.out_dir);
    if (cfg_.resume) step = restore();
  }
  std::unique_ptr<JsonlAppender> metrics;
  if (!cfg_.out_dir.empty()) metrics = std::make_unique<JsonlAppender>(join_path(cfg_.out_dir, "metrics.jsonl"));
  ProgressOptions popts;
  popts.enabled = cfg_.progress;
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
      for (int64_t i : order_.next()) {
        rows.push_back(&data_[static_cast<size_t>(i)]);
        tokens += static_cast<int64_t>(data_[static_cast<size_t>(i)].ids.size());
      }
      loss += train_step(rows) / static_cast<double>(cfg_.grad_accum);
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
  if (!cfg_.out_dir.empty()) save_checkpoint(cfg_.out_dir, lm_, config_);
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
