// Unit tests of infer/batch_engine (continuous batching without HTTP) and of the generator's
// step-level pieces it is built from (merge, keep_rows, step).
#include <torch/torch.h>

#include <future>

#include <gtest/gtest.h>

#include "infer/batch_engine.h"
#include "support/tiny_agents.h"

using namespace insightv;

namespace {
MultimodalLM lm() { return test::tiny_multimodal_lm(300, 7); }
Prompt text_prompt(int len, int salt) {
  Prompt p;
  for (int i = 0; i < len; ++i) p.ids.push_back((i * 37 + salt * 11) % 250);
  return p;
}
GenerationParams greedy(int n) {
  GenerationParams g;
  g.max_new_tokens = n;
  return g;
}
}  // namespace

TEST(Generator, MergedStatesDecodeLikeSeparateOnes) {
  Generator gen(lm());
  auto alone_a = gen.generate({text_prompt(5, 1)}, {greedy(8)})[0].tokens;
  auto alone_b = gen.generate({text_prompt(11, 2)}, {greedy(8)})[0].tokens;
  DecodeState a = gen.prefill({text_prompt(5, 1)});
  // a runs 3 steps alone, then b joins: caches of different lengths are merged.
  std::vector<int64_t> a_tokens;
  for (int i = 0; i < 3; ++i) {
    const int64_t t = a.last_logits[0].argmax().item<int64_t>();
    a_tokens.push_back(t);
    gen.step(a, {t});
  }
  Generator::merge(a, gen.prefill({text_prompt(11, 2)}));
  ASSERT_EQ(a.rows(), 2);
  std::vector<int64_t> b_tokens;
  for (int i = 0; i < 5; ++i) {
    const int64_t ta = a.last_logits[0].argmax().item<int64_t>(), tb = a.last_logits[1].argmax().item<int64_t>();
    a_tokens.push_back(ta);
    b_tokens.push_back(tb);
    gen.step(a, {ta, tb});
  }
  Generator::keep_rows(a, {1});  // a leaves; b continues alone
  for (int i = 0; i < 3; ++i) {
    const int64_t tb = a.last_logits[0].argmax().item<int64_t>();
    b_tokens.push_back(tb);
    gen.step(a, {tb});
  }
  EXPECT_EQ(a_tokens, alone_a);
  EXPECT_EQ(b_tokens, alone_b);
}

// A short row that joined a long one is left-padded to its length; when the long row leaves,
// the padding columns go (the shared time axis would otherwise only grow on a busy server), and
// the short row decodes exactly as it would alone.
TEST(Generator, PaddingIsTrimmedWhenTheRowsThatNeededItLeave) {
  Generator gen(lm());
  auto alone_b = gen.generate({text_prompt(4, 2)}, {greedy(10)})[0].tokens;
  DecodeState a = gen.prefill({text_prompt(60, 1)});
  Generator::merge(a, gen.prefill({text_prompt(4, 2)}));
  ASSERT_EQ(a.cache.length, 60);
  std::vector<int64_t> b_tokens;
  for (int i = 0; i < 4; ++i) {
    const int64_t ta = a.last_logits[0].argmax().item<int64_t>(), tb = a.last_logits[1].argmax().item<int64_t>();
    b_tokens.push_back(tb);
    gen.step(a, {ta, tb});
  }
  ASSERT_EQ(a.cache.length, 64);
  Generator::keep_rows(a, {1});  // the long row leaves: 56 leading columns were padding for b
  EXPECT_EQ(a.cache.length, 8);   // b's 4 prompt tokens + 4 generated
  EXPECT_EQ(a.key_padding.size(1), 8);
  for (int i = 0; i < 6; ++i) {
    const int64_t tb = a.last_logits[0].argmax().item<int64_t>();
    b_tokens.push_back(tb);
    gen.step(a, {tb});
  }
  EXPECT_EQ(b_tokens, alone_b);
}

