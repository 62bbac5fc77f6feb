// pipeline/assess.h — `insightv assess`: multi-granularity assessment of datagen's paths and
// the three datasets built from it (PAPER.md §1.2, §2).
//
//   AssessConfig cfg;  cfg.in = "paths"; cfg.tasks = "world/train"; cfg.out = "sets";
//   AssessReport r = run_assess(cfg);
//   // sets/assessed.jsonl   every path + answer_correct, step_scores, path_score, bucket
//   // sets/reason.json      reasoning set: top-scored correct path per question (LLaVA JSON)
//   // sets/summary.json     summary set: sound (high) and flawed (mid, low, wrong) chains
//   // sets/pairs.jsonl      preference pairs: chosen = correct & best, rejected = wrong or worst
//   // sets/report.json      the report run_assess returns
//
// Stage 1, the answer filter (judge), splits each question's paths into correct and wrong;
// stage 2, the step scorer, scores the correct ones of a question together (one call);
// buckets: high >= high_threshold, mid >= mid_threshold, else low; wrong = wrong answer.
// Thresholds 85/60 and the sound:flawed ratio 1:1 are our choices (UNCONFIRMED in the paper).
// Target texts: the reasoning set's gpt turn is "<thoughts>\n" + one "title: content" line per
// step + "</thoughts>" (UNCONFIRMED serialization, PAPER.md §2.1), its human turn "<image>\n" +
// task prompt + the reasoning suffix; the summary set's human turn is the exact §2.2 prompt
// with QUESTION "<image>\n" + task prompt and REASON PROCESS the wrapped chain, its gpt turn
// the ground-truth answer. Every sample carries provenance: task_id, sample, scores, backend.
// Deterministic for a given input and seed.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "data/system_formats.h"
#include "io/json.h"
#include "pipeline/chat_backend.h"
#include "pipeline/protocol.h"

namespace insightv::pipeline {

struct AssessConfig {
  std::string in;                  // datagen folder (paths.jsonl) or the JSONL itself
  std::string tasks;               // the tasks the paths answer
  std::string out;
  std::string judge = "rules";     // rules | BACKEND
  std::string scorer = "verifier"; // verifier | BACKEND
  double high_threshold = 85, mid_threshold = 60;
  int reason_per_question = 1;     // top-k correct paths per question in the reasoning set
  bool reason_high_only = true;    // only high-bucket paths go to the reasoning set
  double sound_to_flawed = 1.0;    // summary set: sound samples per flawed sample
  double pair_margin = 10;         // a correct rejected path must score this much lower
  data::AnswerStyle answer_style = data::AnswerStyle::letter;  // the summary set's replies (data::answer_reply)
  uint64_t seed = 1;
  BackendOptions backend_options;
};

struct AssessReport {
  json to_json() const { return j; }
  std::string to_text() const;     // the lines the CLI prints
  json j;
};

// The paper's prompts (reasoning suffix, summary prompt) are data/system_formats.h's.
// "<thoughts>\n" + "title: content\n" per step + "</thoughts>".
std::string thoughts_text(const ReasoningPath& p);

// The inverse of thoughts_text for a generated chain (the text inside the tags, tags optional):
// one step per non-empty line, "title: content" split at the first ": " (a line without one is
// all content, title "Step").
std::vector<PathStep> steps_from_chain(const std::string& chain);
// The preference pair of one question's paths (PAPER.md §3.3 as we read it): chosen = the
// correct path with the highest score; rejected = the wrong path with the lowest score, else the
// lowest-scored correct path at least `margin` below the chosen one. {-1, -1} when none.
std::pair<int, int> select_preference_pair(const std::vector<bool>& correct, const std::vector<double>& scores,
                                           double margin);
// Area under the ROC curve of `scores` for separating positives (higher) from negatives.
double auroc(const std::vector<double>& positives, const std::vector<double>& negatives);

AssessReport run_assess(const AssessConfig& cfg);

}  // namespace insightv::pipeline
