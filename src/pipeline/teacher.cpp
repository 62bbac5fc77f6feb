// pipeline/teacher.cpp — see teacher.h.
#include "pipeline/teacher.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <optional>

#include "pipeline/chain_numbers.h"
#include "util/error.h"
#include "util/rng.h"

namespace insightv::pipeline {
namespace {

std::string perturb(const std::string& v, Rng& rng) {
  const bool decimal = v.find('.') != std::string::npos;
  const double x = std::stod(v);
  double delta = x >= 20 ? std::max(1.0, std::round(x * rng.uniform(0.1, 0.3))) : rng.uniform_int(1, 2);
  if (decimal) delta = std::max(0.5, std::round(x * rng.uniform(0.1, 0.3) * 10) / 10);
  double y = (rng.bernoulli(0.5) || x - delta < 0) ? x + delta : x - delta;
  if (decimal) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", y);
    return buf;
  }
  return std::to_string(static_cast<long>(y));
}

// Lower-cases an ordinary first word ("There" → "there"), never a name ("P + E", "AB").
std::string lower_first(std::string s) {
  if (s.size() >= 2 && std::isupper(static_cast<unsigned char>(s[0])) &&
      std::islower(static_cast<unsigned char>(s[1])))
    s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  return s;
}


bool mentions(const PathStep& s, std::initializer_list<const char*> words) {
  std::string t = s.title + " " + s.content;
  std::transform(t.begin(), t.end(), t.begin(), [](char c) { return static_cast<char>(std::tolower(c)); });
  for (const char* w : words)
    if (t.find(w) != std::string::npos) return true;
  return false;
}

const char* kTitleForms[] = {"%s", "%s", "Step: %s", "Working out: %s", "%s carefully", "Next, %s"};
const char* kLeadIns[] = {"", "", "Looking at the image, ", "From the figure, ",
                          "Examining this part closely, ", "Now, "};
const char* kIrrelevant[][2] = {
    {"Noting the background", "The background of the image is plain and light, which does not affect the question."},
    {"Considering the image format", "The picture is a PNG file; its format does not change the answer."},
    {"Thinking about the drawing style", "The drawing style is simple and flat, which makes it visually clear."},
    {"Recalling a general fact", "Many images like this one are used to test careful observation."}};

std::string apply_form(const char* form, const std::string& title) {
  std::string f = form, out;
  const size_t at = f.find("%s");
  const bool lower = at > 0;
  return f.substr(0, at) + (lower ? lower_first(title) : title) + f.substr(at + 2);
}

void scene_strings(const json& j, std::vector<std::string>* out) {
  if (j.is_object() || j.is_array()) {
    for (const json& v : j) scene_strings(v, out);
  } else if (j.is_string()) {
    out->push_back(j.get<std::string>());
  }
}

// A wrong text answer of the same shape as the right one: another single capital letter named
// in the solver's chain (bar names, cells), else another string value of the scene graph.
std::string other_text_value(const world::Task& t, Rng& rng) {
  const std::string& right = t.answer_value;
  std::vector<std::string> pool;
  if (right.size() == 1 && std::isupper(static_cast<unsigned char>(right[0]))) {
    for (const world::Step& s : t.solution)
      for (size_t i = 0; i < s.content.size(); ++i) {
        const char c = s.content[i];
        const bool alone = (i == 0 || !std::isalnum(static_cast<unsigned char>(s.content[i - 1]))) &&
                           (i + 1 == s.content.size() || !std::isalnum(static_cast<unsigned char>(s.content[i + 1])));
        if (alone && std::isupper(static_cast<unsigned char>(c)) && std::string(1, c) != right)
          pool.push_back(std::string(1, c));
      }
  }
  if (pool.empty()) {
    std::vector<std::string> strings;
    scene_strings(t.scene, &strings);
    for (const std::string& v : strings)
      if (v != right && !v.empty() && v.size() <= right.size() + 8) pool.push_back(v);
  }
  if (pool.empty()) return "unknown";
  std::sort(pool.begin(), pool.end());
  pool.erase(std::unique(pool.begin(), pool.end()), pool.end());
  return rng.choice(pool);
}

}  // namespace

