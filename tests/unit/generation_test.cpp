// Unit tests of infer/: the sampler chain and the generator (batching, stops, seeds, streaming,
// prefix reuse).
#include <torch/torch.h>

#include <map>

#include <gtest/gtest.h>

#include "infer/generator.h"
#include "infer/sampler.h"
#include "util/error.h"

using namespace insightv;

namespace {

MultimodalLM tiny_lm(uint64_t seed = 0) {
  ModelConfig c = preset_config("nano");
  c.vision.reset();
  c.text.vocab_size = 64;
  c.text.hidden_size = 32;
  c.text.intermediate_size = 48;
  c.text.num_hidden_layers = 2;
  c.text.num_attention_heads = 4;
  c.text.num_key_value_heads = 2;
  c.text.head_dim = 8;
  torch::manual_seed(static_cast<int64_t>(seed));
  MultimodalLM m(c);
  // Larger weights than the default init so that greedy choices are well separated.
  torch::NoGradGuard g;
  for (auto& p : m->parameters()) p.mul_(3.0);
  m->eval();
  return m;
}

Prompt prompt_of(std::vector<int64_t> ids) { return Prompt{std::move(ids), {}}; }

}  // namespace

TEST(Sampler, GreedyPicksArgmax) {
  Sampler s(SamplingParams{}, 0);
  const float logits[5] = {0.1f, 2.0f, -1.0f, 1.9f, 0.0f};
  EXPECT_EQ(s.sample(logits, 5, {}), 1);
}

TEST(Sampler, RepetitionPenaltyFollowsHfSemanticsOncePerToken) {
  std::vector<Candidate> c{{0, 2.0f, 0}, {1, -1.0f, 0}, {2, 1.0f, 0}};
  Sampler::apply_repetition_penalty(c, {0, 1, 0, 0}, 2.0f);
  EXPECT_FLOAT_EQ(c[0].logit, 1.0f);   // positive: divided (once, though it occurs 3 times)
  EXPECT_FLOAT_EQ(c[1].logit, -2.0f);  // negative: multiplied
  EXPECT_FLOAT_EQ(c[2].logit, 1.0f);   // not in history
}

TEST(Sampler, TopKAndTopPKeepTheRightCandidates) {
  std::vector<Candidate> c;
  for (int i = 0; i < 10; ++i) c.push_back({i, static_cast<float>(i), 0});
  Sampler::keep_top_k(c, 3);
  ASSERT_EQ(c.size(), 3u);
  for (const auto& x : c) EXPECT_GE(x.id, 7);
  // probabilities 0.5, 0.3, 0.2: top_p 0.7 keeps the first two, renormalised.
  std::vector<Candidate> d{{0, 0, 0.2f}, {1, 0, 0.5f}, {2, 0, 0.3f}};
  Sampler::keep_top_p(d, 0.7f);
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].id, 1);
  EXPECT_NEAR(d[0].p, 0.625f, 1e-6);
  // A nucleus bigger than the 256-candidate head falls back to the full sort.
  std::vector<Candidate> flat;
  for (int i = 0; i < 1000; ++i) flat.push_back({i, 0, 0.001f});
  Sampler::keep_top_p(flat, 0.5f);
  EXPECT_EQ(flat.size(), 500u);
}

TEST(Sampler, SameSeedSameDrawsAndDistributionMatchesSoftmax) {
  SamplingParams p;
  p.temperature = 1.0f;
  const float logits[3] = {0.0f, std::log(2.0f), std::log(7.0f)};  // probs 0.1, 0.2, 0.7
  Sampler a(p, 11), b(p, 11);
  std::map<int64_t, int> counts;
  for (int i = 0; i < 20000; ++i) {
    const int64_t x = a.sample(logits, 3, {});
    EXPECT_EQ(x, b.sample(logits, 3, {}));
    counts[x]++;
  }
  EXPECT_NEAR(counts[0] / 20000.0, 0.1, 0.01);
  EXPECT_NEAR(counts[2] / 20000.0, 0.7, 0.015);
  EXPECT_THROW(Sampler(SamplingParams{1.0f, 0, 0.0f, 1.0f, 0}, 0), Error);
}

TEST(Generator, BatchedGreedyEqualsOneByOne) {
  Generator gen(tiny_lm());
  GenerationParams p;
  p.max_new_tokens = 12;
  const std::vector<std::vector<int64_t>> prompts{{1, 5, 9}, {2, 7, 3, 8, 8, 4, 11}, {6}};
  std::vector<Prompt> batch;
  for (const auto& ids : prompts) batch.push_back(prompt_of(ids));
  auto batched = gen.generate(batch, {p});
  for (size_t i = 0; i < prompts.size(); ++i) {
    auto alone = gen.generate({prompt_of(prompts[i])}, {p});
    EXPECT_EQ(batched[i].tokens, alone[0].tokens) << "row " << i;
    EXPECT_EQ(batched[i].finish_reason, "length");
    EXPECT_EQ(batched[i].prompt_tokens, static_cast<int64_t>(prompts[i].size()));
  }
}

