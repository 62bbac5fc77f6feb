// model/checkpoint.cpp — tensor conversion, HF→original name mapping, strict loads, folders.
#include <torch/torch.h>

#include "model/checkpoint.h"

#include <set>

#include "io/json.h"
#include "util/error.h"
#include "util/fs.h"

namespace insightv {

torch::ScalarType to_torch_dtype(DType d) {
  switch (d) {
    case DType::F64: return torch::kFloat64;
    case DType::F32: return torch::kFloat32;
    case DType::F16: return torch::kFloat16;
    case DType::BF16: return torch::kBFloat16;
    case DType::I64: return torch::kInt64;
    case DType::I32: return torch::kInt32;
    case DType::I16: return torch::kInt16;
    case DType::I8: return torch::kInt8;
    case DType::U8: return torch::kUInt8;
    case DType::BOOL: return torch::kBool;
  }
  throw Error("checkpoint", "unsupported dtype");
}

DType from_torch_dtype(torch::ScalarType t) {
  switch (t) {
    case torch::kFloat64: return DType::F64;
    case torch::kFloat32: return DType::F32;
    case torch::kFloat16: return DType::F16;
    case torch::kBFloat16: return DType::BF16;
    case torch::kInt64: return DType::I64;
    case torch::kInt32: return DType::I32;
    case torch::kInt16: return DType::I16;
    case torch::kInt8: return DType::I8;
    case torch::kUInt8: return DType::U8;
    case torch::kBool: return DType::BOOL;
    default: throw Error("checkpoint", std::string("cannot store dtype ") + c10::toString(t));
  }
}

torch::ScalarType parse_compute_dtype(const std::string& name) {
  if (name == "f32" || name == "fp32" || name == "float32") return torch::kFloat32;
  if (name == "bf16" || name == "bfloat16") return torch::kBFloat16;
  if (name == "f16" || name == "fp16" || name == "float16") return torch::kFloat16;
  throw Error("dtype", "unknown dtype '" + name + "'", "use f32, bf16 or f16");
}

std::string compute_dtype_name(torch::ScalarType t) {
  switch (t) {
    case torch::kFloat32: return "f32";
    case torch::kBFloat16: return "bf16";
    case torch::kFloat16: return "f16";
    default: return c10::toString(t);
  }
}

int64_t parameter_bytes(const torch::nn::Module& module) {
  std::set<const void*> seen;
  int64_t bytes = 0;
  for (const auto& p : module.parameters(/*recurse=*/true))
    if (seen.insert(p.data_ptr()).second) bytes += p.numel() * static_cast<int64_t>(p.element_size());
  return bytes;
}

torch::Tensor tensor_from_file(const SafetensorsFile& f, const TensorInfo& t) {
  auto opts = torch::TensorOptions().dtype(to_torch_dtype(t.dtype));
  if (t.numel() == 0) return torch::empty(t.shape, opts);
  // The mapping is read-only and only byte-aligned in general: copy out through a buffer.
  auto out = torch::empty(t.shape, opts);
  std::memcpy(out.data_ptr(), f.data(t), t.nbytes());
  return out;
}

TensorSource::TensorSource(const std::string& path) {
  const std::vector<std::string> shard_paths = weight_shards(path, "checkpoint");
  for (size_t i = 0; i < shard_paths.size(); ++i) {
    files_.push_back(std::make_unique<SafetensorsFile>(shard_paths[i]));
    for (const auto& t : files_.back()->tensors()) {
      const std::string c = canonical_weight_name(t.name);
      check(!where_.count(c), "checkpoint", "tensor '" + c + "' appears twice (" + shard_paths[i] + ")");
      where_[c] = {i, t.name};
    }
  }
}

std::vector<std::string> TensorSource::names() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : where_) out.push_back(k);
  return out;
}

const TensorInfo& TensorSource::info(const std::string& name) const {
  auto it = where_.find(name);
  check(it != where_.end(), "checkpoint", "no tensor named '" + name + "'");
  return files_[it->second.first]->at(it->second.second);
}

torch::Tensor TensorSource::get(const std::string& name) const {
  auto it = where_.find(name);
  check(it != where_.end(), "checkpoint", "no tensor named '" + name + "'");
  const auto& f = *files_[it->second.first];
  return tensor_from_file(f, f.at(it->second.second));
}