TeacherOptions teacher_options_from_json(const json& j) {
  TeacherOptions o;
  if (j.is_null()) return o;
  json d = teacher_options_to_json(o);
  for (auto it = j.begin(); it != j.end(); ++it) {
    check(d.contains(it.key()), "teacher", "unknown option '" + it.key() + "'",
          "see TeacherOptions in pipeline/teacher.h");
    d[it.key()] = it.value();
  }
  o.miscount_rate = d["miscount_rate"]; o.misread_rate = d["misread_rate"];
  o.arithmetic_rate = d["arithmetic_rate"]; o.skip_rate = d["skip_rate"];
  o.irrelevant_rate = d["irrelevant_rate"]; o.propagate_rate = d["propagate_rate"];
  o.verify_rate = d["verify_rate"]; o.self_correct_rate = d["self_correct_rate"];
  o.intro_rate = d["intro_rate"]; o.merge_rate = d["merge_rate"]; o.split_rate = d["split_rate"];
  o.malformed_rate = d["malformed_rate"]; o.garbage_rate = d["garbage_rate"];
  check(d["answer_style"].is_string(), "teacher", "answer_style must be a string", "letter, text or sentence");
  o.answer_style = data::parse_answer_style(d["answer_style"].get<std::string>());
  return o;
}

json teacher_options_to_json(const TeacherOptions& o) {
  return {{"miscount_rate", o.miscount_rate},   {"misread_rate", o.misread_rate},
          {"arithmetic_rate", o.arithmetic_rate}, {"skip_rate", o.skip_rate},
          {"irrelevant_rate", o.irrelevant_rate}, {"propagate_rate", o.propagate_rate},
          {"verify_rate", o.verify_rate},       {"self_correct_rate", o.self_correct_rate},
          {"intro_rate", o.intro_rate},         {"merge_rate", o.merge_rate},
          {"split_rate", o.split_rate},         {"malformed_rate", o.malformed_rate},
          {"garbage_rate", o.garbage_rate},
          {"answer_style", data::answer_style_name(o.answer_style)}};
}