TEST(Generator, StopIdEndsOneRowWhileOthersContinue) {
  Generator gen(tiny_lm());
  GenerationParams p;
  p.max_new_tokens = 10;
  auto free_run = gen.generate({prompt_of({1, 2, 3})}, {p});
  ASSERT_GE(free_run[0].tokens.size(), 4u);
  GenerationParams stop = p;
  stop.stop_ids = {free_run[0].tokens[3]};
  auto both = gen.generate({prompt_of({1, 2, 3}), prompt_of({4, 5})}, {stop, p});
  // Row 0 stops at the first occurrence of that token (excluded from the output).
  const auto& t = free_run[0].tokens;
  const size_t first = std::find(t.begin(), t.end(), t[3]) - t.begin();
  EXPECT_EQ(both[0].finish_reason, "stop");
  EXPECT_EQ(both[0].tokens, std::vector<int64_t>(t.begin(), t.begin() + first));
  EXPECT_EQ(both[1].tokens.size(), 10u);
}

TEST(Generator, SeededSamplingIsReproducibleAndSampleNSharesThePrefix) {
  Generator gen(tiny_lm(2));
  GenerationParams p;
  p.max_new_tokens = 8;
  p.sampling.temperature = 1.0f;
  p.sampling.seed = 123;
  auto a = gen.sample_n(prompt_of({3, 1, 4, 1, 5}), 4, p);
  auto b = gen.sample_n(prompt_of({3, 1, 4, 1, 5}), 4, p);
  ASSERT_EQ(a.size(), 4u);
  bool any_differ = false;
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(a[i].tokens, b[i].tokens);
    any_differ = any_differ || a[i].tokens != a[0].tokens;
  }
  EXPECT_TRUE(any_differ) << "rows of one request should get distinct random streams";
  // sample_n equals prefilling the same prompt n times in a batch.
  std::vector<Prompt> same(4, prompt_of({3, 1, 4, 1, 5}));
  auto c = gen.generate(same, {p});
  for (int i = 0; i < 4; ++i) EXPECT_EQ(c[i].tokens, a[i].tokens);
}

TEST(Generator, StreamingCallbackSeesEveryTokenAndCanCancel) {
  Generator gen(tiny_lm());
  GenerationParams p;
  p.max_new_tokens = 6;
  std::vector<int64_t> seen;
  auto r = gen.generate({prompt_of({1, 2})}, {p}, [&](size_t row, int64_t tok) {
    EXPECT_EQ(row, 0u);
    seen.push_back(tok);
    return seen.size() < 3;
  });
  EXPECT_EQ(r[0].finish_reason, "cancelled");
  EXPECT_EQ(r[0].tokens, seen);
  EXPECT_EQ(seen.size(), 3u);
}

TEST(Generator, ContinuingFromAClonedPrefixEqualsAFullPrefill) {
  Generator gen(tiny_lm(4));
  GenerationParams p;
  p.max_new_tokens = 5;
  DecodeState prefix = gen.prefill({prompt_of({7, 8, 9})});
  DecodeState s = prefix.clone();
  gen.extend(s, {10, 11});
  auto via_prefix = gen.decode(s, {p});
  auto direct = gen.generate({prompt_of({7, 8, 9, 10, 11})}, {p});
  EXPECT_EQ(via_prefix[0].tokens, direct[0].tokens);
  EXPECT_EQ(prefix.rows(), 1);  // the saved prefix is untouched
}

TEST(Generator, StopStringsUseTheDetokenizer) {
  // A detokenizer that spells token t as the letter 'a' + t % 26.
  Generator gen(tiny_lm(), [](const std::vector<int64_t>& ids) {
    std::string s;
    for (int64_t t : ids) s.push_back(static_cast<char>('a' + t % 26));
    return s;
  });
  GenerationParams p;
  p.max_new_tokens = 10;
  auto free_run = gen.generate({prompt_of({1, 2})}, {p});
  ASSERT_GE(free_run[0].tokens.size(), 3u);
  p.stop_strings = {std::string(1, static_cast<char>('a' + free_run[0].tokens[2] % 26))};
  auto r = gen.generate({prompt_of({1, 2})}, {p});
  EXPECT_EQ(r[0].finish_reason, "stop");
  EXPECT_LE(r[0].tokens.size(), 3u);
  EXPECT_EQ(r[0].stop_string, p.stop_strings[0]);
}
