// model/checkpoint.h — safetensors ↔ torch, strict state-dict loading, checkpoint folders.
//
// A checkpoint folder holds config.json and either model.safetensors or a sharded set named by
// model.safetensors.index.json ({"weight_map": {name: file}}). Tensor names may be in the
// original LLaVA-NeXT layout (ours) or Hugging Face's LlavaNext layout; HF names are mapped
// to ours on load (model/weight_files.h). Loading is strict: every parameter must be found with the
// right shape and no file tensor may be left over; the error lists all three kinds of problem.
//
//   auto ckpt = load_checkpoint("runs/nano/reason");       // config + model with weights
//   save_checkpoint("out/", *ckpt.model, ckpt.config);      // config.json + model.safetensors
#pragma once

#include <torch/torch.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "io/safetensors.h"
#include "model/config.h"
#include "model/llava.h"
#include "model/weight_files.h"

namespace insightv {

torch::ScalarType to_torch_dtype(DType d);
DType from_torch_dtype(torch::ScalarType t);

// The compute dtype a user names with --dtype: "f32" (also fp32, float32), "bf16" (bfloat16),
// "f16" (fp16, float16). Anything else is an error naming the accepted spellings.
torch::ScalarType parse_compute_dtype(const std::string& name);
// "f32", "bf16", "f16" (the spelling --dtype takes); other dtypes by LibTorch's name.
std::string compute_dtype_name(torch::ScalarType t);
// Bytes held by a module's parameters (numel × element size, summed; shared tensors once each).
int64_t parameter_bytes(const torch::nn::Module& module);
// A tensor that owns a copy of the file's bytes (the mapping may close afterwards).
torch::Tensor tensor_from_file(const SafetensorsFile& f, const TensorInfo& t);

// All tensors of a checkpoint's safetensors file(s), by canonical name.
class TensorSource {
 public:
  // path: a .safetensors file, a .safetensors.index.json, or a folder containing either.
  explicit TensorSource(const std::string& path);
  std::vector<std::string> names() const;
  bool contains(const std::string& name) const { return where_.count(name) > 0; }
  const TensorInfo& info(const std::string& name) const;
  torch::Tensor get(const std::string& name) const;
  size_t file_count() const { return files_.size(); }

 private:
  std::vector<std::unique_ptr<SafetensorsFile>> files_;
  std::map<std::string, std::pair<size_t, std::string>> where_;  // canonical → (file, stored name)
};

// dtype: every parameter is converted to it on load, whatever the file stores (a BF16 hub
// checkpoint becomes fp32 by default; kBFloat16 keeps it in bf16 — half the memory — and the
// forward then computes in bf16 with fp32 norms, softmax and logits, as transformers does).
// load_checkpoint refuses kFloat16: LibTorch 1.13 has no f16 matmul/norm kernels on the CPU.
struct LoadOptions {
  bool strict = true;                       // unexpected tensors are an error
  torch::ScalarType dtype = torch::kFloat32;  // parameters are converted to this
};
// Copies tensors into the module's parameters (by named_parameters() name).
void load_state_dict(torch::nn::Module& module, const TensorSource& source, const LoadOptions& opts = {});

// Writes every parameter under its name, in its dtype, atomically.
void save_safetensors(const torch::nn::Module& module, const std::string& path,
                      const std::map<std::string, std::string>& metadata = {{"format", "pt"}});

struct Checkpoint {
  ModelConfig config;
  MultimodalLM model{nullptr};
};
// The model is built with its parameters already in opts.dtype (peak memory ≈ one copy of the
// weights in that dtype). It sets LibTorch's global default dtype while building: do not load
// while other threads create tensors without an explicit dtype.
Checkpoint load_checkpoint(const std::string& dir, const LoadOptions& opts = {});
void save_checkpoint(const std::string& dir, MultimodalLM& model, const ModelConfig& config);

}  // namespace insightv
