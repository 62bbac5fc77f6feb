// model/inspect.h — summaries of checkpoints, safetensors files and configs, as JSON.
//
// `insightv inspect` prints these. A checkpoint folder is validated without building the
// model: its tensors are compared by name and shape with what config.json implies
// (expected_parameters), so inspecting a real 8B checkpoint costs no tensor memory.
// Throws Error when the file is malformed or the folder's tensors do not match its config.
#pragma once

#include <string>

#include "io/json.h"
#include "model/config.h"

namespace insightv {

// Parameters, per-component counts and memory per dtype of a config (no weights needed).
json summarize_config(const ModelConfig& c);
// path: a checkpoint folder, a .safetensors file, or a .safetensors.index.json.
json inspect_path(const std::string& path, bool list_tensors = false);

}  // namespace insightv
