// eval/metrics.h — accuracy with a 95% Wilson score interval, grouped overall, per category and
// per difficulty, and the report's JSON and Markdown forms.
//
//   Accuracy a = wilson(9, 20);            // a.acc 0.45, a.ci_low 0.2582, a.ci_high 0.6579
//   Tally t; t.add("clock", 2, true); EvalResult r; t.fill(r);
//
// Pure functions; not thread-safe per object (Tally).
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "io/json.h"

namespace insightv::eval {

struct Accuracy {
  int64_t n = 0, correct = 0;
  double acc = 0, ci_low = 0, ci_high = 0;  // n == 0: acc 0 and the interval [0, 1]
  json to_json() const;
};

// correct / n with the 95% Wilson score interval (z = 1.959964).
Accuracy wilson(int64_t correct, int64_t n);

struct EvalResult {
  Accuracy overall;
  std::map<std::string, Accuracy> by_category;
  std::map<int, Accuracy> by_difficulty;  // 0 = unknown
  double seconds = 0;                      // this run's wall time
  int64_t generated_tokens = 0;            // over every scored item (from the ledger)
  // Beyond the pipeline's contract:
  std::string system;                      // "direct", ...
  std::string benchmark;
  int64_t answered = 0, cached = 0;        // items answered in this run / taken from the ledger
  json to_json() const;
  std::string to_markdown() const;
};

// Counts correct answers by group, then fills an EvalResult's accuracies.
class Tally {
 public:
  void add(const std::string& category, int difficulty, bool correct);
  void fill(EvalResult& r) const;

 private:
  struct Count { int64_t n = 0, correct = 0; };
  Count all_;
  std::map<std::string, Count> cat_;
  std::map<int, Count> diff_;
};

}  // namespace insightv::eval
