// data/llava_json.cpp — LLaVA conversation JSON writer and reader.
#include "data/llava_json.h"

#include <climits>
#include <cstdlib>
#include <unistd.h>

#include "data/system_formats.h"
#include "util/error.h"
#include "util/fs.h"

namespace insightv::data {

json llava_to_json(const LlavaSample& s) {
  json j = s.extra.is_object() ? s.extra : json::object();
  j["id"] = s.id;
  j["image"] = s.image;
  json conv = json::array();
  for (const auto& t : s.conversations) conv.push_back({{"from", t.from}, {"value", t.value}});
  j["conversations"] = conv;
  return j;
}

LlavaSample llava_from_json(const json& j, const std::string& source) {
  check(j.is_object(), "llava", source + ": a sample must be a JSON object");
  LlavaSample s;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    if (k == "id") {
      s.id = it->is_string() ? it->get<std::string>() : it->dump();
    } else if (k == "image") {
      check(it->is_string(), "llava", source + ": 'image' must be a string");
      s.image = it->get<std::string>();
    } else if (k == "conversations") {
      check(it->is_array(), "llava", source + ": 'conversations' must be an array");
      for (const auto& turn : *it) {
        check(turn.is_object() && turn.contains("from") && turn.contains("value"), "llava",
              source + ": every turn needs 'from' and 'value'");
        check(turn["from"].is_string() && turn["value"].is_string(), "llava",
              source + ": a turn's 'from' and 'value' must be strings, got " + turn["from"].type_name() +
                  " and " + turn["value"].type_name());
        s.conversations.push_back({turn["from"].get<std::string>(), turn["value"].get<std::string>()});
      }
    } else {
      s.extra[k] = *it;
    }
  }
  check(!s.conversations.empty(), "llava", source + ": no 'conversations'", "not a LLaVA sample?");
  return s;
}

LlavaSample task_to_llava(const world::Task& t, const std::string& image_path, AnswerStyle style) {
  LlavaSample s;
  s.id = t.id;
  s.image = image_path;
  s.conversations = {{"human", "<image>\n" + data::task_prompt(t)}, {"gpt", data::answer_reply(t, style)}};
  return s;
}

void write_llava(const std::string& path, const std::vector<LlavaSample>& samples) {
  json arr = json::array();
  for (const auto& s : samples) arr.push_back(llava_to_json(s));
  write_file_atomic(path, arr.dump(1) + "\n");
}

std::vector<LlavaSample> read_llava(const std::string& path) {
  const std::string text = read_file(path);
  size_t first = text.find_first_not_of(" \t\r\n");
  check(first != std::string::npos, "llava", path + ": empty file");
  std::vector<LlavaSample> out;
  if (text[first] == '[') {
    const json arr = parse_json(text, path);
    for (size_t i = 0; i < arr.size(); ++i)
      out.push_back(llava_from_json(arr[i], path + " sample " + std::to_string(i)));
  } else {
    for (JsonlReader r(path); r.next();)
      out.push_back(llava_from_json(r.value(), path + ":" + std::to_string(r.line_number())));
  }
  return out;
}

namespace {
std::string absolute(const std::string& p) {
  char buf[PATH_MAX];
  if (realpath(p.c_str(), buf) != nullptr) return buf;
  if (!p.empty() && p[0] == '/') return p;
  char cwd[PATH_MAX];
  check(getcwd(cwd, sizeof cwd) != nullptr, "llava", "cannot read the current folder");
  return std::string(cwd) + "/" + p;
}

std::vector<std::string> components(const std::string& p) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= p.size()) {
    const size_t slash = p.find('/', start);
    const std::string part = p.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (!part.empty() && part != ".") parts.push_back(part);
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return parts;
}
}  // namespace

std::string relative_path(const std::string& target, const std::string& from) {
  const auto t = components(absolute(target)), f = components(absolute(from));
  size_t common = 0;
  while (common < t.size() && common < f.size() && t[common] == f[common]) ++common;
  std::string rel;
  for (size_t i = common; i < f.size(); ++i) rel += "../";
  for (size_t i = common; i < t.size(); ++i) rel += t[i] + (i + 1 < t.size() ? "/" : "");
  return rel.empty() ? "." : rel;
}

size_t export_llava(const std::string& tasks_path, const std::string& out_path) {
  const auto tasks = world::read_tasks(tasks_path);
  const std::string root = world::tasks_root(tasks_path);
  const std::string out_dir = parent_dir(out_path);
  check(is_directory(out_dir), "llava", "output folder " + out_dir + " does not exist",
        "create it first");
  std::vector<LlavaSample> samples;
  samples.reserve(tasks.size());
  for (const auto& t : tasks) samples.push_back(task_to_llava(t, relative_path(join_path(root, t.image), out_dir)));
  write_llava(out_path, samples);
  return samples.size();
}

}  // namespace insightv::data
