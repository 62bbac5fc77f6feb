// world/answer.h — helpers shared by the families: multiple-choice options with plausible
// distractors, the solver's final "Answer" step, and English phrasing of positions and lists.
//
//   set_number_answer(draft, rng, 7, /*plausible=*/{6, 9}, /*as_choice=*/true);
//   // draft.options = {"6", "7", "9", "8"}, answer "B", answer_value "7", and a final step
//   // {"Answer", "The answer is 7, which is option B."}
//
// Distractors: the caller's plausible wrong values first (intermediate results, classic
// slips), then near neighbours; never the answer, never duplicated, never negative for a
// non-negative answer. Deterministic for a given Rng state. Stateless, thread-safe.
#pragma once

#include <string>
#include <vector>

#include "util/rng.h"
#include "world/family.h"

namespace insightv::world {

void set_number_answer(Draft& d, Rng& rng, long value, const std::vector<long>& plausible,
                       bool as_choice);
// pool: the other values the answer could take (at least three besides the answer).
void set_text_answer(Draft& d, Rng& rng, const std::string& value,
                     const std::vector<std::string>& pool, bool as_choice);

// "top-left", "top", "top-right", "left", "center", "right", "bottom-left", "bottom",
// "bottom-right": the third of the image (x, y) falls in, for a size x size image.
std::string region_name(double x, double y, int size);
const std::vector<std::string>& region_names();
// "a", "a and b", "a, b and c".
std::string join_list(const std::vector<std::string>& items);
// Rounds to one decimal (scene coordinates are stored that way).
double round1(double v);

}  // namespace insightv::world
