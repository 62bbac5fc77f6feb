// eval/benchmark.cpp — see benchmark.h.
#include "eval/benchmark.h"

#include <cstdlib>
#include <fstream>
#include <set>

#include "data/llava_json.h"
#include "data/system_formats.h"
#include "data/vlm_tsv.h"
#include "io/json.h"
#include "util/error.h"
#include "util/fs.h"
#include "world/task.h"

namespace insightv::eval {

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string trim(const std::string& s) {
  const size_t a = s.find_first_not_of(" \t\r\n");
  if (a == std::string::npos) return "";
  return s.substr(a, s.find_last_not_of(" \t\r\n") - a + 1);
}

// A whole-string number ("7", "-3.5"), as VisWorld writes number answers.
bool is_number(const std::string& s0) {
  const std::string s = trim(s0);
  if (s.empty()) return false;
  char* end = nullptr;
  std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size();
}

// A gold answer from a letter/value and the options (choice when there are options).
data::GoldAnswer gold_from(const std::string& answer, const std::vector<std::string>& options) {
  data::GoldAnswer g;
  g.answer = trim(answer);
  g.options = options;
  if (!options.empty()) {
    g.type = world::AnswerType::choice;
    const int k = g.answer.size() == 1 ? g.answer[0] - 'A' : -1;
    g.value = k >= 0 && k < static_cast<int>(options.size()) ? options[k] : "";
  } else {
    g.type = is_number(g.answer) ? world::AnswerType::number : world::AnswerType::text;
    g.value = g.answer;
  }
  return g;
}

std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> out;
  size_t at = 0;
  for (size_t nl; (nl = s.find('\n', at)) != std::string::npos; at = nl + 1) out.push_back(s.substr(at, nl - at));
  out.push_back(s.substr(at));
  return out;
}

}  // namespace

Image EvalImage::load() const {
  check(!empty(), "eval", "item has no image", "every benchmark item needs an image");
  if (!path.empty()) return read_image(path);
  return decode_image(bytes, "benchmark image");
}

std::string benchmark_format(const std::string& path) {
  check(file_exists(path) || is_directory(path), "eval", "no benchmark at '" + path + "'",
        "pass a VisWorld folder, a .tsv or a LLaVA .json");
  if (is_directory(path)) return "visworld";
  if (ends_with(path, ".tsv")) return "tsv";
  if (ends_with(path, ".json")) return "llava";
  if (ends_with(path, ".jsonl")) {
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line) && trim(line).empty()) {
    }
    return line.find("\"conversations\"") != std::string::npos ? "llava" : "visworld";
  }
  throw Error("eval", "cannot tell the format of '" + path + "'",
              "use a VisWorld folder or tasks.jsonl, a .tsv (VLMEvalKit) or a .json (LLaVA)");
}

std::vector<EvalItem> load_visworld(const std::string& dir_or_jsonl) {
  const std::string root = world::tasks_root(dir_or_jsonl);
  std::vector<EvalItem> out;
  for (const world::Task& t : world::read_tasks(dir_or_jsonl)) {
    EvalItem it;
    it.id = t.id;
    it.image.path = t.image.empty() ? "" : join_path(root, t.image);
    it.question = t.question;
    it.options = t.options;
    it.gold = data::gold_from_task(t);
    it.category = t.family.empty() ? "all" : t.family;
    it.difficulty = t.difficulty;
    out.push_back(std::move(it));
  }
  return out;
}

std::vector<EvalItem> load_tsv(const std::string& path) {
  std::vector<EvalItem> out;
  for (data::TsvRow& r : data::read_tsv(path)) {
    EvalItem it;
    it.id = r.id.empty() ? std::to_string(r.index) : r.id;
    it.image.bytes = std::move(r.image);
    it.question = r.question;
    it.hint = r.hint;
    it.options = r.options;
    it.gold = gold_from(r.answer, r.options);
    it.category = !r.category.empty() ? r.category : !r.family.empty() ? r.family : "all";
    it.difficulty = r.difficulty;
    out.push_back(std::move(it));
  }
  return out;
}

