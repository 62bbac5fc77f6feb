// eval/metrics.cpp — see metrics.h.
#include "eval/metrics.h"

#include <cmath>
#include <cstdio>

namespace insightv::eval {

Accuracy wilson(int64_t correct, int64_t n) {
  Accuracy a;
  a.n = n;
  a.correct = correct;
  if (n <= 0) {
    a.ci_high = 1;
    return a;
  }
  const double z = 1.959963984540054, z2 = z * z, nn = static_cast<double>(n);
  const double p = static_cast<double>(correct) / nn;
  const double denom = 1 + z2 / nn;
  const double center = (p + z2 / (2 * nn)) / denom;
  const double half = z * std::sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn)) / denom;
  a.acc = p;
  a.ci_low = std::max(0.0, center - half);
  a.ci_high = std::min(1.0, center + half);
  return a;
}

json Accuracy::to_json() const {
  return {{"n", n}, {"correct", correct}, {"acc", acc}, {"ci_low", ci_low}, {"ci_high", ci_high}};
}

json EvalResult::to_json() const {
  json cats = json::object(), diffs = json::object();
  for (const auto& [k, v] : by_category) cats[k] = v.to_json();
  for (const auto& [k, v] : by_difficulty) diffs[std::to_string(k)] = v.to_json();
  return {{"system", system},         {"benchmark", benchmark},   {"overall", overall.to_json()},
          {"by_category", cats},      {"by_difficulty", diffs},   {"seconds", seconds},
          {"generated_tokens", generated_tokens}, {"answered", answered}, {"cached", cached}};
}

namespace {
std::string row(const std::string& name, const Accuracy& a) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "| %s | %lld | %lld | %.1f | %.1f–%.1f |\n", name.c_str(),
                static_cast<long long>(a.n), static_cast<long long>(a.correct), 100 * a.acc, 100 * a.ci_low,
                100 * a.ci_high);
  return buf;
}
}  // namespace

std::string EvalResult::to_markdown() const {
  std::string md = "# Evaluation: " + (system.empty() ? std::string("system") : system) + "\n\n";
  if (!benchmark.empty()) md += "Benchmark: `" + benchmark + "`\n\n";
  md += "| group | n | correct | accuracy % | 95% CI (Wilson) % |\n|---|---|---|---|---|\n";
  md += row("**overall**", overall);
  for (const auto& [k, v] : by_category) md += row(k, v);
  for (const auto& [k, v] : by_difficulty) md += row(k == 0 ? "difficulty unknown" : "difficulty " + std::to_string(k), v);
  char buf[160];
  std::snprintf(buf, sizeof buf, "\n%lld generated tokens; %lld items answered in the last run, %lld from the cache.\n",
                static_cast<long long>(generated_tokens), static_cast<long long>(answered),
                static_cast<long long>(cached));
  return md + buf;
}

void Tally::add(const std::string& category, int difficulty, bool correct) {
  for (Count* c : {&all_, &cat_[category], &diff_[difficulty]}) {
    ++c->n;
    c->correct += correct ? 1 : 0;
  }
}

void Tally::fill(EvalResult& r) const {
  r.overall = wilson(all_.correct, all_.n);
  r.by_category.clear();
  r.by_difficulty.clear();
  for (const auto& [k, c] : cat_) r.by_category[k] = wilson(c.correct, c.n);
  for (const auto& [k, c] : diff_) r.by_difficulty[k] = wilson(c.correct, c.n);
}

}  // namespace insightv::eval
