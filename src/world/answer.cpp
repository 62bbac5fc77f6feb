// world/answer.cpp — options, distractors, final steps, phrasing helpers.
#include "world/answer.h"

#include <algorithm>
#include <cmath>

#include "util/error.h"

namespace insightv::world {

namespace {
void finish(Draft& d, Rng& rng, const std::string& value, std::vector<std::string> wrong,
            bool as_choice, AnswerType plain_type) {
  d.answer_value = value;
  if (!as_choice) {
    d.answer_type = plain_type;
    d.answer = value;
    d.solution.push_back({"Answer", "The answer is " + value + "."});
    return;
  }
  check(wrong.size() >= 3, "world", "only " + std::to_string(wrong.size()) +
                                        " distractors for answer '" + value + "'");
  wrong.resize(3);
  rng.shuffle(wrong);
  const size_t pos = static_cast<size_t>(rng.uniform_int(0, 3));
  d.options = wrong;
  d.options.insert(d.options.begin() + static_cast<long>(pos), value);
  d.answer_type = AnswerType::choice;
  d.answer = option_letter(pos);
  d.solution.push_back(
      {"Answer", "The answer is " + value + ", which is option " + d.answer + "."});
}
}  // namespace

void set_number_answer(Draft& d, Rng& rng, long value, const std::vector<long>& plausible,
                       bool as_choice) {
  std::vector<long> wrong;
  auto take = [&](long v) {
    if (v == value || (value >= 0 && v < 0)) return;
    if (std::find(wrong.begin(), wrong.end(), v) != wrong.end()) return;
    wrong.push_back(v);
  };
  std::vector<long> p = plausible;
  rng.shuffle(p);
  for (long v : p) {
    if (wrong.size() >= 2) break;
    take(v);
  }
  // Near neighbours, alternating sides, in an order the rng chooses.
  const long sign = rng.bernoulli(0.5) ? 1 : -1;
  for (long k = 1; wrong.size() < 3 && k < 1000; ++k) {
    take(value + sign * k);
    if (wrong.size() < 3) take(value - sign * k);
  }
  std::vector<std::string> texts;
  for (long v : wrong) texts.push_back(std::to_string(v));
  finish(d, rng, std::to_string(value), texts, as_choice, AnswerType::number);
}

void set_text_answer(Draft& d, Rng& rng, const std::string& value,
                     const std::vector<std::string>& pool, bool as_choice) {
  std::vector<std::string> wrong;
  for (const auto& v : pool)
    if (v != value && std::find(wrong.begin(), wrong.end(), v) == wrong.end()) wrong.push_back(v);
  rng.shuffle(wrong);
  finish(d, rng, value, wrong, as_choice, AnswerType::text);
}

const std::vector<std::string>& region_names() {
  static const std::vector<std::string> names = {"top-left", "top",    "top-right",
                                                 "left",     "center", "right",
                                                 "bottom-left", "bottom", "bottom-right"};
  return names;
}

std::string region_name(double x, double y, int size) {
  const int col = std::clamp(static_cast<int>(3.0 * x / size), 0, 2);
  const int row = std::clamp(static_cast<int>(3.0 * y / size), 0, 2);
  return region_names()[static_cast<size_t>(row * 3 + col)];
}

std::string join_list(const std::vector<std::string>& items) {
  std::string s;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) s += (i + 1 == items.size()) ? " and " : ", ";
    s += items[i];
  }
  return s;
}

double round1(double v) { return std::round(v * 10.0) / 10.0; }

}  // namespace insightv::world
