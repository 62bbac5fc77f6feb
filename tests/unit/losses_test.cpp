// Unit tests of train/losses against values computed independently (explicit loops in double).
#include <torch/torch.h>

#include <cmath>

#include <gtest/gtest.h>

#include "support/tensor_compare.h"
#include "train/losses.h"

using namespace insightv;

namespace {
// log softmax of one row, by hand.
double logp(const torch::Tensor& row, int64_t id) {
  double mx = -1e300;
  for (int64_t v = 0; v < row.size(0); ++v) mx = std::max(mx, row[v].item<double>());
  double s = 0;
  for (int64_t v = 0; v < row.size(0); ++v) s += std::exp(row[v].item<double>() - mx);
  return row[id].item<double>() - mx - std::log(s);
}
}  // namespace

TEST(Losses, MaskedNllScoresExactlyTheLabelledTokens) {
  torch::manual_seed(0);
  auto logits = torch::randn({2, 5, 7}, torch::kFloat64);
  auto labels = torch::tensor({{-100, -100, 3, 1, -100}, {-100, 2, 2, 6, 0}}, torch::kInt64);
  double total = 0;
  int n = 0;
  std::vector<double> per_row(2, 0.0);
  for (int b = 0; b < 2; ++b)
    for (int t = 0; t + 1 < 5; ++t) {
      const int64_t y = labels[b][t + 1].item<int64_t>();
      if (y == -100) continue;
      const double lp = logp(logits[b][t], y);
      total -= lp;
      per_row[b] += lp;
      ++n;
    }
  EXPECT_NEAR(causal_lm_loss(logits, labels).item<double>(), total / n, 1e-6);
  auto seq = sequence_logprob(logits, labels);
  EXPECT_NEAR(seq[0].item<double>(), per_row[0], 1e-6);
  EXPECT_NEAR(seq[1].item<double>(), per_row[1], 1e-6);
  EXPECT_EQ(scored_tokens(labels)[0].item<int64_t>(), 2);
  EXPECT_EQ(scored_tokens(labels)[1].item<int64_t>(), 4);
}

TEST(Losses, BatchWithoutScoredTokensGivesZeroNotNan) {
  auto logits = torch::randn({1, 4, 5});
  auto labels = torch::full({1, 4}, -100, torch::kInt64);
  EXPECT_EQ(causal_lm_loss(logits, labels).item<double>(), 0.0);
}

TEST(Losses, DpoMatchesTheFormulaAndItsGradient) {
  auto pc = torch::tensor({-10.0, -4.0}, torch::kFloat64).requires_grad_(true);
  auto pr = torch::tensor({-12.0, -3.0}, torch::kFloat64).requires_grad_(true);
  auto rc = torch::tensor({-11.0, -4.5}, torch::kFloat64);
  auto rr = torch::tensor({-11.5, -3.5}, torch::kFloat64);
  const double beta = 0.1;
  auto out = dpo_loss(pc, pr, rc, rr, DpoConfig{beta, 1.0, 0.0});
  // Row 0: z = (−10+12) − (−11+11.5) = 1.5; row 1: z = (−4+3) − (−4.5+3.5) = 0.
  auto l = [&](double z) { return std::log1p(std::exp(-beta * z)); };
  EXPECT_NEAR(out.loss.item<double>(), (l(1.5) + l(0.0)) / 2, 1e-12);
  EXPECT_NEAR(out.chosen_rewards[0].item<double>(), beta * 1.0, 1e-12);
  EXPECT_NEAR(out.rejected_rewards[1].item<double>(), beta * 0.5, 1e-12);
  EXPECT_DOUBLE_EQ(out.accuracy, 0.5);  // row 0: 0.1 > −0.05; row 1: 0.05 > 0.05 is false
  out.loss.backward();
  // d/dpc of mean(−log σ(βz)) = −β σ(−βz) / B
  auto sig = [](double x) { return 1 / (1 + std::exp(-x)); };
  EXPECT_NEAR(pc.grad()[0].item<double>(), -beta * sig(-beta * 1.5) / 2, 1e-12);
  EXPECT_NEAR(pr.grad()[0].item<double>(), beta * sig(-beta * 1.5) / 2, 1e-12);
}

TEST(Losses, DpoBetaAndSftTermVariants) {
  auto pc = torch::tensor({-2.0}, torch::kFloat64), pr = torch::tensor({-3.0}, torch::kFloat64);
  auto rc = torch::tensor({-2.5}, torch::kFloat64), rr = torch::tensor({-2.5}, torch::kFloat64);
  auto nll = torch::tensor({0.7}, torch::kFloat64);
  const double z = 1.0;
  for (double beta : {0.1, 0.5, 2.0}) {
    auto plain = dpo_loss(pc, pr, rc, rr, DpoConfig{beta, 1.0, 0.0});
    EXPECT_NEAR(plain.loss.item<double>(), std::log1p(std::exp(-beta * z)), 1e-12);
    auto with_sft = dpo_loss(pc, pr, rc, rr, DpoConfig{beta, 0.5, 1.0}, nll);
    EXPECT_NEAR(with_sft.loss.item<double>(), 0.5 * std::log1p(std::exp(-beta * z)) + 0.7, 1e-12);
  }
  EXPECT_ANY_THROW(dpo_loss(pc, pr, rc, rr, DpoConfig{0.1, 1.0, 1.0}));  // gamma without NLL
}
