// pipeline/protocol.h — the progressive reasoning protocol of PAPER.md §1.1 over any
// ChatBackend, and the reasoning-path record it produces (DESIGN.md "Reasoning path").
//
//   ProtocolOptions po;                                   // 16 steps, 3 tries, repair on
//   ReasoningPath p = run_protocol(backend, task, image_path, /*sample=*/2, /*seed=*/s, po);
//   json row = path_to_json(p);                           // one line of paths.jsonl
//
// The conversation: system prompt (g1-style, upper-case rules), user turn = image + question,
// pre-filled assistant turn, then one JSON step per call. An invalid reply gets a corrective
// user message and is retried, at most `max_tries` times, then the synthetic "Error" step
// (next_action final_answer) is used. Stop at final_answer or after `max_steps` steps, then
// ask for the final answer ({"title": "FINAL ANSWER", "content": ...}).
// Not here: which paths are kept (pipeline/assess.h). Thread-safe given a thread-safe backend.
#pragma once

#include <string>
#include <vector>

#include "io/json.h"
#include "pipeline/chat_backend.h"
#include "pipeline/step_json.h"

namespace insightv::pipeline {

struct ProtocolOptions {
  int max_steps = 16;          // code: stop when step_count > 15
  int max_tries = 3;           // per step, then the "Error" step
  bool repair = true;          // repair almost-JSON before re-prompting (strict = paper's code)
  SamplingOptions sampling;
};

// The protocol's fixed texts (exposed so backends and tests can recognise them).
const std::string& system_prompt();
const std::string& prefill_assistant();     // "Thank you! I will now think step by step ..."
const std::string& invalid_json_prompt();
const std::string& continue_prompt();
const std::string& final_answer_prompt();

struct PathStep {
  std::string title, content, next_action;
};

struct ReasoningPath {
  std::string task_id, backend;
  int sample = 0;
  uint64_t seed = 0;
  std::vector<PathStep> steps;
  std::string final_answer;    // the content of the FINAL ANSWER reply ("No available answer")
  std::string final_raw;       // the raw final reply
  int retries = 0;             // invalid replies re-prompted
  int repaired = 0;            // replies accepted after repair
  int error_steps = 0;         // synthetic "Error" steps
  int calls = 0;               // backend calls
  double elapsed_ms = 0;
  json provenance;             // backend facts (teacher: injected mistakes); null otherwise
};

json path_to_json(const ReasoningPath& p);
ReasoningPath path_from_json(const json& j, const std::string& source);

ReasoningPath run_protocol(ChatBackend& backend, const world::Task& task,
                           const std::string& image_path, int sample, uint64_t seed,
                           const ProtocolOptions& opts);

}  // namespace insightv::pipeline
