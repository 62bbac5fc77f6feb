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

void Generator::step(DecodeState& s, const std::vector<int64_t>& tokens) {
  c10::InferenceMode guard;
  const int64_t B = s.rows();
  check(static_cast<int64_t>(tokens.size()) == B, "generate",
        "step needs one token per row, got " + std::to_string(tokens.size()) + " for " + std::to_string(B));
  auto dev = model_->model->embed_tokens->weight.device();
  auto ids = torch::tensor(tokens, torch::kInt64).view({B, 1}).to(dev);
  auto pos = torch::tensor(s.next_position, torch::kInt64).view({B, 1}).to(dev);
  for (int64_t b = 0; b < B; ++b) {
    ++s.next_position[b];
    s.history[b].push_back(tokens[b]);
  }
  if (s.key_padding.defined()) s.key_padding = torch::cat({s.key_padding, torch::ones({B, 1}, s.key_padding.options())}, 1);
  s.last_logits = forward_step(s, model_->embed(ids), pos);
}

void Generator::keep_rows(DecodeState& s, const std::vector<int64_t>& rows) {
  c10::InferenceMode guard;
  if (static_cast<int64_t>(rows.size()) == s.rows()) {
    bool same = true;
    for (size_t i = 0; i < rows.size(); ++i) same = same && rows[i] == static_cast<int64_t>(i);
    if (same) return;
  }
  if (rows.empty()) {
    s = DecodeState{};
    return;
  }
  auto idx = torch::tensor(rows, torch::kInt64);
  if (s.cache.allocated()) s.cache.select_rows(idx.to(s.cache.k[0].device()));
  if (s.key_padding.defined()) s.key_padding = s.key_padding.index_select(0, idx.to(s.key_padding.device()));
  s.last_logits = s.last_logits.index_select(0, idx);
  auto pick = [&rows](auto& v) {
    std::remove_reference_t<decltype(v)> out;
    for (int64_t r : rows) out.push_back(std::move(v[r]));
    v = std::move(out);
  };
  pick(s.next_position);
  pick(s.history);
  pick(s.prompt_tokens);
  trim_leading_padding(s);
}

// The rows share one time axis; a row that joined a longer batch was left-padded to its length.
// Once the rows that needed those columns have left, the leading columns that are padding for every
// remaining row are dropped. Without this the axis only grew while a busy server's batch never
// emptied: every step attended over more padding (a 10-minute soak at 32 clients slowed down and
// its memory grew by ~1 GB; bench/bench_soak.cpp). Keys are stored after RoPE and positions are
// per row, so moving the columns changes nothing else.
void Generator::trim_leading_padding(DecodeState& s) {
  if (!s.key_padding.defined() || !s.cache.allocated() || s.cache.length == 0) return;
  const torch::Tensor real = s.key_padding.narrow(1, 0, s.cache.length).any(0);  // [length]
  const torch::Tensor first = real.nonzero();
  const int64_t lead = first.numel() == 0 ? 0 : first[0][0].item<int64_t>();
  if (lead < 16 && lead * 4 < s.cache.length) return;  // not worth a copy yet
  const int64_t keep = s.cache.length - lead;
  for (size_t l = 0; l < s.cache.k.size(); ++l) {
    for (torch::Tensor* t : {&s.cache.k[l], &s.cache.v[l]}) {
      const torch::Tensor tail = t->narrow(2, lead, keep).clone();
      t->narrow(2, 0, keep).copy_(tail);
    }
  }
  s.cache.length = keep;
  s.key_padding = s.key_padding.narrow(1, lead, s.key_padding.size(1) - lead).contiguous();
}

void Generator::merge(DecodeState& a, DecodeState&& b) {
  c10::InferenceMode guard;
  if (b.rows() == 0) return;
  if (a.rows() == 0) {
    a = std::move(b);
    return;
  }
  const int64_t Ba = a.rows(), Bb = b.rows(), La = a.cache.length, Lb = b.cache.length;
  const int64_t L = std::max(La, Lb), cap = std::max(L + 64, std::max(a.cache.capacity(), b.cache.capacity()));
  KvCache c;
  c.length = L;
  for (size_t l = 0; l < a.cache.k.size(); ++l) {
    auto join = [&](const torch::Tensor& x, const torch::Tensor& y) {
      auto out = torch::zeros({Ba + Bb, x.size(1), cap, x.size(3)}, x.options());
      out.narrow(0, 0, Ba).narrow(2, L - La, La).copy_(x.narrow(2, 0, La));
      out.narrow(0, Ba, Bb).narrow(2, L - Lb, Lb).copy_(y.narrow(2, 0, Lb));
      return out;
    };
    c.k.push_back(join(a.cache.k[l], b.cache.k[l]));
    c.v.push_back(join(a.cache.v[l], b.cache.v[l]));
  }
  auto mask_of = [L](const DecodeState& s, int64_t len, torch::Device dev) {
    auto m = torch::zeros({s.rows(), L}, torch::TensorOptions().dtype(torch::kBool).device(dev));
    if (s.key_padding.defined()) m.narrow(1, L - len, len).copy_(s.key_padding);
    else m.narrow(1, L - len, len).fill_(true);
    return m;
  };
  const auto dev = a.cache.k[0].device();
  a.key_padding = torch::cat({mask_of(a, La, dev), mask_of(b, Lb, dev)}, 0);
  a.cache = std::move(c);
  a.last_logits = torch::cat({a.last_logits, b.last_logits}, 0);
  for (int64_t r = 0; r < Bb; ++r) {
    a.next_position.push_back(b.next_position[r]);
    a.history.push_back(std::move(b.history[r]));
    a.prompt_tokens.push_back(b.prompt_tokens[r]);
  }
  b = DecodeState{};
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