TeacherPlan plan_teacher_path(const world::Task& task, uint64_t seed, const TeacherOptions& o) {
  Rng rng(seed);
  TeacherPlan plan;
  json mistakes = json::array();
  std::vector<PathStep> body;
  for (const world::Step& s : task.solution)
    if (s.title != "Answer") body.push_back({s.title, s.content, "continue"});

  // --- mistakes that change a number and propagate ---------------------------------------
  std::string answer_value = task.answer_value;
  bool answer_wrong = false, self_corrected = false;
  std::string wrong_from, wrong_to;
  int wrong_step = -1;
  struct Kind { const char* name; double rate; std::initializer_list<const char*> cues; };
  const Kind kinds[] = {{"miscount", o.miscount_rate, {"count", "there are", "number of"}},
                        {"misread", o.misread_rate, {"read", "value", "height", "label", "shows", "points"}},
                        {"arithmetic", o.arithmetic_rate, {"=", "+", "total", "difference", "sum", "minus", "times"}}};
  for (const Kind& k : kinds) {
    if (!rng.bernoulli(k.rate) || wrong_step >= 0) continue;
    std::vector<int> cands, any;
    for (size_t i = 0; i < body.size(); ++i) {
      if (number_tokens(body[i].content).empty()) continue;
      any.push_back(static_cast<int>(i));
      if (mentions(body[i], k.cues)) cands.push_back(static_cast<int>(i));
    }
    if (cands.empty()) cands = any;
    if (cands.empty()) break;
    wrong_step = rng.choice(cands);
    const auto toks = number_tokens(body[wrong_step].content);
    // Prefer a number the rest of the chain uses, so that the slip travels like a real one.
    std::vector<NumTok> used;
    for (const NumTok& tk : toks) {
      bool later = replace_number(task.answer_value, tk.text, "#") != task.answer_value;
      for (size_t j = wrong_step + 1; j < body.size() && !later; ++j)
        later = replace_number(body[j].content, tk.text, "#") != body[j].content;
      if (later) used.push_back(tk);
    }
    wrong_from = (k.name == std::string("arithmetic")) ? toks.back().text
                 : (!used.empty() && rng.bernoulli(0.8)) ? rng.choice(used).text
                                                          : rng.choice(toks).text;
    wrong_to = perturb(wrong_from, rng);
    for (size_t i = wrong_step; i < body.size(); ++i)
      body[i].content = replace_number(body[i].content, wrong_from, wrong_to);
    mistakes.push_back({{"kind", k.name}, {"step", wrong_step}, {"from", wrong_from}, {"to", wrong_to}});
  }
  // Later arithmetic is redone with the wrong value, and its results travel on in turn.
  std::vector<std::pair<std::string, std::string>> subs;
  if (wrong_step >= 0) {
    subs.push_back({wrong_from, wrong_to});
    // A slip in a result ("= N") IS the mistake: its own equation stays wrong.
    const bool slip = mistakes.back()["kind"] == "arithmetic" ||
                      body[wrong_step].content.find("= " + wrong_to) != std::string::npos;
    for (size_t i = wrong_step + (slip ? 1 : 0); i < body.size(); ++i)
      for (const auto& [from, to] : recompute_equations(body[i].content)) {
        for (size_t j = i + 1; j < body.size(); ++j) body[j].content = replace_number(body[j].content, from, to);
        subs.push_back({from, to});
      }
  }
  std::string moved = answer_value;
  for (const auto& [from, to] : subs) moved = replace_number(moved, from, to);
  if (moved != answer_value) {
    answer_wrong = true;  // the chain carried the slip into the answer
    answer_value = moved;
  } else if (wrong_step >= 0 && rng.bernoulli(o.propagate_rate)) {
    answer_wrong = true;  // the answer does not follow from the chain any more
    if (!task.options.empty()) {
      std::vector<std::string> others;
      for (const std::string& opt : task.options)
        if (opt != task.answer_value) others.push_back(opt);
      answer_value = rng.choice(others);
    } else if (auto toks = number_tokens(answer_value); !toks.empty()) {
      answer_value = replace_number(answer_value, toks[0].text, perturb(toks[0].text, rng));
    } else {
      answer_value = other_text_value(task, rng);
    }
  }

  // --- structural mistakes --------------------------------------------------------------
  if (body.size() >= 2 && rng.bernoulli(o.skip_rate)) {
    const int k = static_cast<int>(rng.uniform_int(0, static_cast<int64_t>(body.size()) - 1));
    mistakes.push_back({{"kind", "skipped"}, {"step", k}, {"title", body[k].title}});
    body.erase(body.begin() + k);
  }
  if (rng.bernoulli(o.irrelevant_rate)) {
    const auto& irr = kIrrelevant[rng.uniform_int(0, 3)];
    const int k = static_cast<int>(rng.uniform_int(0, static_cast<int64_t>(body.size())));
    body.insert(body.begin() + k, PathStep{irr[0], irr[1], "continue"});
    mistakes.push_back({{"kind", "irrelevant"}, {"step", k}});
  }

  // --- variety --------------------------------------------------------------------------
  auto is_irrelevant = [](const PathStep& s) {
    for (const auto& irr : kIrrelevant)
      if (s.title == irr[0]) return true;
    return false;
  };
  if (body.size() >= 2 && rng.bernoulli(o.merge_rate)) {
    const size_t k = static_cast<size_t>(rng.uniform_int(0, static_cast<int64_t>(body.size()) - 2));
    if (!is_irrelevant(body[k]) && !is_irrelevant(body[k + 1])) {
    body[k].title += " and " + lower_first(body[k + 1].title);
    body[k].content += " " + body[k + 1].content;
    body.erase(body.begin() + static_cast<long>(k) + 1);
    }
  }
  if (!body.empty() && rng.bernoulli(o.split_rate)) {
    const size_t k = static_cast<size_t>(rng.uniform_int(0, static_cast<int64_t>(body.size()) - 1));
    const size_t dot = body[k].content.find(". ");
    if (dot != std::string::npos && dot + 2 < body[k].content.size()) {
      PathStep second{"Continuing: " + lower_first(body[k].title), body[k].content.substr(dot + 2), "continue"};
      body[k].content = body[k].content.substr(0, dot + 1);
      body.insert(body.begin() + static_cast<long>(k) + 1, second);
    }
  }
  for (PathStep& s : body) {
    s.title = apply_form(kTitleForms[rng.uniform_int(0, 5)], s.title);
    const std::string lead = kLeadIns[rng.uniform_int(0, 5)];
    if (!lead.empty()) s.content = lead + lower_first(s.content);
  }
  if (rng.bernoulli(o.intro_rate)) {
    const char* titles[] = {"Identifying Key Information", "Understanding the question",
                            "Decomposing the problem"};
    body.insert(body.begin(), PathStep{titles[rng.uniform_int(0, 2)],
                                       "The question asks: " + task.question +
                                           " I will examine the image step by step and derive "
                                           "the answer in more than one way.",
                                       "continue"});
  }
  if (rng.bernoulli(o.verify_rate)) {
    PathStep v{"Re-examining with another approach", "", "continue"};
    if (answer_wrong && rng.bernoulli(o.self_correct_rate)) {
      v.content = "Checking again by recounting from the image, the value is " + wrong_from +
                  ", not " + wrong_to + ". Correcting this, the result changes accordingly.";
      answer_value = task.answer_value;
      answer_wrong = false;
      self_corrected = true;
    } else {
      v.content = "Going through the image a second time in a different order, I reach the "
                  "same result: " + answer_value + ". The reasoning is consistent.";
    }
    body.push_back(v);
  }

  // --- conclusion -----------------------------------------------------------------------
  std::string letter;
  for (size_t i = 0; i < task.options.size(); ++i)
    if (task.options[i] == answer_value) letter = world::option_letter(i);
  if (!task.options.empty() && letter.empty()) {
    // A wrong value that is no option: the generator settles on some other (wrong) option.
    std::vector<size_t> wrong;
    for (size_t i = 0; i < task.options.size(); ++i)
      if (task.options[i] != task.answer_value) wrong.push_back(i);
    const size_t pick = rng.choice(wrong);
    letter = world::option_letter(pick);
    answer_value = task.options[pick];
  }
  // The text of the option alone in the other styles, unless it would read as a letter.
  const bool by_letter = o.answer_style == data::AnswerStyle::letter ||
                         !data::option_text_reads_as_itself(answer_value, task.options.size());
  PathStep concl{rng.bernoulli(0.5) ? "Concluding" : "Drawing the conclusion",
                 "Therefore the answer is " + answer_value +
                     (letter.empty() || !by_letter ? std::string(".") : ", which is option " + letter + "."),
                 "final_answer"};
  body.push_back(concl);
  plan.steps = std::move(body);
  plan.final_text = letter.empty() || !by_letter ? answer_value : letter;
  plan.provenance = {{"mistakes", mistakes},
                     {"expected_correct", !answer_wrong},
                     {"self_corrected", self_corrected},
                     {"final_value", answer_value}};
  return plan;
}

