// model/config.cpp — parsing and writing model configs (HF text, HF llava_next, llava_llama).
#include "model/config.h"

#include "io/tokenizer.h"

#include "util/error.h"

namespace insightv {

namespace {

template <class T>
T get_or(const json& j, const char* key, T fallback) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  return it->get<T>();
}

int64_t require_int(const json& j, const char* key, const std::string& source) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer())
    throw Error("config", source + ": missing or non-integer '" + key + "'",
                "is this a LLaMA/Qwen2/LLaVA config.json?");
  const int64_t v = it->get<int64_t>();
  if (v <= 0) throw Error("config", source + ": '" + std::string(key) + "' must be positive, got " + std::to_string(v));
  return v;
}

int64_t token_id(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return -1;
  if (it->is_array()) return it->empty() ? -1 : (*it)[0].get<int64_t>();
  return it->get<int64_t>();
}

TextConfig parse_text(const json& j, const std::string& source) {
  TextConfig t;
  t.model_type = get_or<std::string>(j, "model_type", "llama");
  if (t.model_type == "llava_llama" || t.model_type == "llava") t.model_type = "llama";
  if (t.model_type == "llava_qwen") t.model_type = "qwen2";
  t.vocab_size = require_int(j, "vocab_size", source);
  t.hidden_size = require_int(j, "hidden_size", source);
  t.intermediate_size = require_int(j, "intermediate_size", source);
  t.num_hidden_layers = require_int(j, "num_hidden_layers", source);
  t.num_attention_heads = require_int(j, "num_attention_heads", source);
  t.num_key_value_heads = get_or<int64_t>(j, "num_key_value_heads", t.num_attention_heads);
  t.head_dim = get_or<int64_t>(j, "head_dim", t.hidden_size / t.num_attention_heads);
  t.rope_theta = get_or<double>(j, "rope_theta", 10000.0);
  t.rms_norm_eps = get_or<double>(j, "rms_norm_eps", 1e-6);
  t.attention_bias = get_or<bool>(j, "attention_bias", t.model_type == "qwen2");
  t.tie_word_embeddings = get_or<bool>(j, "tie_word_embeddings", false);
  t.max_position_embeddings = get_or<int64_t>(j, "max_position_embeddings", 2048);
  t.hidden_act = get_or<std::string>(j, "hidden_act", "silu");
  t.bos_token_id = token_id(j, "bos_token_id");
  t.eos_token_id = token_id(j, "eos_token_id");
  t.pad_token_id = token_id(j, "pad_token_id");
  if (t.num_attention_heads % t.num_key_value_heads != 0)
    throw Error("config", source + ": num_attention_heads " + std::to_string(t.num_attention_heads) +
                              " is not a multiple of num_key_value_heads " +
                              std::to_string(t.num_key_value_heads));
  if (j.contains("rope_scaling") && !j["rope_scaling"].is_null())
    throw Error("config", source + ": rope_scaling is not supported", "use a config without rope_scaling");
  return t;
}

VisionConfig parse_vision(const json& j, const std::string& source) {
  VisionConfig v;
  v.image_size = require_int(j, "image_size", source + " vision_config");
  v.patch_size = require_int(j, "patch_size", source + " vision_config");
  v.hidden_size = require_int(j, "hidden_size", source + " vision_config");
  v.intermediate_size = require_int(j, "intermediate_size", source + " vision_config");
  v.num_hidden_layers = require_int(j, "num_hidden_layers", source + " vision_config");
  v.num_attention_heads = require_int(j, "num_attention_heads", source + " vision_config");
  v.num_channels = get_or<int64_t>(j, "num_channels", 3);
  v.layer_norm_eps = get_or<double>(j, "layer_norm_eps", 1e-5);
  v.hidden_act = get_or<std::string>(j, "hidden_act", "quick_gelu");
  if (j.contains("image_mean")) v.image_mean = j["image_mean"].get<std::vector<double>>();
  if (j.contains("image_std")) v.image_std = j["image_std"].get<std::vector<double>>();
  return v;
}

std::vector<std::pair<int64_t, int64_t>> parse_pinpoints(const json& j, bool height_first) {
  std::vector<std::pair<int64_t, int64_t>> out;
  if (j.is_string()) {  // "(1x1),...,(3x3)" grid notation needs the tower size: handled by caller
    return out;
  }
  for (const auto& p : j) {
    const int64_t a = p.at(0).get<int64_t>(), b = p.at(1).get<int64_t>();
    out.emplace_back(height_first ? b : a, height_first ? a : b);
  }
  return out;
}

}  // namespace

