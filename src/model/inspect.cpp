// model/inspect.cpp — JSON summaries and name/shape validation of checkpoints.
#include "model/inspect.h"

#include <map>
#include <memory>

#include "io/safetensors.h"
#include "model/llava.h"
#include "util/error.h"
#include "util/fs.h"

namespace insightv {

namespace {

std::string canonical(const std::string& n) {
  // Same mapping as model/checkpoint.h, kept torch-free here.
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
    if (n.compare(0, f.size(), f) == 0) return to + n.substr(f.size());
  }
  return n;
}

struct Loaded {
  std::vector<std::unique_ptr<SafetensorsFile>> files;
};

Loaded open_all(const std::string& path) {
  Loaded l;
  std::string p = path;
  if (is_directory(p)) {
    if (file_exists(join_path(p, "model.safetensors"))) p = join_path(p, "model.safetensors");
    else if (file_exists(join_path(p, "model.safetensors.index.json"))) p = join_path(p, "model.safetensors.index.json");
    else throw Error("inspect", "'" + path + "' has no model.safetensors or model.safetensors.index.json",
                     "is this a checkpoint folder?");
  }
  if (p.size() > 5 && p.compare(p.size() - 5, 5, ".json") == 0) {
    const json idx = read_json_file(p);
    check(idx.contains("weight_map") && idx["weight_map"].is_object(), "inspect", p + ": no weight_map");
    std::map<std::string, bool> files;
    for (auto it = idx["weight_map"].begin(); it != idx["weight_map"].end(); ++it) files[it.value().get<std::string>()] = true;
    for (const auto& [f, _] : files) l.files.push_back(std::make_unique<SafetensorsFile>(join_path(parent_dir(p), f)));
  } else {
    l.files.push_back(std::make_unique<SafetensorsFile>(p));
  }
  return l;
}

}  // namespace

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
  Loaded l = open_all(path);
  json out = {{"path", path}, {"files", l.files.size()}};
  std::map<std::string, int64_t> dtypes;
  std::map<std::string, std::vector<int64_t>> shapes;
  int64_t params = 0, bytes = 0;
  json tensors = json::array();
  for (const auto& f : l.files)
    for (const auto& t : f->tensors()) {
      dtypes[dtype_name(t.dtype)] += 1;
      params += t.numel();
      bytes += static_cast<int64_t>(t.nbytes());
      const std::string name = canonical(t.name);
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
