// world/task.cpp — Task <-> JSON, prompts, reading a task folder.
#include "world/task.h"

#include "util/error.h"
#include "util/fs.h"

namespace insightv::world {

const char* answer_type_name(AnswerType t) {
  switch (t) {
    case AnswerType::choice: return "choice";
    case AnswerType::number: return "number";
    case AnswerType::text: return "text";
  }
  return "?";
}

AnswerType parse_answer_type(const std::string& s) {
  if (s == "choice") return AnswerType::choice;
  if (s == "number") return AnswerType::number;
  if (s == "text") return AnswerType::text;
  throw Error("world", "unknown answer_type '" + s + "'", "expected choice, number or text");
}

json task_to_json(const Task& t) {
  json steps = json::array();
  for (const auto& s : t.solution) steps.push_back({{"title", s.title}, {"content", s.content}});
  json j = {
      {"id", t.id},
      {"family", t.family},
      {"split", t.split},
      {"difficulty", t.difficulty},
      {"image", t.image},
      {"question", t.question},
      {"answer", t.answer},
      {"answer_value", t.answer_value},
      {"answer_type", answer_type_name(t.answer_type)},
      {"query", t.query},
      {"scene", t.scene},
      {"solution", steps},
      {"seed", t.seed},
      {"world_seed", t.world_seed},
      {"size", t.size},
  };
  if (t.answer_type == AnswerType::choice) j["options"] = t.options;
  return j;
}

namespace {
template <class T>
T get_key(const json& j, const char* key, const std::string& source) {
  auto it = j.find(key);
  check(it != j.end(), "world", source + ": missing key '" + key + "'", "not a VisWorld task?");
  try {
    return it->get<T>();
  } catch (const json::exception&) {
    throw Error("world", source + ": key '" + key + "' has the wrong type (" +
                             std::string(it->type_name()) + ")");
  }
}
}  // namespace

Task task_from_json(const json& j, const std::string& source) {
  check(j.is_object(), "world", source + ": a task must be a JSON object");
  Task t;
  t.id = get_key<std::string>(j, "id", source);
  t.family = get_key<std::string>(j, "family", source);
  t.split = j.value("split", "");
  t.difficulty = get_key<int>(j, "difficulty", source);
  t.image = get_key<std::string>(j, "image", source);
  t.question = get_key<std::string>(j, "question", source);
  t.answer = get_key<std::string>(j, "answer", source);
  t.answer_value = j.value("answer_value", t.answer);
  t.answer_type = parse_answer_type(get_key<std::string>(j, "answer_type", source));
  if (t.answer_type == AnswerType::choice) {
    t.options = get_key<std::vector<std::string>>(j, "options", source);
    check(t.options.size() >= 2, "world", source + ": a choice task needs at least 2 options");
  }
  t.query = j.value("query", json::object());
  t.scene = j.value("scene", json::object());
  if (j.contains("solution")) {
    for (const auto& s : j["solution"])
      t.solution.push_back({s.value("title", ""), s.value("content", "")});
  }
  t.seed = j.value("seed", uint64_t{0});
  t.world_seed = j.value("world_seed", uint64_t{0});
  t.size = j.value("size", 0);
  return t;
}

std::string option_letter(size_t i) { return std::string(1, static_cast<char>('A' + i)); }

std::string tasks_root(const std::string& dir_or_jsonl) {
  if (is_directory(dir_or_jsonl)) return dir_or_jsonl;
  return parent_dir(dir_or_jsonl);
}

std::vector<Task> read_tasks(const std::string& dir_or_jsonl) {
  const std::string path = is_directory(dir_or_jsonl) ? join_path(dir_or_jsonl, "tasks.jsonl")
                                                      : dir_or_jsonl;
  check(file_exists(path), "world", "no task file at " + path,
        "pass the folder written by `insightv world` (it holds tasks.jsonl)");
  std::vector<Task> tasks;
  for (JsonlReader r(path); r.next();)
    tasks.push_back(task_from_json(r.value(), path + ":" + std::to_string(r.line_number())));
  return tasks;
}

}  // namespace insightv::world
