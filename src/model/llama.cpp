// model/llama.cpp — LLaMA-family decoder layers: RMSNorm, RoPE, GQA attention, SwiGLU.
#include <torch/torch.h>

#include "model/llama.h"

#include "model/decode_attention.h"

#include <cmath>

namespace insightv {

namespace F = torch::nn::functional;

torch::ScalarType compute_dtype(const torch::Tensor& x) {
  return x.scalar_type() == torch::kFloat64 ? torch::kFloat64 : torch::kFloat32;
}

RMSNormImpl::RMSNormImpl(int64_t dim, double eps_) : eps(eps_) {
  weight = register_parameter("weight", torch::ones({dim}));
}

torch::Tensor RMSNormImpl::forward(const torch::Tensor& x) {
  // Computed in at least fp32 like the reference, then cast back.
  if (x.scalar_type() == compute_dtype(x))
    return weight * (x * torch::rsqrt(x.pow(2).mean(-1, /*keepdim=*/true).add_(eps)));
  auto xf = x.to(compute_dtype(x));
  auto normed = xf * torch::rsqrt(xf.pow(2).mean(-1, /*keepdim=*/true) + eps);
  return weight * normed.to(x.scalar_type());
}

Rope::Rope(int64_t head_dim, double theta) {
  auto idx = torch::arange(0, head_dim, 2, torch::kInt64).to(torch::kFloat32) / static_cast<double>(head_dim);
  inv_freq = 1.0 / torch::pow(torch::tensor(theta, torch::kFloat32), idx);
}

std::pair<torch::Tensor, torch::Tensor> Rope::tables(const torch::Tensor& positions) const {
  auto inv = inv_freq.to(positions.device());
  auto freqs = positions.to(torch::kFloat32).unsqueeze(-1) * inv;  // [B,T,D/2]
  auto emb = torch::cat({freqs, freqs}, -1).unsqueeze(1);          // [B,1,T,D]
  return {emb.cos(), emb.sin()};
}

torch::Tensor apply_rope(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin) {
  const int64_t half = x.size(-1) / 2;
  auto x1 = x.narrow(-1, 0, half), x2 = x.narrow(-1, half, half);
  auto rotated = torch::cat({-x2, x1}, -1);
  if (cos.scalar_type() == x.scalar_type()) return torch::addcmul(x * cos, rotated, sin);
  return x * cos.to(x.scalar_type()) + rotated * sin.to(x.scalar_type());
}

torch::Tensor linear_fast(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b) {
  const int64_t in = w.size(1);
  // Reduced-precision weights go through torch::linear (oneDNN, fp32 accumulation): for a
  // 2048² bf16 matrix it took 0.49 ms against 0.81 ms for mv, with the same result.
  const bool fp = w.scalar_type() == torch::kFloat32 || w.scalar_type() == torch::kFloat64;
  if (x.numel() != in || !x.device().is_cpu() || !fp) return torch::linear(x, w, b);
  auto sizes = x.sizes().vec();
  sizes.back() = w.size(0);
  auto y = torch::mv(w, x.reshape({in}));
  if (b.defined()) y.add_(b);
  return y.view(sizes);
}

namespace {
thread_local bool g_bf16_matmuls = false;
}

Bf16Matmuls::Bf16Matmuls(bool enabled) : previous_(g_bf16_matmuls) { g_bf16_matmuls = enabled; }
Bf16Matmuls::~Bf16Matmuls() { g_bf16_matmuls = previous_; }
bool Bf16Matmuls::active() { return g_bf16_matmuls; }

void FusedLinear::refresh(const std::vector<torch::Tensor>& weights, const std::vector<torch::Tensor>& biases) {
  std::vector<std::pair<const void*, int64_t>> stamp;
  for (const auto* list : {&weights, &biases})
    for (const auto& t : *list) stamp.emplace_back(t.data_ptr(), t._version());
  if (stamp == stamp_ && weight_.defined()) return;
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> w, b;
  for (const auto& t : weights) w.push_back(t.detach());
  for (const auto& t : biases) b.push_back(t.detach());
  weight_ = w.size() == 1 ? w[0] : torch::cat(w, 0).contiguous();
  bias_ = b.empty() ? torch::Tensor() : (b.size() == 1 ? b[0] : torch::cat(b, 0).contiguous());
  weight_bf16_ = bias_bf16_ = torch::Tensor();
  packed_ = PackedWeight{};
  pack_refused_ = false;
  stamp_ = std::move(stamp);
}

torch::Tensor FusedLinear::apply(const torch::Tensor& x, const std::vector<torch::nn::Linear>& parts) {
  std::vector<torch::Tensor> w, b;
  for (const auto& p : parts) {
    w.push_back(p->weight);
    if (p->bias.defined()) b.push_back(p->bias);
  }
  return apply_fresh(x, w, b);
}

torch::Tensor FusedLinear::apply(const torch::Tensor& x, const torch::Tensor& weight_only) {
  return apply_fresh(x, {weight_only}, {});
}

FusedLinear::Forms FusedLinear::forms_for(const torch::Tensor& x, int64_t rows, bool* bf16, bool* packable) {
  // Up to kBf16MinRows rows the packed fp32 kernel beats oneDNN's bf16 GEMM (bench_decode_step,
  // bench_generate): bf16, when asked for, only takes the bigger products.
  constexpr int64_t kBf16MinRows = 16;
  const torch::Tensor& w = weight_;
  *packable = rows > 1 && rows <= kSmallGemmMaxRows && x.scalar_type() == torch::kFloat32 &&
              w.scalar_type() == torch::kFloat32 && w.device().is_cpu() && small_gemm_available();
  *bf16 = rows > 1 && Bf16Matmuls::active() && x.scalar_type() == torch::kFloat32 && !(*packable && rows < kBf16MinRows);
  if (*bf16 && !weight_bf16_.defined()) {
    torch::NoGradGuard no_grad;
    weight_bf16_ = w.to(torch::kBFloat16);
    if (bias_.defined()) bias_bf16_ = bias_.to(torch::kBFloat16);
  }
  if (!*bf16 && *packable && !packed_.defined() && !pack_refused_) {
    packed_ = pack_weight(w);
    pack_refused_ = !packed_.defined();  // over the process budget: BLAS from now on
  }
  return Forms{weight_, bias_, weight_bf16_, bias_bf16_, packed_};
}

torch::Tensor FusedLinear::apply_fresh(const torch::Tensor& x, const std::vector<torch::Tensor>& weights,
                                       const std::vector<torch::Tensor>& biases) {
  const int64_t rows = x.numel() / x.size(-1);
  bool bf16 = false, packable = false;
  Forms f;
  {
    std::lock_guard<std::mutex> lock(mu_);
    refresh(weights, biases);
    f = forms_for(x, rows, &bf16, &packable);
  }
  if (bf16) return torch::linear(x.to(torch::kBFloat16), f.weight_bf16, f.bias_bf16).to(torch::kFloat32);
  if (packable && f.packed.defined()) return small_gemm(x, f.packed, f.bias);
  return linear_fast(x, f.weight, f.bias);
}

AttentionImpl::AttentionImpl(const TextConfig& c)
    : H(c.num_attention_heads), H_kv(c.num_key_value_heads), D(c.head_dim) {
  using torch::nn::LinearOptions;
  q_proj = register_module("q_proj", torch::nn::Linear(LinearOptions(c.hidden_size, H * D).bias(c.attention_bias)));
  k_proj = register_module("k_proj", torch::nn::Linear(LinearOptions(c.hidden_size, H_kv * D).bias(c.attention_bias)));
  v_proj = register_module("v_proj", torch::nn::Linear(LinearOptions(c.hidden_size, H_kv * D).bias(c.attention_bias)));
  o_proj = register_module("o_proj", torch::nn::Linear(LinearOptions(H * D, c.hidden_size).bias(false)));
}

torch::Tensor AttentionImpl::forward_fused(const torch::Tensor& x, const torch::Tensor& cos,
                                           const torch::Tensor& sin, const torch::Tensor& mask,
                                           KvCache* cache, int64_t layer) {
  const int64_t B = x.size(0), T = x.size(1), G = H / H_kv;
  auto qkv = qkv_.apply(x, {q_proj, k_proj, v_proj}).view({B, T, H + 2 * H_kv, D});
  // RoPE on q and k together: [B,T,H+H_kv,D] with cos/sin [B,T,1,D].
  auto qk = apply_rope(qkv.narrow(2, 0, H + H_kv), cos.transpose(1, 2), sin.transpose(1, 2));
  auto q = qk.narrow(2, 0, H).transpose(1, 2);                 // [B,H,T,D]
  auto k = qk.narrow(2, H, H_kv).transpose(1, 2);              // [B,H_kv,T,D]
  auto v = qkv.narrow(2, H + H_kv, H_kv).transpose(1, 2);
  if (cache != nullptr) {
    const int64_t P = cache->length;
    cache->k[layer].narrow(2, P, T).copy_(k);
    cache->v[layer].narrow(2, P, T).copy_(v);
    k = cache->k[layer].narrow(2, 0, P + T);
    v = cache->v[layer].narrow(2, 0, P + T);
  }
  const int64_t S = k.size(2);
  if (T == 1 && cache != nullptr && cache->k[layer].device().is_cpu()) {  // a decode step: model/decode_attention.h
    auto q1 = q.reshape({B, H, D}).contiguous();
    if (decode_attention_applies(q1, cache->k[layer]))
      return o_.apply(decode_attention(q1, cache->k[layer], cache->v[layer], S, mask,
                                       1.0 / std::sqrt(static_cast<double>(D)))
                          .view({B, 1, H * D}),
                      {o_proj});
  }
  auto qg = T == 1 ? q.reshape({B, H_kv, G, D}) : q.reshape({B, H_kv, G * T, D});
  auto scores = torch::matmul(qg, k.transpose(2, 3)).mul_(1.0 / std::sqrt(static_cast<double>(D)));
  if (mask.defined()) scores = (scores.view({B, H_kv, G, T, S}) + mask).view({B, H_kv, G * T, S});
  auto probs = x.scalar_type() == torch::kFloat32 || x.scalar_type() == torch::kFloat64
                   ? torch::softmax(scores, -1)
                   : torch::softmax(scores, -1, torch::kFloat32).to(x.scalar_type());
  auto out = torch::matmul(probs, v).view({B, H, T, D}).transpose(1, 2).reshape({B, T, H * D});
  return o_.apply(out, {o_proj});
}

torch::Tensor AttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& cos,
                                     const torch::Tensor& sin, const torch::Tensor& mask,
                                     KvCache* cache, int64_t layer) {
  if (!torch::GradMode::is_enabled()) return forward_fused(x, cos, sin, mask, cache, layer);
  const int64_t B = x.size(0), T = x.size(1), G = H / H_kv;
  auto q = q_proj(x).view({B, T, H, D}).transpose(1, 2);      // [B,H,T,D]
  auto k = k_proj(x).view({B, T, H_kv, D}).transpose(1, 2);   // [B,H_kv,T,D]
  auto v = v_proj(x).view({B, T, H_kv, D}).transpose(1, 2);
  q = apply_rope(q, cos, sin);
  k = apply_rope(k, cos, sin);
  if (cache != nullptr) {
    const int64_t P = cache->length;
    cache->k[layer].narrow(2, P, T).copy_(k);
    cache->v[layer].narrow(2, P, T).copy_(v);
    k = cache->k[layer].narrow(2, 0, P + T);
    v = cache->v[layer].narrow(2, 0, P + T);
  }
  const int64_t S = k.size(2);  // P + T keys
  // Query heads j*G .. j*G+G-1 share kv head j: fold G into the row dimension.
  auto qg = q.reshape({B, H_kv, G * T, D});
  auto scores = torch::matmul(qg, k.transpose(2, 3)) * (1.0 / std::sqrt(static_cast<double>(D)));
  if (mask.defined()) scores = (scores.view({B, H_kv, G, T, S}) + mask).view({B, H_kv, G * T, S});
  auto probs = torch::softmax(scores, -1, compute_dtype(scores)).to(q.scalar_type());
  auto out = torch::matmul(probs, v).view({B, H, T, D}).transpose(1, 2).reshape({B, T, H * D});
  return o_proj(out);
}

