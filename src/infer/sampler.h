// infer/sampler.h — turning one row of logits into a token: a chain of small samplers.
//
//   repetition penalty → (greedy | top-k → temperature → softmax → top-p → draw)
//
// Each stage works on a candidate list (id, logit) and never sorts the whole vocabulary: top-k
// uses a partial selection, and top-p first tries the 256 most likely candidates and only
// falls back to a full sort when their mass is below p. Semantics follow Hugging Face's
// logits processors (repetition penalty divides positive logits and multiplies negative ones
// by the penalty, for every token already in the sequence, prompt included).
//
//   SamplingParams p; p.temperature = 0.7; p.top_p = 0.95; p.repetition_penalty = 1.05;
//   Sampler s(p, /*seed=*/42);
//   int64_t tok = s.sample(logits_row, V, history);
// Deterministic for a seed. Not thread-safe (one Sampler per sequence).
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "util/rng.h"

namespace insightv {

struct SamplingParams {
  float temperature = 0.0f;        // <= 0: greedy
  int top_k = 0;                   // 0: off
  float top_p = 1.0f;              // 1: off
  float repetition_penalty = 1.0f; // 1: off
  uint64_t seed = 0;
};

struct Candidate {
  int64_t id;
  float logit;  // after the stages so far; `p` holds the probability once computed
  float p;
};

class Sampler {
 public:
  Sampler(SamplingParams params, uint64_t seed);
  // logits: V contiguous floats. history: the ids so far (prompt + generated).
  int64_t sample(const float* logits, int64_t V, const std::vector<int64_t>& history);
  const SamplingParams& params() const { return params_; }

  // The stages, exposed for tests.
  static void apply_repetition_penalty(std::vector<Candidate>& c, const std::vector<int64_t>& history, float penalty);
  static int64_t argmax(const std::vector<Candidate>& c);
  static void keep_top_k(std::vector<Candidate>& c, int k);
  static void softmax(std::vector<Candidate>& c, float temperature);  // fills p
  static void keep_top_p(std::vector<Candidate>& c, float top_p);     // needs p; renormalises

 private:
  SamplingParams params_;
  Rng rng_;
  std::vector<Candidate> cand_;
};

}  // namespace insightv
