// util/rng.h — a seeded, portable random number generator.
//
// std::mt19937 is portable but std::uniform_int_distribution & co. are not (their output
// differs between standard libraries), and VisWorld promises byte-identical output for a
// seed everywhere. Rng is xoshiro256** seeded through splitmix64, with its own
// distributions. Not thread-safe: give each thread its own Rng (derive with fork()).
//
//   Rng rng(42);
//   int k = rng.uniform_int(1, 6);          // inclusive bounds
//   double x = rng.uniform();               // [0, 1)
//   rng.shuffle(vec);
//   Rng child = rng.fork(task_index);       // independent stream, deterministic
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace insightv {

class Rng {
 public:
  explicit Rng(uint64_t seed = 0) { reseed(seed); }
  void reseed(uint64_t seed);

  uint64_t next_u64();
  // Uniform integer in [lo, hi] (inclusive); unbiased (rejection sampling). lo <= hi.
  int64_t uniform_int(int64_t lo, int64_t hi);
  // Uniform double in [0, 1) with 53 random bits.
  double uniform();
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // Standard normal (Box–Muller; no cached second value, so the stream stays simple).
  double normal(double mean = 0.0, double stddev = 1.0);
  bool bernoulli(double p) { return uniform() < p; }

  template <class T>
  void shuffle(std::vector<T>& v) {
    for (size_t i = v.size(); i > 1; --i) {
      const size_t j = static_cast<size_t>(uniform_int(0, static_cast<int64_t>(i) - 1));
      std::swap(v[i - 1], v[j]);
    }
  }
  template <class T>
  const T& choice(const std::vector<T>& v) {
    return v[static_cast<size_t>(uniform_int(0, static_cast<int64_t>(v.size()) - 1))];
  }

  // A new generator whose stream is determined by this one's seed and `stream`, without
  // advancing this one.
  Rng fork(uint64_t stream) const;

  uint64_t seed() const { return seed_; }

 private:
  uint64_t seed_ = 0;
  uint64_t s_[4] = {0, 0, 0, 0};
};

// splitmix64 step: a good 64-bit mixer, also useful for hashing seeds together.
uint64_t splitmix64(uint64_t& state);
uint64_t mix_seed(uint64_t a, uint64_t b);

}  // namespace insightv