void load_state_dict(torch::nn::Module& module, const TensorSource& source, const LoadOptions& opts) {
  torch::NoGradGuard no_grad;
  std::vector<std::string> missing, misshaped;
  std::set<std::string> used;
  for (auto& item : module.named_parameters(/*recurse=*/true)) {
    const std::string& name = item.key();
    torch::Tensor& param = item.value();
    if (!source.contains(name)) {
      missing.push_back(name);
      continue;
    }
    const TensorInfo& info = source.info(name);
    used.insert(name);
    if (std::vector<int64_t>(param.sizes().begin(), param.sizes().end()) != info.shape) {
      misshaped.push_back(name + " (file " + c10::str(c10::IntArrayRef(info.shape)) + ", model " +
                          c10::str(param.sizes()) + ")");
      continue;
    }
    param.set_data(source.get(name).to(param.device(), opts.dtype));
  }
  std::vector<std::string> unexpected;
  for (const auto& n : source.names())
    if (!used.count(n)) unexpected.push_back(n);
  if (missing.empty() && misshaped.empty() && (unexpected.empty() || !opts.strict)) return;
  auto list = [](const char* label, const std::vector<std::string>& v) {
    if (v.empty()) return std::string();
    std::string s = std::string("; ") + label + " (" + std::to_string(v.size()) + "): ";
    for (size_t i = 0; i < v.size() && i < 8; ++i) s += (i ? ", " : "") + v[i];
    if (v.size() > 8) s += ", …";
    return s;
  };
  throw Error("checkpoint", "state dict does not match the model" + list("missing", missing) +
                                list("mis-shaped", misshaped) + (opts.strict ? list("unexpected", unexpected) : ""),
              "does config.json describe these weights?");
}

void save_safetensors(const torch::nn::Module& module, const std::string& path,
                      const std::map<std::string, std::string>& metadata) {
  std::vector<torch::Tensor> keep;
  std::vector<TensorView> views;
  for (const auto& item : module.named_parameters(true)) {
    auto t = item.value().detach().to(torch::kCPU).contiguous();
    keep.push_back(t);
    TensorView v;
    v.name = item.key();
    v.dtype = from_torch_dtype(t.scalar_type());
    v.shape.assign(t.sizes().begin(), t.sizes().end());
    v.data = t.data_ptr();
    v.nbytes = static_cast<size_t>(t.numel()) * t.element_size();
    views.push_back(v);
  }
  write_safetensors(path, views, metadata);
}

namespace {
// Sets LibTorch's process-wide default dtype while alive (floating dtypes only). The default is
// global, so loading must not overlap other threads creating tensors without a dtype.
class DefaultDtypeGuard {
 public:
  explicit DefaultDtypeGuard(torch::ScalarType t)
      : previous_(torch::get_default_dtype()),
        active_(c10::isFloatingType(t) && c10::scalarTypeToTypeMeta(t) != previous_) {
    if (active_) torch::set_default_dtype(c10::scalarTypeToTypeMeta(t));  // fp32 loads touch nothing
  }
  ~DefaultDtypeGuard() {
    if (active_) torch::set_default_dtype(previous_);
  }
  DefaultDtypeGuard(const DefaultDtypeGuard&) = delete;
  DefaultDtypeGuard& operator=(const DefaultDtypeGuard&) = delete;

 private:
  caffe2::TypeMeta previous_;
  bool active_;
};
}  // namespace

Checkpoint load_checkpoint(const std::string& dir, const LoadOptions& opts) {
  check(is_directory(dir), "checkpoint", "'" + dir + "' is not a folder", "give a checkpoint folder");
  // LibTorch 1.13's CPU kernels have no f16 matmul, layer_norm, conv, gelu or silu ("addmm_impl_cpu_
  // not implemented for 'Half'"), and models load onto the CPU: refuse f16 here, not mid-forward.
  check(opts.dtype != torch::kFloat16, "checkpoint", "f16 compute is not supported on the CPU by this LibTorch",
        "use --dtype bf16 (or f32); f16 checkpoint files are converted on load to either");
  Checkpoint c;
  c.config = load_model_config(join_path(dir, "config.json"));
  {
    // Build the parameters in the target dtype: a bf16 load of an 8B model then never holds the
    // fp32 copy (31 GiB) that building in fp32 and converting would.
    DefaultDtypeGuard in_target_dtype(opts.dtype);
    c.model = MultimodalLM(c.config);
  }
  load_state_dict(*c.model, TensorSource(dir), opts);
  c.model->eval();
  return c;
}

void save_checkpoint(const std::string& dir, MultimodalLM& model, const ModelConfig& config) {
  make_dirs(dir);
  save_safetensors(*model, join_path(dir, "model.safetensors"));
  json j = model_config_to_json(config);
  // Record the dtype the weights were written in (a model loaded with --dtype bf16 saves bf16).
  const auto t = model->model->embed_tokens->weight.scalar_type();
  if (t == torch::kBFloat16) j["torch_dtype"] = "bfloat16";
  if (t == torch::kFloat16) j["torch_dtype"] = "float16";
  write_json_file(join_path(dir, "config.json"), j);
}

}  // namespace insightv
