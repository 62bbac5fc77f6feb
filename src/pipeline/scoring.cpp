// pipeline/scoring.cpp — see scoring.h.
#include "pipeline/scoring.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

#include "data/answer_match.h"
#include "data/system_formats.h"
#include "pipeline/chain_numbers.h"
#include "util/error.h"

namespace insightv::pipeline {
namespace {

// Number tokens of a text, as canonical strings ("3", "12.5", "0.5" from ".5" is not read).
std::vector<std::string> numbers_in(const std::string& s) {
  std::vector<std::string> out;
  for (const NumTok& t : number_tokens(s, /*keep_letter_suffixed=*/true)) {
    std::string tok = t.text;
    if (tok.find('.') != std::string::npos) {  // 3.0 == 3
      while (tok.back() == '0') tok.pop_back();
      if (tok.back() == '.') tok.pop_back();
    }
    out.push_back(tok);
  }
  return out;
}

std::vector<std::string> content_words(const std::string& s) {
  static const std::set<std::string> stop = {
      "this", "that", "there", "which", "with", "from", "have", "will", "what", "does", "into",
      "then", "than", "they", "them", "their", "each", "step", "answer", "image", "question",
      "figure", "looking", "closely", "examining", "part", "next", "carefully", "working"};
  std::vector<std::string> out;
  std::string cur;
  for (size_t i = 0; i <= s.size(); ++i) {
    const char c = i < s.size() ? static_cast<char>(std::tolower(static_cast<unsigned char>(s[i]))) : ' ';
    if (std::isalpha(static_cast<unsigned char>(c))) {
      cur += c;
    } else {
      if (cur.size() >= 4 && !stop.count(cur)) out.push_back(cur);
      cur.clear();
    }
  }
  return out;
}

bool is_coordinate_key(const std::string& k) {
  static const std::set<std::string> coords = {"x", "y", "cx", "cy", "x0", "y0", "x1", "y1", "w",
                                               "h", "r", "width", "height", "radius", "size",
                                               "left", "top", "right", "bottom", "bbox", "points"};
  return coords.count(k) > 0;
}

void scene_facts(const json& j, const std::string& key, std::set<std::string>* nums,
                 std::set<std::string>* words) {
  if (is_coordinate_key(key)) return;
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) scene_facts(it.value(), it.key(), nums, words);
  } else if (j.is_array()) {
    for (const json& v : j) scene_facts(v, key, nums, words);
  } else if (j.is_number()) {
    for (const std::string& n : numbers_in(json(j).dump())) nums->insert(n);
  } else if (j.is_string()) {
    for (const std::string& n : numbers_in(j.get<std::string>())) nums->insert(n);
    for (const std::string& w : content_words(j.get<std::string>())) words->insert(w);
  }
}

// True when text names the answer or an option as whole words (a conclusion step "the answer
// is C" has no other content words).
bool mentions_answer_or_option(const world::Task& t, const std::string& text) {
  const std::string norm = " " + data::normalize_text(text) + " ";
  auto has = [&](const std::string& v) {
    const std::string n = data::normalize_text(v);
    return !n.empty() && norm.find(" " + n + " ") != std::string::npos;
  };
  if (has(t.answer_value)) return true;
  for (const std::string& o : t.options)
    if (has(o)) return true;
  return false;
}

class RuleJudge : public AnswerJudge {
 public:
  bool correct(const world::Task& t, const std::string& a) override {
    return data::match_answer(a, data::gold_from_task(t)).correct;
  }
  std::string name() const override { return "rules"; }
};

class LlmJudge : public AnswerJudge {
 public:
  explicit LlmJudge(std::unique_ptr<ChatBackend> b) : backend_(std::move(b)) {}
  bool correct(const world::Task& t, const std::string& a) override {
    std::vector<ChatMessage> msgs = {
        {"system", judge_system_prompt(), false},
        {"user", judge_user_prompt(data::task_prompt(t), t.answer, a), false}};
    ChatRequest req;
    req.messages = &msgs;
    req.task = &t;
    req.sampling = {0.2, 0.7, 1.05, 512};  // PAPER.md §1.2 [CODE data_check.py]
    return parse_judge_reply(backend_->chat(req));
  }
  std::string name() const override { return backend_->name(); }

