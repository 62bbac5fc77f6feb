// model/weight_files.h — where a checkpoint's tensors are and what they are called: the
// safetensors shard list of a folder, file or index, and the one map from Hugging Face's
// LlavaNext tensor names to ours. Torch-free, so that `inspect` (model/inspect.cpp) and the
// loader (model/checkpoint.cpp) read a checkpoint by the same rules.
//
//   weight_shards("runs/nano/base")            // {"runs/nano/base/model.safetensors"}
//   weight_shards("hub/llava/model.safetensors.index.json")   // each shard the index names, once
//   canonical_weight_name("language_model.model.norm.weight") == "model.norm.weight"
#pragma once

#include <string>
#include <vector>

namespace insightv {

// The safetensors files behind `path`: a .safetensors file; a .safetensors.index.json
// ({"weight_map": {tensor: file}}, each file a plain name beside the index, listed once, sorted);
// or a folder holding model.safetensors or model.safetensors.index.json. `component` prefixes
// the errors (a folder with neither, an index without a weight_map, a shard name with a '/').
std::vector<std::string> weight_shards(const std::string& path, const char* component);

// HF LlavaNext / standalone names → the original llava_llama names used by our modules
// ("multi_modal_projector.linear_1.bias" → "model.mm_projector.0.bias"); other names unchanged.
std::string canonical_weight_name(const std::string& name);

}  // namespace insightv