TEST(BatchEngine, ConcurrentRequestsGetTheirOwnGreedyResults) {
  Generator gen(lm());
  std::vector<std::vector<int64_t>> expected;
  for (int i = 0; i < 6; ++i) expected.push_back(gen.generate({text_prompt(3 + 2 * i, i)}, {greedy(6 + i)})[0].tokens);
  BatchEngine engine(lm());
  std::vector<std::shared_ptr<EngineJob>> jobs;
  for (int i = 0; i < 6; ++i) {
    EngineRequest r;
    r.prompt = text_prompt(3 + 2 * i, i);
    r.params = greedy(6 + i);
    jobs.push_back(engine.submit(std::move(r)));
    if (i % 2 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));  // join mid-flight
  }
  for (int i = 0; i < 6; ++i) {
    auto res = jobs[i]->wait();
    ASSERT_EQ(res.size(), 1u);
    EXPECT_EQ(res[0].tokens, expected[i]) << "request " << i;
    EXPECT_EQ(res[0].finish_reason, "length");
  }
  EXPECT_GT(engine.stats().row_steps, engine.stats().steps);  // some steps were shared
}

TEST(BatchEngine, SamplesOfOneRequestStreamToTheirIndex) {
  BatchEngine engine(lm());
  std::mutex mu;
  std::vector<int> counts(3, 0);
  EngineRequest r;
  r.prompt = text_prompt(4, 3);
  r.params = greedy(5);
  r.params.sampling.temperature = 1.0f;
  r.n = 3;
  r.on_token = [&](size_t s, int64_t) {
    std::lock_guard<std::mutex> lock(mu);
    ++counts[s];
    return true;
  };
  auto res = engine.submit(std::move(r))->wait();
  ASSERT_EQ(res.size(), 3u);
  for (int s = 0; s < 3; ++s) EXPECT_EQ(counts[s], static_cast<int>(res[s].tokens.size()));
}

TEST(BatchEngine, CancelledRequestLeavesAndOthersFinish) {
  BatchEngine engine(lm());
  std::promise<void> started;
  std::atomic<bool> first{true};
  EngineRequest a;
  a.prompt = text_prompt(4, 1);
  a.params = greedy(100000);
  a.on_token = [&](size_t, int64_t) {
    if (first.exchange(false)) started.set_value();
    return true;
  };
  auto ja = engine.submit(std::move(a));
  started.get_future().wait();
  EngineRequest b;
  b.prompt = text_prompt(6, 2);
  b.params = greedy(4);
  auto jb = engine.submit(std::move(b));
  EXPECT_EQ(jb->wait()[0].tokens.size(), 4u);
  ja->cancel();
  EXPECT_EQ(ja->wait()[0].finish_reason, "cancelled");
}

TEST(BatchEngine, FullQueueAndLongPromptsAreRefused) {
  EngineOptions o;
  o.max_rows = 1;
  o.queue_capacity = 1;
  o.max_prompt_tokens = 20;
  BatchEngine engine(lm(), nullptr, o);
  EngineRequest big;
  big.prompt = text_prompt(21, 0);
  EXPECT_THROW(engine.submit(std::move(big)), PromptTooLongError);
  std::promise<void> started;
  std::atomic<bool> first{true};
  EngineRequest a;
  a.prompt = text_prompt(4, 1);
  a.params = greedy(100000);
  a.on_token = [&](size_t, int64_t) {
    if (first.exchange(false)) started.set_value();
    return true;
  };
  auto ja = engine.submit(std::move(a));
  started.get_future().wait();  // a holds the only row
  EngineRequest b;
  b.prompt = text_prompt(4, 2);
  b.params = greedy(2);
  auto jb = engine.submit(b);   // waits in the queue
  EXPECT_THROW(engine.submit(b), QueueFullError);
  ja->cancel();
  EXPECT_EQ(jb->wait()[0].tokens.size(), 2u);
}
