// model/llama.h — the LLaMA-family decoder (LLaMA 2/3, Qwen2): RMSNorm, RoPE, grouped-query
// attention with a KV cache, SwiGLU MLP.
//
// Modules are registered under the hub's names, so named_parameters() of a DecoderLM equals the
// checkpoint keys (model.embed_tokens.weight, model.layers.N.self_attn.q_proj.weight,
// model.layers.N.mlp.gate_proj.weight, model.norm.weight, lm_head.weight).
// Dimension letters: B batch, T new tokens, P past (cached) tokens, C hidden, H query heads,
// H_kv key/value heads, G = H / H_kv, D head dim, V vocabulary.
//
//   DecoderLM lm(cfg);
//   auto x = lm->embed(ids);                                // [B,T,C]
//   auto out = lm->forward(x, {.positions = pos, .cache = &cache});
//   out.logits                                              // [B,T,V] (or [B,1,V] last_only)
// Not thread-safe (modules hold no per-call state, but the KV cache does).
#pragma once

#include <torch/torch.h>

#include <mutex>
#include <vector>

#include "model/config.h"
#include "model/kv_cache.h"
#include "model/small_gemm.h"

namespace insightv {

// y = x Wᵀ + b. A single row (decode at batch 1) with fp32 weights goes through a matrix-vector
// product, which BLAS runs several times faster than a 1-row GEMM; bf16 weights use linear.
torch::Tensor linear_fast(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b = {});

// fp32 for reduced-precision inputs (norms and softmax), fp64 stays fp64.
torch::ScalarType compute_dtype(const torch::Tensor& x);

class RMSNormImpl : public torch::nn::Module {
 public:
  RMSNormImpl(int64_t dim, double eps);
  torch::Tensor forward(const torch::Tensor& x);  // x [..., C]
  torch::Tensor weight;
  double eps;
};
TORCH_MODULE(RMSNorm);

// cos/sin tables for RoPE ("rotate_half" form, angles duplicated as cat(freqs, freqs)).
struct Rope {
  torch::Tensor inv_freq;  // [D/2] fp32
  Rope() = default;
  Rope(int64_t head_dim, double theta);
  // positions [B,T] int64 → cos, sin [B,1,T,D]
  std::pair<torch::Tensor, torch::Tensor> tables(const torch::Tensor& positions) const;
};
// x [B,H,T,D]; cos/sin [B,1,T,D]
torch::Tensor apply_rope(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin);

// Inference weights: the parts' weights concatenated along the output dimension (q/k/v in one
// GEMM, gate/up in one), rebuilt when any source changes (by storage pointer or in-place
// version), with a bf16 copy made on first use. apply() picks the fastest form: a single row
// goes through an fp32 matrix-vector product; up to kSmallGemmMaxRows fp32 rows through the
// packed-weight kernel of model/small_gemm.h (packed on first use), except that 16 rows or more
// go through bf16 GEMMs while a Bf16Matmuls guard is active; else an fp32 BLAS GEMM. Autograd
// never sees these (built under NoGrad). Thread-safe: the caches are checked and built under a
// lock, and each product runs on its own references to them, so several threads may drive one
// model (the same results as one thread; a rebuild never pulls a weight from under a product).
class FusedLinear {
 public:
  FusedLinear() = default;
  FusedLinear(const FusedLinear&) = delete;
  FusedLinear& operator=(const FusedLinear&) = delete;
  torch::Tensor apply(const torch::Tensor& x, const std::vector<torch::nn::Linear>& parts);
  // One weight without bias that is not a Linear (the LM head tied to the embeddings).
  torch::Tensor apply(const torch::Tensor& x, const torch::Tensor& weight_only);

