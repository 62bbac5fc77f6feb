// pipeline/step_json.h — parsing one reasoning step from a generator's reply, with repair.
//
//   std::optional<ParsedStep> s = parse_step(reply, {/*repair=*/true});
//   if (s) use(s->title, s->content, s->next_action);   // next_action: continue|final_answer
//
// The paper's code does json.loads on the reply and re-prompts on failure (PAPER.md §1.1).
// Strict mode does the same. Repair mode (default) first tries strict, then fixes what models
// commonly emit: ```json fences, text around the object, trailing commas, single-quoted keys,
// raw newlines inside strings, a missing closing brace, "summary" for final_answer. A reply
// that still lacks a string title and content is rejected (nullopt) and the protocol retries.
// Stateless, thread-safe, never throws.
#pragma once

#include <optional>
#include <string>

#include "io/json.h"

namespace insightv::pipeline {

struct ParsedStep {
  std::string title, content;
  std::string next_action = "continue";   // "continue" | "final_answer"
  bool repaired = false;                   // strict json.loads would have failed
};

struct StepParseOptions {
  bool repair = true;
  bool require_next_action = false;  // the final-answer reply has only title and content
};

std::optional<ParsedStep> parse_step(const std::string& reply, const StepParseOptions& opts = {});

// The repaired JSON text of reply (exposed for tests); nullopt when no object can be recovered.
std::optional<json> repair_json_object(const std::string& reply);

json step_to_json(const ParsedStep& s);

}  // namespace insightv::pipeline
