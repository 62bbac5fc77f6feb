// model/config.h — model configuration: the decoder LLM, the vision tower, the multimodal glue.
//
// Field names are the hub's config.json keys (hidden_size, num_key_value_heads, rope_theta…).
// Three on-disk layouts are read:
//   * HF text models: "llama" / "qwen2" (flat keys);
//   * HF "llava_next": text_config + vision_config + vision_feature_layer, image_grid_pinpoints
//     read as [height, width];
//   * the original LLaVA-NeXT "llava_llama" (our checkpoints' layout): flat text keys plus
//     mm_* keys; pinpoints read as [width, height]; the vision tower's numbers come from a
//     "vision_config" object (ours) or, for real checkpoints, from mm_vision_tower's hub id.
// and one is written: llava_llama (to_json). Torch-free.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "io/json.h"

namespace insightv {

class Tokenizer;

struct TextConfig {
  std::string model_type = "llama";  // llama | qwen2
  int64_t vocab_size = 0;
  int64_t hidden_size = 0;
  int64_t intermediate_size = 0;
  int64_t num_hidden_layers = 0;
  int64_t num_attention_heads = 0;
  int64_t num_key_value_heads = 0;
  int64_t head_dim = 0;  // hidden_size / num_attention_heads unless given
  double rope_theta = 10000.0;
  double rms_norm_eps = 1e-6;
  bool attention_bias = false;  // q/k/v biases (Qwen2: true)
  bool tie_word_embeddings = false;
  int64_t max_position_embeddings = 2048;
  std::string hidden_act = "silu";
  int64_t bos_token_id = -1, eos_token_id = -1, pad_token_id = -1;
};

struct VisionConfig {
  int64_t image_size = 0;
  int64_t patch_size = 0;
  int64_t hidden_size = 0;
  int64_t intermediate_size = 0;
  int64_t num_hidden_layers = 0;
  int64_t num_attention_heads = 0;
  int64_t num_channels = 3;
  double layer_norm_eps = 1e-5;
  std::string hidden_act = "quick_gelu";  // quick_gelu | gelu
  std::vector<double> image_mean{0.48145466, 0.4578275, 0.40821073};  // OpenAI CLIP
  std::vector<double> image_std{0.26862954, 0.26130258, 0.27577711};
  int64_t num_patches() const { return (image_size / patch_size) * (image_size / patch_size); }
};

struct MultimodalConfig {
  std::string mm_projector_type = "mlp2x_gelu";
  int64_t mm_hidden_size = 0;            // vision hidden size fed to the projector
  int64_t mm_vision_select_layer = -2;   // index into hidden_states (0 = embeddings)
  std::string mm_vision_select_feature = "patch";  // patch (drop CLS) | cls_patch
  std::string image_aspect_ratio = "anyres";       // anyres | square (pad) | resize
  std::string mm_patch_merge_type = "spatial_unpad";
  std::vector<std::pair<int64_t, int64_t>> image_grid_pinpoints;  // (width, height)
  std::string mm_vision_tower = "";
  int64_t image_token_index = -200;  // the placeholder id in prompts (original LLaVA: -200)
};

struct ModelConfig {
  std::string architecture = "LlavaLlamaForCausalLM";
  TextConfig text;
  std::optional<VisionConfig> vision;  // absent for text-only models
  MultimodalConfig mm;
  bool is_multimodal() const { return vision.has_value(); }
};

// Parses any of the three layouts; throws Error("config", ...) naming a missing or bad key.
ModelConfig parse_model_config(const json& j, const std::string& source = "config.json");
ModelConfig load_model_config(const std::string& path);
// The llava_llama layout (flat text keys + mm_* + "vision_config").
json model_config_to_json(const ModelConfig& c);

// Known presets: "nano", "llava-next-llama3-8b", "tiny-test". Throws on an unknown name.
ModelConfig preset_config(const std::string& name);
// Sizes the vocabulary to `tok`, points the image placeholder at its "<image>" (when it has one)
// and takes its bos/eos/pad ids — what a model trained with that tokenizer needs.
void fit_config_to_tokenizer(ModelConfig& cfg, const Tokenizer& tok);
std::vector<std::string> preset_names();
// The CLIP vision config a hub id names (openai/clip-vit-large-patch14-336 and -224).
std::optional<VisionConfig> known_vision_tower(const std::string& hub_id);

}  // namespace insightv