json TeacherBackend::provenance(const world::Task& task, uint64_t seed) const {
  return plan_teacher_path(task, seed, opts_).provenance;
}

std::string TeacherBackend::chat(const ChatRequest& req) {
  check(req.task != nullptr && req.messages != nullptr, "teacher",
        "the teacher needs the task of the request", "it only runs on VisWorld tasks");
  const auto& msgs = *req.messages;
  // Where are we: trailing (assistant bad reply, corrective user) pairs count the attempt;
  // accepted steps are the assistant messages after the pre-filled one.
  int attempt = 0;
  size_t end = msgs.size();
  while (end >= 2 && msgs[end - 1].text == invalid_json_prompt()) ++attempt, end -= 2;
  int steps_done = 0;
  for (size_t i = 3; i < end; ++i) steps_done += msgs[i].role == "assistant";
  const TeacherPlan plan = plan_teacher_path(*req.task, req.seed, opts_);
  Rng noise(mix_seed(req.seed ^ 0x5eedULL, static_cast<uint64_t>(steps_done * 8 + attempt)));

  std::string clean;
  const bool final_request = !msgs.empty() && msgs.back().text == final_answer_prompt();
  if (final_request) {
    clean = json{{"title", "FINAL ANSWER"}, {"content", plan.final_text}}.dump();
  } else {
    const PathStep& s = plan.steps[std::min<size_t>(steps_done, plan.steps.size() - 1)];
    clean = json{{"title", s.title}, {"content", s.content}, {"next_action", s.next_action}}.dump();
  }
  if (attempt == 0 && noise.bernoulli(opts_.garbage_rate))
    return "I think the next step is to look more carefully at the picture.";
  if (attempt == 0 && noise.bernoulli(opts_.malformed_rate)) {
    switch (noise.uniform_int(0, 2)) {
      case 0: return "```json\n" + clean + "\n```";
      case 1: return clean.substr(0, clean.size() - 1) + ",}";
      default: return "Here is the next step: " + clean.substr(0, clean.size() - 2);
    }
  }
  return clean;
}

}  // namespace insightv::pipeline