 private:
  std::unique_ptr<ChatBackend> backend_;
};

class VerifierScorer : public StepScorer {
 public:
  std::vector<double> score(const world::Task& t, const std::vector<ReasoningPath>& paths,
                            std::vector<std::vector<double>>* steps) override {
    std::vector<double> out;
    if (steps) steps->assign(paths.size(), {});
    for (size_t i = 0; i < paths.size(); ++i)
      out.push_back(verifier_score(t, paths[i], steps ? &(*steps)[i] : nullptr));
    return out;
  }
  std::string name() const override { return "verifier"; }
};

class LlmScorer : public StepScorer {
 public:
  explicit LlmScorer(std::unique_ptr<ChatBackend> b) : backend_(std::move(b)) {}
  std::vector<double> score(const world::Task& t, const std::vector<ReasoningPath>& paths,
                            std::vector<std::vector<double>>*) override {
    std::vector<ChatMessage> msgs = {{"user", scorer_prompt(t, paths), true}};
    ChatRequest req;
    req.messages = &msgs;
    req.task = &t;
    req.sampling = {0.2, 0.7, 1.05, 512};
    return parse_scores_reply(backend_->chat(req), paths.size());
  }
  std::string name() const override { return backend_->name(); }

 private:
  std::unique_ptr<ChatBackend> backend_;
};

}  // namespace

const std::string& judge_system_prompt() {
  static const std::string s =
      "You are a helpful assistant.\n"
      "Please judge whether the model answer is correct with respect to the ground truth. If the "
      "model answer has the same meaning as the ground truth, it is correct even if the format "
      "differs. Return 1 if it is correct and 0 if it is not. Your output must be a list, e.g. "
      "[1] or [0].\n\nExample 1:\nQuestion: Which companies held the largest share of the "
      "microwave oven market?\nGround Truth: Samsung held 15 percent of the market.\nModel 1: "
      "Samsung and Sharp held 15 percent of the market.\nYour answer: [0]\n\nExample 2:\n"
      "Question: Which companies held the largest share of the microwave oven market?\nGround "
      "Truth: Samsung held 15 percent of the market.\nModel 1: Samsung held 15 percent.\nYour "
      "answer: [1]";
  return s;
}

std::string judge_user_prompt(const std::string& question, const std::string& gt,
                              const std::string& answer) {
  return "Question: " + question + "\nGround Truth: " + gt + "\nModel 1: " + answer +
         "\nYour answer: ";
}

bool parse_judge_reply(const std::string& reply) {
  try {
    const std::string head = reply.substr(0, reply.find(']')) + "]";
    const size_t open = head.find('[');
    if (open == std::string::npos) return false;
    const json j = json::parse(head.substr(open));
    return j.is_array() && !j.empty() && j[0].is_number() && j[0].get<double>() == 1.0;
  } catch (const std::exception&) {
    return false;  // PAPER.md §1.2: on error → [0]
  }
}

std::string scorer_prompt(const world::Task& t, const std::vector<ReasoningPath>& paths) {
  std::string s =
      "You are given a question about the image, its ground-truth answer, and " +
      std::to_string(paths.size()) +
      " reasoning processes that answer it. Score each reasoning process from 1 to 100 for "
      "step-wise accuracy (is every step's claim true for the image?) and level of detail (are "
      "the needed steps present?). Score all of them consistently against each other. Reply "
      "with a JSON list of " + std::to_string(paths.size()) + " integers only, e.g. [80, 35].\n\n"
      "QUESTION: " + data::task_prompt(t) + "\nGROUND TRUTH: " + t.answer + "\n";
  for (size_t i = 0; i < paths.size(); ++i) {
    s += "\nREASONING " + std::to_string(i + 1) + ":\n";
    for (const PathStep& st : paths[i].steps) s += st.title + ": " + st.content + "\n";
  }
  return s;
}

