// data/answer_match.h — pulling the final answer out of a model's text and matching it
// against a ground truth by rule. One module shared by the datagen judge (pipeline/), the
// preference-pair builder and the evaluation harness (eval/), so that "correct" means the
// same thing everywhere.
//
//   GoldAnswer g{AnswerType::choice, "B", "7", {"6", "7", "9", "8"}};
//   std::string a = extract_answer("Counting again... The answer is \\boxed{B}.");   // "B"
//   MatchResult m = match_answer(a, g);             // m.correct, m.reason ("letter")
//   match_answer("7 apples", g).correct == true;    // option text instead of the letter
//   match_answer("3.5 cm", {AnswerType::number, "3.5", "3.5", {}}).correct == true;
//
// What it is: pure string rules — option letter or option text, numbers with a relative /
// absolute tolerance and a trailing unit ignored, times "h:mm", normalised free text
// (case, punctuation, articles). What it isn't: an LLM judge (pipeline/judge.h), and it never
// guesses: an answer naming two different options is wrong. Stateless, thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "world/task.h"

namespace insightv::data {

using world::AnswerType;

struct GoldAnswer {
  AnswerType type = AnswerType::text;
  std::string answer;                 // "A".."D" for choice, else the value
  std::string value;                  // the answer's text (option text for choice)
  std::vector<std::string> options;   // choice only
};
GoldAnswer gold_from_task(const world::Task& t);

struct MatchOptions {
  double rel_tol = 1e-3;   // numbers: |a-b| <= max(abs_tol, rel_tol*|b|)
  double abs_tol = 1e-6;
};

struct MatchResult {
  bool correct = false;
  std::string reason;      // "letter", "option-text", "number", "text", "empty", "mismatch", ...
  std::string extracted;   // the answer span that was compared
};

// The answer span of a verbose response, tried in order: the last \boxed{...}; the content of
// a JSON {"content": ...} final-answer object; the text after the last "answer is" /
// "answer:" / "Final answer"; a lone option letter "(B)" / "B." / "B"; else the whole text
// trimmed. Never throws.
std::string extract_answer(const std::string& text);

// Lower-case, collapse whitespace, drop punctuation at the ends and articles a/an/the.
std::string normalize_text(const std::string& s);
// The first number in s ("3,200" → 3200, "-4.5cm" → -4.5, "1/2" → 0.5); none → nullopt.
std::optional<double> parse_number(const std::string& s);
// The option letter s names on its own: "B", "(B)", "B.", "B) 7", "option B"; else nullopt.
std::optional<char> parse_option_letter(const std::string& s, size_t n_options);

// Extracts (extract_answer) then compares with the gold answer.
MatchResult match_answer(const std::string& response, const GoldAnswer& gold,
                         const MatchOptions& opts = {});

}  // namespace insightv::data
