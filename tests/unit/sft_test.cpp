// Unit tests of the SFT trainer: batch order, label expansion over images, learning on a
// held-out set, resume reproducing an uninterrupted run, and the loss chart of a finished run.
#include <torch/torch.h>

#include <map>
#include <set>

#include <gtest/gtest.h>

#include "io/image.h"
#include "support/subprocess.h"
#include "train/sft.h"
#include "util/fs.h"
#include "util/rng.h"

using namespace insightv;

namespace {

ModelConfig tiny_config(bool multimodal) {
  ModelConfig c = preset_config("nano");
  c.text.vocab_size = 40;
  c.text.hidden_size = 32;
  c.text.intermediate_size = 64;
  c.text.num_hidden_layers = 2;
  c.text.num_attention_heads = 4;
  c.text.num_key_value_heads = 2;
  c.text.head_dim = 8;
  c.vision->image_size = 16;
  c.vision->patch_size = 8;
  c.vision->hidden_size = 16;
  c.vision->intermediate_size = 32;
  c.vision->num_hidden_layers = 1;
  c.vision->num_attention_heads = 2;
  c.mm.mm_hidden_size = 16;
  if (!multimodal) c.vision.reset();
  return c;
}

// "x, x+1, x+2, ..." (wrapping inside 3..39) after a prompt of two random tokens; only the
// counting part is scored.
std::vector<TrainExample> copy_task(int n, uint64_t seed) {
  Rng rng(seed);
  std::vector<TrainExample> out;
  for (int i = 0; i < n; ++i) {
    TrainExample e;
    e.ids = {rng.uniform_int(3, 39), rng.uniform_int(3, 39)};
    int64_t x = rng.uniform_int(3, 39);
    const int len = static_cast<int>(rng.uniform_int(4, 10));
    for (int j = 0; j < len; ++j, x = 3 + (x - 3 + 1) % 37) e.ids.push_back(x);
    e.labels = e.ids;
    e.labels[0] = e.labels[1] = e.labels[2] = -100;
    out.push_back(e);
  }
  return out;
}

TrainConfig quick_config(int64_t steps) {
  TrainConfig t;
  t.steps = steps;
  t.batch_size = 8;
  t.optim.lr = 3e-3;
  t.optim.warmup_ratio = 0.1;
  t.progress = false;
  t.seed = 1;
  return t;
}

}  // namespace

TEST(BatchOrder, CoversEveryExampleOncePerEpochAndSeeksExactly) {
  std::vector<int64_t> lengths;
  for (int i = 0; i < 37; ++i) lengths.push_back(i % 11);
  BatchOrder a(lengths, 4, 9);
  std::multiset<int64_t> seen;
  for (int64_t b = 0; b < a.batches_per_epoch(); ++b)
    for (int64_t i : a.next()) seen.insert(i);
  EXPECT_EQ(seen.size(), 37u);
  EXPECT_EQ(std::set<int64_t>(seen.begin(), seen.end()).size(), 37u);
  auto after = a.next();  // first batch of epoch 1
  BatchOrder b(lengths, 4, 9);
  b.seek(1, 0);
  EXPECT_EQ(b.next(), after);
}

TEST(Sft, LabelsOverImageTokensAreIgnored) {
  ModelConfig c = tiny_config(true);
  c.mm.image_token_index = 1;
  torch::manual_seed(0);
  MultimodalLM lm(c);
  TrainExample e{{5, 1, 6, 7}, {-100, -100, 6, 7}, "img"};
  SftTrainer t(lm, c, {e}, quick_config(1), [&](const std::string&) {
    return ImageTiles{torch::randn({1, 3, 16, 16}), {16, 16}};
  });
  auto [x, labels] = t.build_batch({&e});
  // 4 patches replace the placeholder: 3 text + 4 image tokens.
  ASSERT_EQ(x.size(1), 7);
  auto row = labels[0].contiguous();
  EXPECT_EQ(std::vector<int64_t>(row.data_ptr<int64_t>(), row.data_ptr<int64_t>() + row.numel()),
            (std::vector<int64_t>{-100, -100, -100, -100, -100, 6, 7}));
}

