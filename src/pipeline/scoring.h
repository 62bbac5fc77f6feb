// pipeline/scoring.h — the two assessment stages of PAPER.md §1.2: the answer filter (a rule
// judge or an LLM judge with the paper's prompt) and the step scorer (1–100 for step-wise
// accuracy and level of detail; all paths of one question scored in one call).
//
//   auto judge = make_judge("rules", {});                 // or "openai:URL", "teacher"...
//   bool ok = judge->correct(task, path.final_answer);
//   auto scorer = make_scorer("verifier", {});            // or a backend name
//   std::vector<double> s = scorer->score(task, paths);   // one score per path, 1..100
//
// The verifier (VisWorld only) checks every number a step claims against the facts of the
// scene graph (its non-coordinate values and the solver's derivations from it); flags steps
// that share nothing with the task (irrelevant); measures how many of the solver's results the
// path covers (detail). score = 100 minus penalties: a false claim 40 + 30 x (share of false
// steps), missing solver results 60 x (share missing), 25 per irrelevant step; clamped to
// [1, 100]. The weights are ours (the paper released no scorer: UNCONFIRMED).
// The LLM judge/scorer send one request through any ChatBackend and parse the reply; a reply
// that does not parse gives 0 (judge, as the paper's code) or score 1 (scorer).
// Judges and scorers are thread-safe when their backend is.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "pipeline/chat_backend.h"
#include "pipeline/protocol.h"

namespace insightv::pipeline {

class AnswerJudge {
 public:
  virtual ~AnswerJudge() = default;
  virtual bool correct(const world::Task& task, const std::string& final_answer) = 0;
  virtual std::string name() const = 0;
};

class StepScorer {
 public:
  virtual ~StepScorer() = default;
  // One score in [1, 100] per path, in order; `step_scores` (optional) gets per-step scores.
  virtual std::vector<double> score(const world::Task& task, const std::vector<ReasoningPath>& paths,
                                    std::vector<std::vector<double>>* step_scores = nullptr) = 0;
  virtual std::string name() const = 0;
};

// "rules" or a backend name (the LLM judge).
std::unique_ptr<AnswerJudge> make_judge(const std::string& name, const BackendOptions& opts);
// "verifier" or a backend name (the LLM scorer).
std::unique_ptr<StepScorer> make_scorer(const std::string& name, const BackendOptions& opts);

// The paper's judge prompt (system turn, PAPER.md §1.2) and its user turn.
const std::string& judge_system_prompt();
std::string judge_user_prompt(const std::string& question, const std::string& gt,
                              const std::string& answer);
// text.split("]")[0] + "]" → JSON list → first element == 1; anything else → false.
bool parse_judge_reply(const std::string& reply);

// The LLM scorer's prompt for all paths of one question, and its reply parser (the first
// JSON list of numbers; missing or unparseable entries → 1; values clamped to [1, 100]).
std::string scorer_prompt(const world::Task& task, const std::vector<ReasoningPath>& paths);
std::vector<double> parse_scores_reply(const std::string& reply, size_t n);

// The verifier on one path (exposed for tests).
double verifier_score(const world::Task& task, const ReasoningPath& path,
                      std::vector<double>* step_scores = nullptr);

}  // namespace insightv::pipeline