std::vector<EvalItem> load_llava(const std::string& path) {
  const std::string root = parent_dir(path);
  std::vector<EvalItem> out;
  for (const data::LlavaSample& s : data::read_llava(path)) {
    std::string human, gpt;
    bool has_human = false, has_gpt = false;
    for (const data::Turn& t : s.conversations) {
      if (t.from == "human" && !has_human) human = t.value, has_human = true;
      else if (t.from == "gpt" && has_human && !has_gpt) gpt = t.value, has_gpt = true;
    }
    check(has_human && has_gpt, "eval", path + ": sample '" + s.id + "' lacks a human or a gpt turn",
          "each sample needs a question (human) and its answer (gpt)");
    for (size_t at; (at = human.find("<image>\n")) != std::string::npos;) human.erase(at, 8);
    for (size_t at; (at = human.find("<image>")) != std::string::npos;) human.erase(at, 7);
    // Undo data::task_prompt: the trailing instruction, then trailing "A. text" option lines,
    // so that eval_prompt rebuilds the same user turn.
    std::vector<std::string> lines = split_lines(trim(human));
    if (lines.size() > 1 && (lines.back() == data::kChoiceInstruction || lines.back() == data::kOpenInstruction))
      lines.pop_back();
    size_t first_option = lines.size();
    while (first_option > 1) {
      const std::string& l = lines[first_option - 1];
      if (l.size() >= 3 && l[0] >= 'A' && l[0] <= 'Z' && l[1] == '.' && l[2] == ' ') --first_option;
      else break;
    }
    std::vector<std::string> options;
    for (size_t i = first_option; i < lines.size(); ++i) {
      if (lines[i][0] != static_cast<char>('A' + (i - first_option))) {  // not A, B, C... in order
        options.clear();
        first_option = lines.size();
        break;
      }
      options.push_back(lines[i].substr(3));
    }
    std::string question;
    for (size_t i = 0; i < first_option; ++i) question += (i ? "\n" : "") + lines[i];

    EvalItem it;
    it.id = s.id;
    if (!s.image.empty()) it.image.path = s.image[0] == '/' ? s.image : join_path(root, s.image);
    const std::string ans = trim(gpt);
    const bool letter = ans.size() == 1 && ans[0] >= 'A' && ans[0] <= 'D';
    if (letter && options.empty()) {
      // A letter answer whose options we could not find: keep the text as it is, and let the
      // matcher accept letters A-D.
      it.question = trim(human);
      it.gold = gold_from(ans, {"", "", "", ""});
      it.gold.value.clear();
    } else if (!letter && !options.empty()) {
      it.question = trim(human);  // options present but an open answer: leave the text alone
      it.gold = gold_from(ans, {});
    } else {
      it.question = question;
      it.options = options;
      it.gold = gold_from(ans, options);
    }
    if (s.extra.contains("category") && s.extra["category"].is_string()) it.category = s.extra["category"];
    else if (s.extra.contains("family") && s.extra["family"].is_string()) it.category = s.extra["family"];
    if (s.extra.contains("difficulty") && s.extra["difficulty"].is_number_integer())
      it.difficulty = s.extra["difficulty"].get<int>();
    out.push_back(std::move(it));
  }
  return out;
}

std::vector<EvalItem> load_benchmark(const std::string& path, int64_t limit) {
  const std::string format = benchmark_format(path);
  std::vector<EvalItem> items = format == "visworld" ? load_visworld(path)
                                : format == "tsv"    ? load_tsv(path)
                                                     : load_llava(path);
  if (limit > 0 && static_cast<int64_t>(items.size()) > limit) items.resize(static_cast<size_t>(limit));
  std::set<std::string> ids;
  for (const EvalItem& it : items)
    check(ids.insert(it.id).second, "eval", path + ": item id '" + it.id + "' occurs twice",
          "item ids key the response cache; make them unique");
  check(!items.empty(), "eval", path + " holds no items", "is it the right file?");
  return items;
}

}  // namespace insightv::eval