MlpImpl::MlpImpl(int64_t hidden, int64_t intermediate) {
  using torch::nn::LinearOptions;
  gate_proj = register_module("gate_proj", torch::nn::Linear(LinearOptions(hidden, intermediate).bias(false)));
  up_proj = register_module("up_proj", torch::nn::Linear(LinearOptions(hidden, intermediate).bias(false)));
  down_proj = register_module("down_proj", torch::nn::Linear(LinearOptions(intermediate, hidden).bias(false)));
}

torch::Tensor MlpImpl::forward(const torch::Tensor& x) {
  if (torch::GradMode::is_enabled()) return down_proj(F::silu(gate_proj(x)) * up_proj(x));
  const int64_t I = gate_proj->weight.size(0);
  auto gu = gate_up_.apply(x, {gate_proj, up_proj});
  return down_.apply(F::silu(gu.narrow(-1, 0, I)).mul_(gu.narrow(-1, I, I)), {down_proj});
}

DecoderLayerImpl::DecoderLayerImpl(const TextConfig& c) {
  self_attn = register_module("self_attn", Attention(c));
  mlp = register_module("mlp", Mlp(c.hidden_size, c.intermediate_size));
  input_layernorm = register_module("input_layernorm", RMSNorm(c.hidden_size, c.rms_norm_eps));
  post_attention_layernorm = register_module("post_attention_layernorm", RMSNorm(c.hidden_size, c.rms_norm_eps));
}

