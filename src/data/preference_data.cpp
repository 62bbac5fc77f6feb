// data/preference_data.cpp — reading, writing and tokenising DPO preference pairs.
#include "data/preference_data.h"

#include "util/error.h"
#include "util/fs.h"

namespace insightv {

namespace {
std::string req(const json& j, const char* key, const std::string& source) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string())
    throw Error("data", source + ": missing or non-string '" + key + "'", "a pair needs prompt, chosen and rejected");
  return it->get<std::string>();
}
}  // namespace

PreferencePair preference_from_json(const json& j, const std::string& source) {
  check(j.is_object(), "data", source + ": a preference pair must be a JSON object");
  PreferencePair p;
  p.id = j.contains("id") ? (j["id"].is_string() ? j["id"].get<std::string>() : j["id"].dump()) : "";
  p.image = j.value("image", "");
  p.prompt = req(j, "prompt", source);
  p.chosen = req(j, "chosen", source);
  p.rejected = req(j, "rejected", source);
  p.answer = j.value("answer", "");
  return p;
}

json preference_to_json(const PreferencePair& p) {
  return {{"id", p.id}, {"image", p.image}, {"prompt", p.prompt}, {"chosen", p.chosen}, {"rejected", p.rejected},
          {"answer", p.answer}};
}

std::vector<PreferencePair> read_preference_pairs(const std::string& path) {
  std::vector<PreferencePair> out;
  const std::string text = read_file(path);
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && text[first] == '[') {
    const json arr = parse_json(text, path);
    for (size_t i = 0; i < arr.size(); ++i) out.push_back(preference_from_json(arr[i], path + "[" + std::to_string(i) + "]"));
    return out;
  }
  for (JsonlReader r(path); r.next();)
    out.push_back(preference_from_json(r.value(), path + ":" + std::to_string(r.line_number())));
  return out;
}

void write_preference_pairs(const std::string& path, const std::vector<PreferencePair>& pairs) {
  std::vector<json> rows;
  for (const auto& p : pairs) rows.push_back(preference_to_json(p));
  write_jsonl_atomic(path, rows);
}

std::vector<PreferenceExample> build_preference_examples(const std::vector<PreferencePair>& pairs, const Tokenizer& tok,
                                                         const SftDataOptions& opts, const std::string& image_root) {
  std::vector<PreferenceExample> out;
  for (const auto& p : pairs) {
    std::string prompt = p.prompt;
    for (size_t at; (at = prompt.find("<image>")) != std::string::npos;) prompt.erase(at, 7);
    while (!prompt.empty() && (prompt[0] == '\n' || prompt[0] == ' ')) prompt.erase(0, 1);
    if (!p.image.empty()) prompt = "<image>\n" + prompt;
    auto side = [&](const std::string& answer) {
      data::LlavaSample s;
      s.id = p.id;
      s.image = p.image;
      s.conversations = {{"human", prompt}, {"gpt", answer}};
      auto ex = build_sft_examples({s}, tok, opts, image_root);
      check(!ex.empty(), "data", "pair '" + p.id + "': the answer does not fit in max_length " + std::to_string(opts.max_length));
      return ex[0];
    };
    out.push_back({p.id, side(p.chosen), side(p.rejected)});
  }
  return out;
}

}  // namespace insightv