std::vector<double> parse_scores_reply(const std::string& reply, size_t n) {
  std::vector<double> out(n, 1.0);
  const size_t open = reply.find('[');
  const size_t close = open == std::string::npos ? open : reply.find(']', open);
  if (close == std::string::npos) return out;
  try {
    const json j = json::parse(reply.substr(open, close - open + 1));
    for (size_t i = 0; i < n && i < j.size(); ++i)
      if (j[i].is_number()) out[i] = std::clamp(j[i].get<double>(), 1.0, 100.0);
  } catch (const std::exception&) {
  }
  return out;
}

double verifier_score(const world::Task& t, const ReasoningPath& p, std::vector<double>* step_scores) {
  // Facts: numbers and words of the scene graph (no pixel coordinates), of the solver's
  // derivation from it, and of the question (given numbers are not claims).
  std::set<std::string> facts, words, given;
  scene_facts(t.scene, "", &facts, &words);
  std::vector<std::set<std::string>> solver_nums;
  for (const world::Step& s : t.solution) {
    if (s.title == "Answer") continue;
    std::set<std::string> ns;
    for (const std::string& n : numbers_in(s.content)) facts.insert(n), ns.insert(n);
    for (const std::string& w : content_words(s.title + " " + s.content)) words.insert(w);
    solver_nums.push_back(ns);
  }
  for (const std::string& n : numbers_in(t.question)) given.insert(n), facts.insert(n);
  for (const std::string& w : content_words(t.question)) words.insert(w);
  for (const std::string& w : content_words(t.answer_value)) words.insert(w);

  int steps = 0, wrong = 0, irrelevant = 0;
  std::set<std::string> mentioned;
  for (const PathStep& s : p.steps) {
    if (s.title == "Error") {
      ++steps, ++wrong;
      if (step_scores) step_scores->push_back(1);
      continue;
    }
    const auto nums = numbers_in(s.content);
    int claims = 0, bad = 0;
    for (const std::string& n : nums) {
      mentioned.insert(n);
      if (given.count(n)) continue;
      ++claims;
      bad += facts.count(n) == 0;
    }
    bool relevant = claims > 0 || mentions_answer_or_option(t, s.content);
    for (const std::string& w : content_words(s.content))
      if (words.count(w)) relevant = true;
    ++steps;
    wrong += bad > 0;
    irrelevant += !relevant;
    if (step_scores)
      step_scores->push_back(bad > 0 ? 1 + 49.0 * (claims - bad) / claims : relevant ? 100 : 30);
  }
  if (steps == 0) return 1;
  int covered = 0;
  for (const auto& ns : solver_nums) {
    bool all = true;
    for (const std::string& n : ns) all = all && mentioned.count(n);
    covered += all;
  }
  const double coverage = solver_nums.empty() ? 1.0 : static_cast<double>(covered) / solver_nums.size();
  // Penalties out of 100: any false claim is a serious flaw (40, plus up to 30 more as the
  // share of false steps grows); missing solver results cost up to 60; each irrelevant step 25.
  const double acc_pen = wrong == 0 ? 0.0 : 40.0 + 30.0 * wrong / steps;
  const double cov_pen = 60.0 * (1.0 - coverage);
  const double irr_pen = std::min(50.0, 25.0 * irrelevant);
  return std::clamp(100.0 - acc_pen - cov_pen - irr_pen, 1.0, 100.0);
}

std::unique_ptr<AnswerJudge> make_judge(const std::string& name, const BackendOptions& opts) {
  if (name == "rules") return std::make_unique<RuleJudge>();
  return std::make_unique<LlmJudge>(make_backend(name, opts));
}

std::unique_ptr<StepScorer> make_scorer(const std::string& name, const BackendOptions& opts) {
  if (name == "verifier") return std::make_unique<VerifierScorer>();
  return std::make_unique<LlmScorer>(make_backend(name, opts));
}

}  // namespace insightv::pipeline
