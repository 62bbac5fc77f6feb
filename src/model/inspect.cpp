// model/inspect.cpp — JSON summaries and name/shape validation of checkpoints.
#include "model/inspect.h"

#include <map>
#include <memory>

#include "io/safetensors.h"
#include "model/llava.h"
#include "model/weight_files.h"
#include "util/error.h"
#include "util/fs.h"

namespace insightv {

json summarize_config(const ModelConfig& c) {
  const ParamCount p = count_parameters(c);
  const double n = static_cast<double>(p.total());
  json j = {
      {"architecture", c.architecture},
      {"text", {{"model_type", c.text.model_type}, {"hidden_size", c.text.hidden_size},
                {"num_hidden_layers", c.text.num_hidden_layers}, {"num_attention_heads", c.text.num_attention_heads},
                {"num_key_value_heads", c.text.num_key_value_heads}, {"intermediate_size", c.text.intermediate_size},
                {"vocab_size", c.text.vocab_size}, {"rope_theta", c.text.rope_theta}}},
      {"parameters", {{"llm", p.llm}, {"vision", p.vision}, {"projector", p.projector}, {"total", p.total()}}},
      {"weight_memory_gib", {{"f32", n * 4 / (1 << 30)}, {"bf16", n * 2 / (1 << 30)}, {"f16", n * 2 / (1 << 30)}}},
  };
  if (c.is_multimodal())
    j["vision"] = {{"image_size", c.vision->image_size}, {"patch_size", c.vision->patch_size},
                   {"hidden_size", c.vision->hidden_size}, {"num_hidden_layers", c.vision->num_hidden_layers},
                   {"select_layer", c.mm.mm_vision_select_layer}, {"image_aspect_ratio", c.mm.image_aspect_ratio},
                   {"pinpoints", c.mm.image_grid_pinpoints.size()}};
  return j;
}

json inspect_path(const std::string& path, bool list_tensors) {
  std::vector<std::unique_ptr<SafetensorsFile>> files;
  for (const auto& shard : weight_shards(path, "inspect")) files.push_back(std::make_unique<SafetensorsFile>(shard));
  json out = {{"path", path}, {"files", files.size()}};
  std::map<std::string, int64_t> dtypes;
  std::map<std::string, std::vector<int64_t>> shapes;
  int64_t params = 0, bytes = 0;
  json tensors = json::array();
  for (const auto& f : files)
    for (const auto& t : f->tensors()) {
      dtypes[dtype_name(t.dtype)] += 1;
      params += t.numel();
      bytes += static_cast<int64_t>(t.nbytes());
      const std::string name = canonical_weight_name(t.name);
      check(!shapes.count(name), "inspect", "tensor '" + name + "' appears twice");
      shapes[name] = t.shape;
      if (list_tensors) tensors.push_back({{"name", t.name}, {"dtype", dtype_name(t.dtype)}, {"shape", t.shape}});
    }
  out["tensors"] = shapes.size();
  out["parameters"] = params;
  out["bytes"] = bytes;
  out["dtypes"] = dtypes;
  if (list_tensors) out["tensor_list"] = tensors;
  const std::string dir = is_directory(path) ? path : parent_dir(path);
  const std::string cfg_path = join_path(dir, "config.json");
  if (!file_exists(cfg_path)) {
    out["kind"] = "safetensors";
    return out;
  }
  out["kind"] = "checkpoint";
  const ModelConfig cfg = load_model_config(cfg_path);
  out["config"] = summarize_config(cfg);
  std::vector<std::string> problems;
  std::map<std::string, bool> expected;
  for (const auto& [name, shape] : expected_parameters(cfg)) {
    expected[name] = true;
    auto it = shapes.find(name);
    if (it == shapes.end()) problems.push_back("missing " + name);
    else if (it->second != shape) problems.push_back("mis-shaped " + name);
  }
  for (const auto& [name, _] : shapes)
    if (!expected.count(name)) problems.push_back("unexpected " + name);
  if (!problems.empty()) {
    std::string msg = path + ": " + std::to_string(problems.size()) + " tensor(s) do not match config.json: ";
    for (size_t i = 0; i < problems.size() && i < 6; ++i) msg += (i ? "; " : "") + problems[i];
    if (problems.size() > 6) msg += "; …";
    throw Error("inspect", msg, "is config.json the one these weights were saved with?");
  }
  out["valid"] = true;
  return out;
}

}  // namespace insightv
