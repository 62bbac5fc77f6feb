// pipeline/teacher.h — the scripted teacher backend: VisWorld's solver chain, varied and
// corrupted, standing in for the paper's Qwen2-VL-72B generator (PAPER.md §1.1).
//
//   TeacherPlan plan = plan_teacher_path(task, seed, TeacherOptions{});
//   // plan.steps: the whole path; plan.final_value / final_letter: what it will answer;
//   // plan.provenance: {"mistakes": [{"kind": "miscount", "step": 2, "from": "3", "to": "4"}],
//   //                   "expected_correct": false, "self_corrected": false, ...}
//   TeacherBackend b(opts);  b.chat(req);   // answers the protocol one JSON step per call
//
// Variety: phrasing variants of titles and contents, an optional opening "understand the
// question" step, merged or split steps (granularity), swapped independent steps, a
// verification / re-examination step restating the key result by another route. Mistakes,
// each at its own rate: miscount, misread value, arithmetic slip (a number in one step changes,
// every later use of it changes, later "a + b = c" results are recomputed from the wrong value
// and travel on, so the final answer moves as a real generator's would), skipped step,
// irrelevant step; a verification step may catch a numeric mistake (self-correction).
// Malformed JSON at a configurable rate exercises the protocol's repair and retry paths.
// A path is a pure function of (task, seed, options): deterministic, thread-safe, no state.
#pragma once

#include <string>
#include <vector>

#include "data/system_formats.h"
#include "io/json.h"
#include "pipeline/chat_backend.h"
#include "pipeline/protocol.h"

namespace insightv::pipeline {

struct TeacherOptions {
  double miscount_rate = 0.12;       // a count in a counting step is off by one or two
  double misread_rate = 0.10;        // a value read from the image is off
  double arithmetic_rate = 0.08;     // a computed result is off
  double skip_rate = 0.10;           // a needed step is missing
  double irrelevant_rate = 0.10;     // a step about something that does not matter
  double propagate_rate = 0.5;       // a slip the chain does not carry still breaks the answer
  double verify_rate = 0.35;         // add a verification / re-examination step
  double self_correct_rate = 0.3;    // ... which catches a numeric mistake
  double intro_rate = 0.6;           // open with an "understand the question" step
  double merge_rate = 0.2;           // merge two adjacent steps
  double split_rate = 0.2;           // split a multi-sentence step in two
  double malformed_rate = 0.05;      // a reply is not clean JSON (fences, trailing comma, cut)
  double garbage_rate = 0.01;        // a reply is not JSON at all (forces a retry)
  // How the concluding step and the final answer name a multiple-choice answer: letter
  // ("Therefore the answer is square, which is option B.", final answer "B"); text and sentence
  // ("Therefore the answer is square.", final answer "square"; the letter where the option's text
  // reads as one, data::option_text_reads_as_itself). JSON: "letter" | "text" | "sentence".
  data::AnswerStyle answer_style = data::AnswerStyle::letter;
};
TeacherOptions teacher_options_from_json(const json& j);
json teacher_options_to_json(const TeacherOptions& o);

struct TeacherPlan {
  std::vector<PathStep> steps;   // the last one has next_action final_answer
  std::string final_text;        // the FINAL ANSWER content
  json provenance;
};

TeacherPlan plan_teacher_path(const world::Task& task, uint64_t seed, const TeacherOptions& o);

class TeacherBackend : public ChatBackend {
 public:
  explicit TeacherBackend(TeacherOptions opts = {}) : opts_(opts) {}
  std::string chat(const ChatRequest& req) override;
  std::string name() const override { return "teacher"; }
  json provenance(const world::Task& task, uint64_t seed) const override;

 private:
  TeacherOptions opts_;
};

}  // namespace insightv::pipeline
