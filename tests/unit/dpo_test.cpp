// Unit tests of the DPO trainer: the reference cache (hit, invalidation), and that training
// separates chosen from rejected answers, and the loss and reward charts of a finished run.
#include <torch/torch.h>

#include <gtest/gtest.h>

#include "io/image.h"
#include "support/subprocess.h"
#include "train/dpo.h"
#include "util/fs.h"
#include "util/rng.h"

using namespace insightv;

namespace {

ModelConfig text_config() {
  ModelConfig c = preset_config("nano");
  c.vision.reset();
  c.text.vocab_size = 40;
  c.text.hidden_size = 32;
  c.text.intermediate_size = 64;
  c.text.num_hidden_layers = 2;
  c.text.num_attention_heads = 4;
  c.text.num_key_value_heads = 2;
  c.text.head_dim = 8;
  return c;
}

// Prompt "x y", chosen continues with x+1, x+2; rejected with random tokens.
std::vector<PreferenceExample> pairs(int n, uint64_t seed) {
  Rng rng(seed);
  std::vector<PreferenceExample> out;
  for (int i = 0; i < n; ++i) {
    const int64_t a = rng.uniform_int(3, 30), b = rng.uniform_int(3, 30);
    auto make = [&](std::vector<int64_t> answer) {
      TrainExample e;
      e.ids = {a, b};
      e.ids.insert(e.ids.end(), answer.begin(), answer.end());
      e.labels = e.ids;
      e.labels[0] = e.labels[1] = -100;
      return e;
    };
    out.push_back({std::to_string(i), make({a + 1, a + 2, a + 3}),
                   make({rng.uniform_int(3, 39), rng.uniform_int(3, 39), rng.uniform_int(3, 39)})});
  }
  return out;
}

DpoTrainConfig dpo_config(const std::string& out, int64_t steps) {
  DpoTrainConfig c;
  c.train.steps = steps;
  c.train.batch_size = 8;
  c.train.optim.lr = 2e-3;
  c.train.progress = false;
  c.train.out_dir = out;
  c.dpo.beta = 0.5;
  return c;
}

}  // namespace

TEST(Dpo, ReferenceLogProbsEqualTheStartingPolicyAndAreCached) {
  const std::string dir = test::make_temp_dir("dpo");
  const ModelConfig c = text_config();
  const auto data = pairs(12, 1);
  torch::manual_seed(0);
  MultimodalLM lm(c);
  DpoTrainer first(lm, c, data, dpo_config(dir + "/a", 1));
  EXPECT_FALSE(first.prepare_reference());  // computed
  {
    torch::NoGradGuard g;
    lm->eval();
    auto x = lm->embed(torch::tensor(data[3].chosen.ids).unsqueeze(0));
    auto logits = lm->forward(x, {}).logits;
    auto labels = torch::tensor(data[3].chosen.labels).unsqueeze(0);
    EXPECT_NEAR(first.reference_chosen()[3], sequence_logprob(logits, labels).item<double>(), 1e-4);
  }
  DpoTrainer second(lm, c, data, dpo_config(dir + "/a", 1));
  EXPECT_TRUE(second.prepare_reference());  // same weights + data → cache hit
  EXPECT_EQ(second.reference_chosen(), first.reference_chosen());
  {
    torch::NoGradGuard g;
    lm->named_parameters()["model.norm.weight"].add_(0.01);  // a different reference
  }
  DpoTrainer third(lm, c, data, dpo_config(dir + "/a", 1));
  EXPECT_FALSE(third.prepare_reference());
  auto other = data;
  other[0].rejected.ids[2] = 5;  // different data
  DpoTrainer fourth(lm, c, other, dpo_config(dir + "/a", 1));
  EXPECT_NE(fourth.reference_key(), third.reference_key());
}

TEST(Dpo, TrainingSeparatesChosenFromRejected) {
  const std::string dir = test::make_temp_dir("dpo");
  const ModelConfig c = text_config();
  torch::manual_seed(0);
  MultimodalLM lm(c);
  DpoTrainer t(lm, c, pairs(64, 2), dpo_config(dir + "/run", 40));
  const DpoSummary s = t.run();
  ASSERT_EQ(s.steps, 40);
  EXPECT_FALSE(s.reference_cache_hit);
  EXPECT_LT(s.losses.back(), s.losses.front());
  EXPECT_GT(s.margins.back(), 0.5);
  EXPECT_GE(s.accuracies.back(), 0.9);
  EXPECT_TRUE(file_exists(dir + "/run/model.safetensors"));
  EXPECT_EQ(read_jsonl(dir + "/run/metrics.jsonl").size(), 40u);
}

TEST(Dpo, FinishedRunWritesLossAndRewardCharts) {
  const std::string dir = test::make_temp_dir("dpo-chart");
  const ModelConfig c = text_config();
  torch::manual_seed(0);
  MultimodalLM lm(c);
  DpoTrainer(lm, c, pairs(8, 3), dpo_config(dir + "/run", 2)).run();
  EXPECT_EQ(read_image(dir + "/run/loss.png").width, 800);
  EXPECT_EQ(read_image(dir + "/run/rewards.png").height, 480);
}
