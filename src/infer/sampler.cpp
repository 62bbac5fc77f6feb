// infer/sampler.cpp — repetition penalty, greedy, top-k, temperature, top-p and the draw.
#include "infer/sampler.h"

#include <algorithm>
#include <cmath>

#include "util/error.h"

namespace insightv {

Sampler::Sampler(SamplingParams params, uint64_t seed) : params_(params), rng_(seed) {
  check(params.top_p > 0 && params.top_p <= 1, "sampler", "top_p must be in (0, 1], got " + std::to_string(params.top_p));
  check(params.top_k >= 0, "sampler", "top_k must be >= 0");
  check(params.repetition_penalty > 0, "sampler", "repetition_penalty must be > 0");
}

void Sampler::apply_repetition_penalty(std::vector<Candidate>& c, const std::vector<int64_t>& history, float penalty) {
  if (penalty == 1.0f) return;
  // Candidates are indexed by id at this point (the full vocabulary in order). A token that
  // occurs several times is penalised once, as HF's gather/scatter does.
  std::vector<int64_t> ids(history);
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  for (int64_t id : ids) {
    if (id < 0 || id >= static_cast<int64_t>(c.size())) continue;
    float& l = c[static_cast<size_t>(id)].logit;
    l = l > 0 ? l / penalty : l * penalty;
  }
}

int64_t Sampler::argmax(const std::vector<Candidate>& c) {
  size_t best = 0;
  for (size_t i = 1; i < c.size(); ++i)
    if (c[i].logit > c[best].logit) best = i;
  return c[best].id;
}

void Sampler::keep_top_k(std::vector<Candidate>& c, int k) {
  if (k <= 0 || static_cast<size_t>(k) >= c.size()) return;
  std::nth_element(c.begin(), c.begin() + k, c.end(),
                   [](const Candidate& a, const Candidate& b) { return a.logit > b.logit; });
  c.resize(static_cast<size_t>(k));
}

void Sampler::softmax(std::vector<Candidate>& c, float temperature) {
  float mx = -INFINITY;
  for (const auto& x : c) mx = std::max(mx, x.logit);
  double sum = 0;
  for (auto& x : c) {
    x.p = std::exp((x.logit - mx) / temperature);
    sum += x.p;
  }
  for (auto& x : c) x.p = static_cast<float>(x.p / sum);
}

void Sampler::keep_top_p(std::vector<Candidate>& c, float top_p) {
  if (top_p >= 1.0f) return;
  auto by_p = [](const Candidate& a, const Candidate& b) { return a.p > b.p || (a.p == b.p && a.id < b.id); };
  // Most nuclei are small: sort only the head when its mass already reaches top_p.
  size_t head = std::min<size_t>(c.size(), 256);
  std::partial_sort(c.begin(), c.begin() + head, c.end(), by_p);
  double mass = 0;
  size_t keep = 0;
  for (; keep < head; ++keep) {
    mass += c[keep].p;
    if (mass >= top_p) {
      ++keep;
      break;
    }
  }
  if (mass < top_p && head < c.size()) {
    std::sort(c.begin(), c.end(), by_p);
    for (; keep < c.size(); ++keep) {
      mass += c[keep].p;
      if (mass >= top_p) {
        ++keep;
        break;
      }
    }
  }
  c.resize(std::max<size_t>(1, std::min(keep, c.size())));
  double total = 0;
  for (const auto& x : c) total += x.p;
  for (auto& x : c) x.p = static_cast<float>(x.p / total);
}

int64_t Sampler::sample(const float* logits, int64_t V, const std::vector<int64_t>& history) {
  cand_.resize(static_cast<size_t>(V));
  for (int64_t i = 0; i < V; ++i) cand_[static_cast<size_t>(i)] = {i, logits[i], 0.f};
  apply_repetition_penalty(cand_, history, params_.repetition_penalty);
  if (params_.temperature <= 0) return argmax(cand_);
  keep_top_k(cand_, params_.top_k);
  softmax(cand_, params_.temperature);
  keep_top_p(cand_, params_.top_p);
  double u = rng_.uniform(), acc = 0;
  for (const auto& x : cand_) {
    acc += x.p;
    if (u < acc) return x.id;
  }
  return cand_.back().id;
}

}  // namespace insightv
