// pipeline/chain_numbers.h — reading and editing the numbers of a reasoning chain's text: the
// teacher's tool for injecting a slip and carrying it through later arithmetic.
//
//   auto toks = number_tokens("3 + 2 = 5 shapes");          // "3", "2", "5" with positions
//   std::string t = replace_number("E = 13, total 13", "13", "14");   // both 13s, whole tokens
//   std::string s = "10 + 14 = 23";
//   auto changed = recompute_equations(s);                   // s == "10 + 14 = 24", {{"23","24"}}
//
// Numbers are digit runs with an optional decimal part, not glued to letters ("x2" is not one).
// Expressions: numbers, + - x * / and parentheses. Stateless, thread-safe.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace insightv::pipeline {

// A number token inside a text: [pos, pos+len).
struct NumTok {
  size_t pos, len;
  std::string text;
};

// Whole number tokens ("3", "12.5"); one glued to a following letter ("3rd") is skipped unless
// keep_letter_suffixed.
std::vector<NumTok> number_tokens(const std::string& s, bool keep_letter_suffixed = false);
// Replaces every whole-token occurrence of `from` with `to`.
std::string replace_number(const std::string& s, const std::string& from, const std::string& to);
// Redoes every "EXPR = N" in text whose N no longer equals EXPR; returns the (old, new)
// results it changed, in order.
std::vector<std::pair<std::string, std::string>> recompute_equations(std::string& text);

}  // namespace insightv::pipeline
