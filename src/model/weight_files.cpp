// model/weight_files.cpp — the shard list of a checkpoint and the HF → llava tensor-name map.
#include "model/weight_files.h"

#include <set>

#include "io/json.h"
#include "util/error.h"
#include "util/fs.h"

namespace insightv {

std::vector<std::string> weight_shards(const std::string& path, const char* component) {
  std::string p = path;
  if (is_directory(p)) {
    if (file_exists(join_path(p, "model.safetensors")))
      p = join_path(p, "model.safetensors");
    else if (file_exists(join_path(p, "model.safetensors.index.json")))
      p = join_path(p, "model.safetensors.index.json");
    else
      throw Error(component, "'" + path + "' has neither model.safetensors nor model.safetensors.index.json",
                  "is this a checkpoint folder?");
  }
  if (p.size() <= 5 || p.compare(p.size() - 5, 5, ".json") != 0) return {p};
  const json idx = read_json_file(p);
  check(idx.contains("weight_map") && idx["weight_map"].is_object(), component, p + ": no weight_map object",
        "a sharded index names each tensor's file");
  std::set<std::string> files;
  for (auto it = idx["weight_map"].begin(); it != idx["weight_map"].end(); ++it) {
    check(it.value().is_string(), component, p + ": the weight_map entry of '" + it.key() + "' is not a file name");
    const std::string f = it.value().get<std::string>();
    check(!f.empty() && f.find('/') == std::string::npos, component,
          p + ": shard name '" + f + "' must be a plain file name");
    files.insert(f);
  }
  std::vector<std::string> shards;
  for (const auto& f : files) shards.push_back(join_path(parent_dir(p), f));
  return shards;
}

std::string canonical_weight_name(const std::string& name) {
  static const std::pair<const char*, const char*> rules[] = {
      {"language_model.model.", "model."},
      {"language_model.lm_head.", "lm_head."},
      {"vision_tower.vision_model.", "model.vision_tower.vision_tower.vision_model."},
      {"multi_modal_projector.linear_1.", "model.mm_projector.0."},
      {"multi_modal_projector.linear_2.", "model.mm_projector.2."},
      {"image_newline", "model.image_newline"},
  };
  for (const auto& [from, to] : rules) {
    const std::string f = from;
    if (name.compare(0, f.size(), f) == 0) return to + name.substr(f.size());
  }
  return name;
}

}  // namespace insightv
