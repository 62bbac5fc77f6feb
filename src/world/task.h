// world/task.h — the VisWorld task record (DESIGN.md "Task") and its JSON form.
//
//   Task t = task_from_json(row, "tasks.jsonl:12");
//   std::string prompt = task_prompt(t);   // question + options + answer-format instruction
//   std::vector<Task> all = read_tasks("out/train");   // a folder holding tasks.jsonl
//
// JSON keys: id, family, split, difficulty, image (PNG path relative to the JSONL's folder),
// question, options (four texts, choice only), answer (the letter for choice, else the value),
// answer_value (the option text for choice; equal to answer otherwise), answer_type
// (choice|number|text), query (the question in machine form), scene (the scene graph, pixel
// coordinates at the rendered size), solution ([{title, content}], the solver's chain ending
// in the answer), seed (the task's seed: split base + index), world_seed, size.
// Not here: generation (world/generate.h) and the export formats (data/).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "io/json.h"

namespace insightv::world {

struct Step {
  std::string title, content;
};

enum class AnswerType { choice, number, text };
const char* answer_type_name(AnswerType t);
AnswerType parse_answer_type(const std::string& s);

struct Task {
  std::string id, family, split;
  int difficulty = 1;
  std::string image;  // relative to the folder of tasks.jsonl
  std::string question;
  std::vector<std::string> options;  // four texts for choice questions, else empty
  std::string answer;                // "A".."D" for choice; the value otherwise
  std::string answer_value;          // the answer's text ("7", "3:25", "red")
  AnswerType answer_type = AnswerType::number;
  json query, scene;
  std::vector<Step> solution;
  uint64_t seed = 0, world_seed = 0;
  int size = 0;
};

json task_to_json(const Task& t);
// Throws Error("[world] <source>: ...") naming the missing or mistyped key.
Task task_from_json(const json& j, const std::string& source);

// "A", "B", ... for option index 0, 1, ...
std::string option_letter(size_t i);

// Reads <dir>/tasks.jsonl (or a .jsonl path directly).
std::vector<Task> read_tasks(const std::string& dir_or_jsonl);
// The folder holding the task images' root for `dir_or_jsonl` (the JSONL's folder).
std::string tasks_root(const std::string& dir_or_jsonl);

}  // namespace insightv::world
