// data/llava_json.h — LLaVA conversation JSON (the SFT format): write from VisWorld tasks,
// read back.
//
//   export_llava("vw/train", "sft/vw_train.json");
//   std::vector<LlavaSample> s = read_llava("sft/vw_train.json");   // JSON array or JSONL
//
// A sample: {"id", "image", "conversations": [{"from": "human", "value": "<image>\n<prompt>"},
// {"from": "gpt", "value": "<answer>"}]}, where <prompt> is data::task_prompt (question,
// options, answer-format instruction) and <answer> the letter for choice tasks, else the value.
// "image" is the image path relative to the output file's folder, so the JSON and the images
// can move together. The reader accepts any number of turns, keeps unknown keys in `extra`,
// and names the file and sample in errors.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "data/system_formats.h"
#include "io/json.h"
#include "world/task.h"

namespace insightv::data {

struct Turn {
  std::string from, value;  // from: "human" | "gpt" (others are kept as read)
};

struct LlavaSample {
  std::string id, image;
  std::vector<Turn> conversations;
  json extra = json::object();  // other keys, written back as they were
};

json llava_to_json(const LlavaSample& s);
LlavaSample llava_from_json(const json& j, const std::string& source);
// image_path: how the sample should name the image (relative to the output file's folder).
LlavaSample task_to_llava(const world::Task& t, const std::string& image_path,
                          AnswerStyle style = AnswerStyle::letter);  // the reply: answer_reply(t, style)
void write_llava(const std::string& path, const std::vector<LlavaSample>& samples);
std::vector<LlavaSample> read_llava(const std::string& path);
// Reads a task folder (or tasks.jsonl) and writes its LLaVA JSON; returns the sample count.
size_t export_llava(const std::string& tasks_path, const std::string& out_path);
// The path of `target` relative to folder `from` (both made absolute first).
std::string relative_path(const std::string& target, const std::string& from);

}  // namespace insightv::data