std::optional<VisionConfig> known_vision_tower(const std::string& hub_id) {
  VisionConfig v;
  v.hidden_size = 1024;
  v.intermediate_size = 4096;
  v.num_hidden_layers = 24;
  v.num_attention_heads = 16;
  v.patch_size = 14;
  v.hidden_act = "quick_gelu";
  if (hub_id == "openai/clip-vit-large-patch14-336") {
    v.image_size = 336;
    return v;
  }
  if (hub_id == "openai/clip-vit-large-patch14") {
    v.image_size = 224;
    return v;
  }
  return std::nullopt;
}

ModelConfig parse_model_config(const json& j, const std::string& source) {
  if (!j.is_object()) throw Error("config", source + ": not a JSON object");
  ModelConfig c;
  const std::string model_type = get_or<std::string>(j, "model_type", "llama");
  if (j.contains("architectures") && j["architectures"].is_array() && !j["architectures"].empty())
    c.architecture = j["architectures"][0].get<std::string>();

  if (model_type == "llava_next") {  // HF layout
    c.text = parse_text(j.at("text_config"), source + " text_config");
    c.vision = parse_vision(j.at("vision_config"), source);
    c.mm.mm_hidden_size = c.vision->hidden_size;
    c.mm.mm_vision_select_layer = get_or<int64_t>(j, "vision_feature_layer", -2);
    c.mm.mm_vision_select_feature =
        get_or<std::string>(j, "vision_feature_select_strategy", "default") == "full" ? "cls_patch" : "patch";
    c.mm.image_grid_pinpoints = parse_pinpoints(j.value("image_grid_pinpoints", json::array()), true);
    c.mm.image_token_index = get_or<int64_t>(j, "image_token_index", 32000);
    const std::string act = get_or<std::string>(j, "projector_hidden_act", "gelu");
    if (act != "gelu") throw Error("config", source + ": projector_hidden_act '" + act + "' is not supported");
    c.text.tie_word_embeddings = get_or<bool>(j, "tie_word_embeddings", c.text.tie_word_embeddings);
    return c;
  }

  c.text = parse_text(j, source);
  const bool llava = model_type == "llava_llama" || model_type == "llava" || model_type == "llava_qwen" ||
                     j.contains("mm_projector_type") || j.contains("mm_vision_tower");
  if (!llava) {
    if (c.architecture.rfind("Llava", 0) == 0) c.architecture = "LlamaForCausalLM";
    return c;
  }
  c.mm.mm_projector_type = get_or<std::string>(j, "mm_projector_type", "mlp2x_gelu");
  if (c.mm.mm_projector_type != "mlp2x_gelu" && c.mm.mm_projector_type != "linear")
    throw Error("config", source + ": mm_projector_type '" + c.mm.mm_projector_type + "' is not supported",
                "supported: mlp2x_gelu, linear");
  c.mm.mm_vision_select_layer = get_or<int64_t>(j, "mm_vision_select_layer", -2);
  c.mm.mm_vision_select_feature = get_or<std::string>(j, "mm_vision_select_feature", "patch");
  c.mm.image_aspect_ratio = get_or<std::string>(j, "image_aspect_ratio", "anyres");
  c.mm.mm_patch_merge_type = get_or<std::string>(j, "mm_patch_merge_type", "spatial_unpad");
  c.mm.mm_vision_tower = get_or<std::string>(j, "mm_vision_tower", "");
  c.mm.image_token_index = get_or<int64_t>(j, "image_token_index", -200);
  if (j.contains("vision_config")) {
    c.vision = parse_vision(j["vision_config"], source);
  } else if (auto v = known_vision_tower(c.mm.mm_vision_tower)) {
    c.vision = *v;
  } else {
    throw Error("config", source + ": vision tower '" + c.mm.mm_vision_tower + "' is unknown",
                "add a \"vision_config\" object with the CLIP numbers");
  }
  c.mm.mm_hidden_size = get_or<int64_t>(j, "mm_hidden_size", c.vision->hidden_size);
  if (j.contains("image_grid_pinpoints")) {
    const json& p = j["image_grid_pinpoints"];
    if (p.is_string()) {  // "(1x1),...,(3x3)": grids of the tower's input size
      const std::string s = p.get<std::string>();
      for (size_t i = 0; (i = s.find('(', i)) != std::string::npos; ++i) {
        int64_t a = 0, b = 0;
        if (std::sscanf(s.c_str() + i, "(%ldx%ld)", &a, &b) == 2)
          c.mm.image_grid_pinpoints.emplace_back(a * c.vision->image_size, b * c.vision->image_size);
      }
    } else {
      c.mm.image_grid_pinpoints = parse_pinpoints(p, false);
    }
  }
  return c;
}

ModelConfig load_model_config(const std::string& path) {
  return parse_model_config(read_json_file(path), path);
}

