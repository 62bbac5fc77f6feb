// infer/generator.cpp — batched prefill with left padding, the decode loop, row retirement.
#include <torch/torch.h>

#include "infer/generator.h"

#include "util/error.h"

namespace insightv {

DecodeState DecodeState::clone() const {
  DecodeState s = *this;
  s.cache = cache.clone();
  if (key_padding.defined()) s.key_padding = key_padding.clone();
  s.last_logits = last_logits.clone();
  return s;
}

Generator::Generator(MultimodalLM model, Detokenize detokenize)
    : model_(std::move(model)), detokenize_(std::move(detokenize)) {}

torch::Tensor Generator::forward_step(DecodeState& state, const torch::Tensor& embeds, const torch::Tensor& positions) {
  DecoderInputs in;
  in.cache = &state.cache;
  in.positions = positions;
  in.key_padding = state.key_padding;
  in.last_only = true;
  Bf16Matmuls bf16(bf16_);
  auto out = model_->forward(embeds, in);
  return out.logits.select(1, 0).to(torch::kFloat32).to(torch::kCPU).contiguous();  // [B,V]
}

DecodeState Generator::prefill(const std::vector<Prompt>& prompts) {
  c10::InferenceMode guard;
  check(!prompts.empty(), "generate", "no prompts");
  std::vector<torch::Tensor> embeds;
  int64_t T = 0;
  for (const auto& p : prompts) {
    check(!p.ids.empty(), "generate", "empty prompt");
    embeds.push_back(model_->config().is_multimodal() || !p.images.empty()
                         ? model_->splice(p.ids, p.images)[0]
                         : model_->embed(torch::tensor(p.ids, torch::kInt64).to(model_->model->embed_tokens->weight.device())));
    T = std::max(T, embeds.back().size(0));
  }
  const int64_t B = static_cast<int64_t>(prompts.size()), C = embeds[0].size(1);
  DecodeState s;
  auto x = torch::zeros({B, T, C}, embeds[0].options());
  auto pos = torch::zeros({B, T}, torch::kInt64);
  bool padded = false;
  auto pad = torch::zeros({B, T}, torch::kBool);
  for (int64_t b = 0; b < B; ++b) {
    const int64_t n = embeds[b].size(0);
    x[b].narrow(0, T - n, n).copy_(embeds[b]);  // left padding: every row ends at T-1
    pos[b].narrow(0, T - n, n).copy_(torch::arange(n));
    pad[b].narrow(0, T - n, n).fill_(true);
    padded = padded || n < T;
    s.next_position.push_back(n);
    s.prompt_tokens.push_back(n);
    s.history.push_back(prompts[b].ids);
  }
  if (padded) s.key_padding = pad.to(x.device());
  s.last_logits = forward_step(s, x, pos.to(x.device()));
  return s;
}

void Generator::extend(DecodeState& s, const std::vector<int64_t>& ids) {
  c10::InferenceMode guard;
  if (ids.empty()) return;
  const int64_t B = s.rows(), T = static_cast<int64_t>(ids.size());
  auto dev = model_->model->embed_tokens->weight.device();
  auto x = model_->embed(torch::tensor(ids, torch::kInt64).to(dev)).unsqueeze(0).expand({B, T, -1});
  auto pos = torch::empty({B, T}, torch::kInt64);
  for (int64_t b = 0; b < B; ++b) {
    pos[b].copy_(torch::arange(s.next_position[b], s.next_position[b] + T));
    s.next_position[b] += T;
    s.history[b].insert(s.history[b].end(), ids.begin(), ids.end());
  }
  if (s.key_padding.defined()) s.key_padding = torch::cat({s.key_padding, torch::ones({B, T}, s.key_padding.options())}, 1);
  s.last_logits = forward_step(s, x.contiguous(), pos.to(dev));
}

void Generator::repeat(DecodeState& s, int64_t n) {
  check(n >= 1, "generate", "repeat count must be >= 1");
  if (n == 1) return;
  s.cache.repeat_rows(n);
  if (s.key_padding.defined()) s.key_padding = s.key_padding.repeat_interleave(n, 0);
  s.last_logits = s.last_logits.repeat_interleave(n, 0);
  auto rep = [n](auto& v) {
    std::remove_reference_t<decltype(v)> out;
    for (const auto& x : v)
      for (int64_t i = 0; i < n; ++i) out.push_back(x);
    v = std::move(out);
  };
  rep(s.next_position);
  rep(s.history);
  rep(s.prompt_tokens);
}

std::vector<GenerationResult> Generator::decode(DecodeState& s, const std::vector<GenerationParams>& params_in,
                                                const TokenCallback& on_token) {
  c10::InferenceMode guard;
  const int64_t B = s.rows();
  check(params_in.size() == 1 || static_cast<int64_t>(params_in.size()) == B, "generate",
        "need one GenerationParams or one per row, got " + std::to_string(params_in.size()) + " for " + std::to_string(B));
  std::vector<GenerationParams> params;
  std::vector<Sampler> samplers;
  for (int64_t b = 0; b < B; ++b) {
    params.push_back(params_in.size() == 1 ? params_in[0] : params_in[b]);
    // Rows of one request get distinct, reproducible streams.
    samplers.emplace_back(params.back().sampling, mix_seed(params.back().sampling.seed, static_cast<uint64_t>(b)));
  }
  std::vector<GenerationResult> results(static_cast<size_t>(B));
  for (int64_t b = 0; b < B; ++b) results[b].prompt_tokens = s.prompt_tokens[b];
  std::vector<int64_t> active(static_cast<size_t>(B));  // original row of each state row
  for (int64_t b = 0; b < B; ++b) active[b] = b;
  const int64_t V = s.last_logits.size(1);
  auto dev = model_->model->embed_tokens->weight.device();

  while (!active.empty()) {
    std::vector<int64_t> keep, next_tokens;
    for (size_t r = 0; r < active.size(); ++r) {
      const int64_t row = active[r];
      GenerationResult& res = results[row];
      const GenerationParams& p = params[row];
      if (static_cast<int>(res.tokens.size()) >= p.max_new_tokens) {
        res.finish_reason = "length";
        continue;
      }
      const int64_t tok = samplers[row].sample(s.last_logits[r].data_ptr<float>(), V, s.history[r]);
      if (std::find(p.stop_ids.begin(), p.stop_ids.end(), tok) != p.stop_ids.end()) {
        res.finish_reason = "stop";
        continue;
      }
      res.tokens.push_back(tok);
      s.history[r].push_back(tok);
      if (on_token && !on_token(static_cast<size_t>(row), tok)) {
        res.finish_reason = "cancelled";
        continue;
      }
      if (!p.stop_strings.empty() && detokenize_) {
        const size_t tail = std::min<size_t>(res.tokens.size(), 16);
        const std::string text = detokenize_(std::vector<int64_t>(res.tokens.end() - tail, res.tokens.end()));
        for (const auto& stop : p.stop_strings)
          if (!stop.empty() && text.size() >= stop.size() && text.find(stop) != std::string::npos) {
            res.finish_reason = "stop";
            res.stop_string = stop;
          }
        if (!res.stop_string.empty()) continue;
      }
      if (static_cast<int>(res.tokens.size()) >= p.max_new_tokens) {
        res.finish_reason = "length";
        continue;
      }
      keep.push_back(static_cast<int64_t>(r));
      next_tokens.push_back(tok);
    }
    if (keep.empty()) break;
    if (keep.size() != active.size()) {  // retire finished rows
      auto idx = torch::tensor(keep, torch::kInt64);
      s.cache.select_rows(idx.to(dev));
      if (s.key_padding.defined()) s.key_padding = s.key_padding.index_select(0, idx.to(dev));
      s.last_logits = s.last_logits.index_select(0, idx);
      std::vector<int64_t> new_active, new_pos, new_prompt;
      std::vector<std::vector<int64_t>> new_hist;
      for (int64_t r : keep) {
        new_active.push_back(active[r]);
        new_pos.push_back(s.next_position[r]);
        new_prompt.push_back(s.prompt_tokens[r]);
        new_hist.push_back(std::move(s.history[r]));
      }
      active = std::move(new_active);
      s.next_position = std::move(new_pos);
      s.prompt_tokens = std::move(new_prompt);
      s.history = std::move(new_hist);
    }
    const int64_t Bn = static_cast<int64_t>(active.size());
    auto ids = torch::tensor(next_tokens, torch::kInt64).view({Bn, 1}).to(dev);
    auto pos = torch::tensor(s.next_position, torch::kInt64).view({Bn, 1}).to(dev);
    for (auto& p : s.next_position) ++p;
    if (s.key_padding.defined()) s.key_padding = torch::cat({s.key_padding, torch::ones({Bn, 1}, s.key_padding.options())}, 1);
    s.last_logits = forward_step(s, model_->embed(ids), pos);
  }
  return results;
}

std::vector<GenerationResult> Generator::generate(const std::vector<Prompt>& prompts,
                                                  const std::vector<GenerationParams>& params,
                                                  const TokenCallback& on_token) {
  DecodeState s = prefill(prompts);
  return decode(s, params, on_token);
}

std::vector<GenerationResult> Generator::sample_n(const Prompt& prompt, int n, const GenerationParams& params,
                                                  const TokenCallback& on_token) {
  DecodeState s = prefill({prompt});
  repeat(s, n);
  return decode(s, {params}, on_token);
}

}  // namespace insightv