 private:
  // The caches' current state, taken under the lock for one product.
  struct Forms {
    torch::Tensor weight, bias, weight_bf16, bias_bf16;
    PackedWeight packed;
  };
  void refresh(const std::vector<torch::Tensor>& weights, const std::vector<torch::Tensor>& biases);
  Forms forms_for(const torch::Tensor& x, int64_t rows, bool* bf16, bool* packable);
  torch::Tensor apply_fresh(const torch::Tensor& x, const std::vector<torch::Tensor>& weights,
                            const std::vector<torch::Tensor>& biases);
  std::mutex mu_;
  torch::Tensor weight_, bias_, weight_bf16_, bias_bf16_;
  PackedWeight packed_;  // for 2..kSmallGemmMaxRows fp32 rows (model/small_gemm.h), made on first use
  bool pack_refused_ = false;  // the process's packing budget was spent
  std::vector<std::pair<const void*, int64_t>> stamp_;
};

// While alive (enabled), inference matmuls over several rows run in bf16 (this thread only).
class Bf16Matmuls {
 public:
  explicit Bf16Matmuls(bool enabled);
  ~Bf16Matmuls();
  static bool active();

 private:
  bool previous_;
};

class AttentionImpl : public torch::nn::Module {
 public:
  explicit AttentionImpl(const TextConfig& c);
  // x [B,T,C]; mask additive [B,1,1,T,P+T] or undefined (attend to all cached + causal when T>1
  // is then the caller's responsibility: pass a mask whenever T > 1).
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin,
                        const torch::Tensor& mask, KvCache* cache, int64_t layer);
  torch::nn::Linear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, o_proj{nullptr};
  int64_t H, H_kv, D;

 private:
  torch::Tensor forward_fused(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin,
                              const torch::Tensor& mask, KvCache* cache, int64_t layer);
  FusedLinear qkv_, o_;
};
TORCH_MODULE(Attention);

class MlpImpl : public torch::nn::Module {
 public:
  MlpImpl(int64_t hidden, int64_t intermediate);
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::Linear gate_proj{nullptr}, up_proj{nullptr}, down_proj{nullptr};

 private:
  FusedLinear gate_up_, down_;
};
TORCH_MODULE(Mlp);

class DecoderLayerImpl : public torch::nn::Module {
 public:
  explicit DecoderLayerImpl(const TextConfig& c);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin,
                        const torch::Tensor& mask, KvCache* cache, int64_t layer);
  Attention self_attn{nullptr};
  Mlp mlp{nullptr};
  RMSNorm input_layernorm{nullptr}, post_attention_layernorm{nullptr};
};
TORCH_MODULE(DecoderLayer);

struct DecoderInputs {
  torch::Tensor positions;    // [B,T] int64; default: cache length + arange(T) for every row
  torch::Tensor key_padding;  // [B,P+T] bool, true = real token; default: all real
  KvCache* cache = nullptr;   // when set, new keys/values are appended and cache->length grows
  bool last_only = false;     // logits for the last position only
  bool hidden_states = false; // also return every layer's output
  bool logits = true;         // false: skip the vocabulary projection
};

struct DecoderOutput {
  torch::Tensor logits;                     // [B,T,V] or [B,1,V]
  torch::Tensor last_hidden;                // [B,T,C] after the final norm
  std::vector<torch::Tensor> hidden_states; // embeddings, layer 0..L-2 outputs, final normed
  torch::Tensor last_layer_prenorm;         // [B,T,C] (with hidden_states)
};

// The decoder body ("model." in checkpoints). Multimodal models register their vision parts
// on this module too (model/llava.h), as the original LLaVA code does.
class DecoderBodyImpl : public torch::nn::Module {
 public:
  explicit DecoderBodyImpl(const TextConfig& c);
  torch::nn::Embedding embed_tokens{nullptr};
  torch::nn::ModuleList layers;
  RMSNorm norm{nullptr};
};
TORCH_MODULE(DecoderBody);

// Additive attention mask [B,1,1,T,P+T]: causal over the new tokens, all past visible,
// padded keys hidden. Returns an undefined tensor when nothing needs masking (T == 1, no pad).
torch::Tensor build_attention_mask(int64_t B, int64_t T, int64_t P, const torch::Tensor& key_padding,
                                   const torch::TensorOptions& options);

}  // namespace insightv