// Each tunable part trains exactly its own weights: the tower only when named (it then runs with
// gradients instead of from the feature cache), the projector and the decoder likewise.
TEST(Sft, TunablePartsTrainExactlyTheirWeights) {
  ModelConfig c = tiny_config(true);
  c.mm.image_token_index = 1;
  auto part_of = [](const std::string& name) -> std::string {
    if (name.find("vision_tower") != std::string::npos) return "mm_vision_tower";
    if (name.find("mm_projector") != std::string::npos || name == "model.image_newline") return "mm_mlp_adapter";
    return "mm_language_model";
  };
  for (const std::string parts : {"mm_vision_tower", "mm_mlp_adapter", "mm_language_model",
                                  "mm_vision_tower,mm_mlp_adapter,mm_language_model"}) {
    SCOPED_TRACE(parts);
    torch::manual_seed(0);
    MultimodalLM lm(c);
    std::map<std::string, torch::Tensor> before;
    for (const auto& p : lm->named_parameters()) before[p.key()] = p.value().detach().clone();
    std::vector<TrainExample> data;
    for (int i = 0; i < 8; ++i) data.push_back({{5, 1, 6, 7 + i % 3}, {-100, -100, 6, 7 + i % 3}, "img" + std::to_string(i % 4)});
    TrainConfig t = quick_config(2);
    t.tunable_parts = parts;
    SftTrainer trainer(lm, c, data, t, [](const std::string& key) {
      torch::manual_seed(static_cast<uint64_t>(key.back()));
      return ImageTiles{torch::randn({1, 3, 16, 16}), {16, 16}};
    });
    trainer.run();
    int changed = 0, kept = 0;
    for (const auto& p : lm->named_parameters()) {
      const bool tuned = parts.find(part_of(p.key())) != std::string::npos;
      const bool moved = !torch::equal(before[p.key()], p.value().detach());
      // Every weight of a tuned part gets a gradient here (all image tokens reach the loss),
      // except the unused post_layernorm (the tower's output is the last layer before it) and
      // image_newline (only anyres grids use it).
      if (p.key().find("post_layernorm") != std::string::npos || p.key() == "model.image_newline") continue;
      EXPECT_EQ(moved, tuned) << p.key();
      (moved ? changed : kept) += 1;
    }
    EXPECT_GT(changed, 0);
  }
}

TEST(Sft, TinyRunLowersHeldOutLoss) {
  const ModelConfig c = tiny_config(false);
  torch::manual_seed(0);
  MultimodalLM lm(c);
  const auto train = copy_task(256, 1), held_out = copy_task(64, 2);
  SftTrainer t(lm, c, train, quick_config(150));
  const double before = t.eval_loss(held_out);
  const auto summary = t.run();
  const double after = t.eval_loss(held_out);
  EXPECT_EQ(summary.steps, 150);
  EXPECT_LT(after, before * 0.5) << "held-out loss " << before << " -> " << after;
}

TEST(Sft, Bf16AutocastStillLearnsAndKeepsFp32MasterWeights) {
  const ModelConfig c = tiny_config(false);
  torch::manual_seed(0);
  MultimodalLM lm(c);
  const auto train = copy_task(256, 1), held_out = copy_task(64, 2);
  TrainConfig cfg = quick_config(150);
  cfg.bf16 = true;
  SftTrainer t(lm, c, train, cfg);
  const double before = t.eval_loss(held_out);
  t.run();
  const double after = t.eval_loss(held_out);
  EXPECT_LT(after, before * 0.5) << "held-out loss " << before << " -> " << after;
  for (const auto& p : lm->parameters()) EXPECT_EQ(p.scalar_type(), torch::kFloat32);
}

TEST(Sft, ResumeReproducesTheUninterruptedRun) {
  const ModelConfig c = tiny_config(false);
  const auto data = copy_task(64, 3);
  const std::string root = test::make_temp_dir("resume");
  auto run = [&](const std::string& out, int64_t stop_after, bool resume) {
    torch::manual_seed(0);
    MultimodalLM lm(c);
    TrainConfig cfg = quick_config(8);
    cfg.out_dir = out;
    cfg.save_every = 3;
    cfg.stop_after = stop_after;
    cfg.resume = resume;
    SftTrainer t(lm, c, data, cfg);
    auto s = t.run();
    return std::make_pair(lm, s);
  };
  auto [full, full_summary] = run(root + "/full", 0, false);
  run(root + "/cut", 4, false);            // dies after step 4; step 3's checkpoint survives
  EXPECT_EQ(read_file(root + "/cut/checkpoints/latest"), "ckpt-3");
  auto [resumed, resumed_summary] = run(root + "/cut", 0, true);
  ASSERT_EQ(resumed_summary.losses.size(), 5u);  // steps 4..8
  for (size_t i = 0; i < 5; ++i) EXPECT_DOUBLE_EQ(resumed_summary.losses[i], full_summary.losses[3 + i]) << i;
  for (const auto& item : full->named_parameters())
    EXPECT_TRUE(torch::equal(item.value(), resumed->named_parameters()[item.key()])) << item.key();
}

TEST(Sft, FinishedRunWritesALossChart) {
  const ModelConfig c = tiny_config(false);
  const std::string out = test::make_temp_dir("sft-chart") + "/run";
  torch::manual_seed(0);
  MultimodalLM lm(c);
  TrainConfig cfg = quick_config(3);
  cfg.out_dir = out;
  SftTrainer(lm, c, copy_task(16, 4), cfg).run();
  const Image img = read_image(out + "/loss.png");
  EXPECT_EQ(img.width, 800);
  EXPECT_EQ(img.height, 480);
  EXPECT_FALSE(file_exists(out + "/rewards.png"));
}