json model_config_to_json(const ModelConfig& c) {
  const TextConfig& t = c.text;
  json j = {
      {"architectures", {c.is_multimodal() ? "LlavaLlamaForCausalLM" : (t.model_type == "qwen2" ? "Qwen2ForCausalLM" : "LlamaForCausalLM")}},
      {"model_type", c.is_multimodal() ? (t.model_type == "qwen2" ? "llava_qwen" : "llava_llama") : t.model_type},
      {"vocab_size", t.vocab_size},
      {"hidden_size", t.hidden_size},
      {"intermediate_size", t.intermediate_size},
      {"num_hidden_layers", t.num_hidden_layers},
      {"num_attention_heads", t.num_attention_heads},
      {"num_key_value_heads", t.num_key_value_heads},
      {"head_dim", t.head_dim},
      {"rope_theta", t.rope_theta},
      {"rms_norm_eps", t.rms_norm_eps},
      {"attention_bias", t.attention_bias},
      {"tie_word_embeddings", t.tie_word_embeddings},
      {"max_position_embeddings", t.max_position_embeddings},
      {"hidden_act", t.hidden_act},
      {"torch_dtype", "float32"},
  };
  if (t.bos_token_id >= 0) j["bos_token_id"] = t.bos_token_id;
  if (t.eos_token_id >= 0) j["eos_token_id"] = t.eos_token_id;
  if (t.pad_token_id >= 0) j["pad_token_id"] = t.pad_token_id;
  if (c.is_multimodal()) {
    const VisionConfig& v = *c.vision;
    j["mm_projector_type"] = c.mm.mm_projector_type;
    j["mm_hidden_size"] = c.mm.mm_hidden_size;
    j["mm_vision_select_layer"] = c.mm.mm_vision_select_layer;
    j["mm_vision_select_feature"] = c.mm.mm_vision_select_feature;
    j["image_aspect_ratio"] = c.mm.image_aspect_ratio;
    j["mm_patch_merge_type"] = c.mm.mm_patch_merge_type;
    j["mm_vision_tower"] = c.mm.mm_vision_tower;
    json pins = json::array();
    for (const auto& [w, h] : c.mm.image_grid_pinpoints) pins.push_back({w, h});
    j["image_grid_pinpoints"] = pins;
    j["image_token_index"] = c.mm.image_token_index;
    j["vision_config"] = {
        {"image_size", v.image_size},         {"patch_size", v.patch_size},
        {"hidden_size", v.hidden_size},       {"intermediate_size", v.intermediate_size},
        {"num_hidden_layers", v.num_hidden_layers}, {"num_attention_heads", v.num_attention_heads},
        {"num_channels", v.num_channels},     {"layer_norm_eps", v.layer_norm_eps},
        {"hidden_act", v.hidden_act},         {"image_mean", v.image_mean},
        {"image_std", v.image_std}};
  }
  return j;
}

std::vector<std::string> preset_names() { return {"nano", "llava-next-llama3-8b"}; }

ModelConfig preset_config(const std::string& name) {
  ModelConfig c;
  if (name == "nano") {
    c.text = TextConfig{"llama", 2048, 256, 704, 6, 8, 4, 32, 10000.0, 1e-5, false, false, 2048, "silu", -1, -1, -1};
    VisionConfig v;
    v.image_size = 128;
    v.patch_size = 16;
    v.hidden_size = 192;
    v.intermediate_size = 768;
    v.num_hidden_layers = 4;
    v.num_attention_heads = 4;
    v.hidden_act = "gelu";
    c.vision = v;
    c.mm.mm_hidden_size = v.hidden_size;
    c.mm.mm_vision_select_layer = -1;
    c.mm.image_aspect_ratio = "resize";
    c.mm.mm_patch_merge_type = "flat";
    c.mm.mm_vision_tower = "insightv/nano-vit";
    return c;
  }
  if (name == "llava-next-llama3-8b") {
    c.text = TextConfig{"llama", 128256, 4096, 14336, 32, 32, 8, 128, 500000.0, 1e-5, false, false, 8192, "silu", 128000, 128001, -1};
    c.vision = *known_vision_tower("openai/clip-vit-large-patch14-336");
    c.mm.mm_hidden_size = 1024;
    c.mm.mm_vision_select_layer = -2;
    c.mm.mm_vision_tower = "openai/clip-vit-large-patch14-336";
    for (int a = 1; a <= 3; ++a)
      for (int b = 1; b <= 3; ++b) c.mm.image_grid_pinpoints.emplace_back(a * 336, b * 336);
    return c;
  }
  throw Error("config", "unknown preset '" + name + "'", "presets: nano, llava-next-llama3-8b");
}

void fit_config_to_tokenizer(ModelConfig& cfg, const Tokenizer& tok) {
  cfg.text.vocab_size = tok.vocab_size();
  if (tok.token_to_id("<image>") >= 0) cfg.mm.image_token_index = tok.token_to_id("<image>");
  cfg.text.bos_token_id = tok.bos_id();
  cfg.text.eos_token_id = tok.eos_id();
  cfg.text.pad_token_id = tok.pad_id();
}

}  // namespace insightv