torch::Tensor DecoderLayerImpl::forward(const torch::Tensor& x, const torch::Tensor& cos,
                                        const torch::Tensor& sin, const torch::Tensor& mask,
                                        KvCache* cache, int64_t layer) {
  auto h = x + self_attn->forward(input_layernorm(x), cos, sin, mask, cache, layer);
  return h + mlp->forward(post_attention_layernorm(h));
}

DecoderBodyImpl::DecoderBodyImpl(const TextConfig& c) {
  embed_tokens = register_module("embed_tokens", torch::nn::Embedding(c.vocab_size, c.hidden_size));
  layers = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) layers->push_back(DecoderLayer(c));
  norm = register_module("norm", RMSNorm(c.hidden_size, c.rms_norm_eps));
}

torch::Tensor build_attention_mask(int64_t B, int64_t T, int64_t P, const torch::Tensor& key_padding,
                                   const torch::TensorOptions& options) {
  if (T == 1 && !key_padding.defined()) return {};
  const int64_t S = P + T;
  const float neg = -std::numeric_limits<float>::infinity();
  // allowed[t, s] = s <= P + t
  auto rows = torch::arange(T, torch::TensorOptions().dtype(torch::kInt64).device(options.device())).unsqueeze(1);
  auto cols = torch::arange(S, torch::TensorOptions().dtype(torch::kInt64).device(options.device())).unsqueeze(0);
  auto allowed = (cols <= rows + P).unsqueeze(0).expand({B, T, S});  // [B,T,S]
  if (key_padding.defined()) allowed = allowed.logical_and(key_padding.to(torch::kBool).unsqueeze(1));
  // A fully masked row (a padded query) would give NaN: let it see itself.
  auto diag = (cols == rows + P).unsqueeze(0).expand({B, T, S});
  allowed = allowed.logical_or(diag.logical_and(allowed.any(-1, true).logical_not()));
  auto mask = torch::zeros({B, T, S}, options.dtype(torch::kFloat32)).masked_fill(allowed.logical_not(), neg);
  return mask.view({B, 1, 1, T, S}).to(options.dtype());
}

}  // namespace insightv
