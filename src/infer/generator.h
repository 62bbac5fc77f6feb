// infer/generator.h — prefill, the decode loop and batching around a MultimodalLM.
//
// Three pieces (STYLE.md §8): prefill puts prompts (text + spliced image features) into a KV
// cache; the decode loop samples a token per active row, streams it, checks stop conditions
// and feeds the survivors back one step at a time; sampling is infer/sampler.h. Rows that
// finish leave the batch (their cache rows are dropped), so a batch of B sequences that end at
// different times costs what the still-running ones need.
//
//   Generator gen(model, detokenize);                 // detokenize: for stop strings (optional)
//   GenerationParams p; p.max_new_tokens = 64; p.stop_ids = {eot};
//   auto results = gen.generate({prompt_a, prompt_b}, {p, p});            // batched
//   auto samples = gen.sample_n(prompt, 8, p);        // prompt prefilled once, fanned out
//   DecodeState s = gen.prefill(prefix);              // a prefix cache to continue from:
//   DecodeState t = s.clone(); gen.extend(t, more_ids); auto r = gen.decode(t, {p});
//
// Runs under c10::InferenceMode. Not thread-safe: one Generator per thread (the model may be
// shared read-only between generators).
#pragma once

#include <torch/torch.h>

#include <functional>
#include <string>
#include <vector>

#include "infer/sampler.h"
#include "model/kv_cache.h"
#include "model/llava.h"

namespace insightv {

struct GenerationParams {
  SamplingParams sampling;
  int max_new_tokens = 256;
  std::vector<int64_t> stop_ids;           // generation ends before emitting one of these
  std::vector<std::string> stop_strings;   // ends when the decoded text ends with one
};

struct Prompt {
  std::vector<int64_t> ids;              // may contain the model's image placeholder id
  std::vector<torch::Tensor> images;     // packed features [N_img, C] per placeholder
};

struct GenerationResult {
  std::vector<int64_t> tokens;    // generated tokens (a stop id is not included)
  std::string finish_reason;      // "stop" | "length" | "cancelled"
  std::string stop_string;        // the stop string that ended it, if any
  int64_t prompt_tokens = 0;      // after image expansion
};

// Receives each new token of row `row`; returning false ends that row ("cancelled").
using TokenCallback = std::function<bool(size_t row, int64_t token)>;
using Detokenize = std::function<std::string(const std::vector<int64_t>&)>;

// The KV cache and bookkeeping of B rows mid-generation. clone() copies the cache.
struct DecodeState {
  KvCache cache;
  torch::Tensor key_padding;               // [B, length] bool, or undefined (no padding)
  std::vector<int64_t> next_position;      // per row
  std::vector<std::vector<int64_t>> history;  // per row: prompt ids + generated (for penalties)
  torch::Tensor last_logits;               // [B, V] fp32 CPU
  std::vector<int64_t> prompt_tokens;
  int64_t rows() const { return static_cast<int64_t>(next_position.size()); }
  DecodeState clone() const;
};

class Generator {
 public:
  explicit Generator(MultimodalLM model, Detokenize detokenize = nullptr);

  DecodeState prefill(const std::vector<Prompt>& prompts);
  // Appends the same text to every row (e.g. the next user turn of a multi-step dialogue).
  void extend(DecodeState& state, const std::vector<int64_t>& ids);
  // Fans every row out into n consecutive copies.
  void repeat(DecodeState& state, int64_t n);
  // Decodes all rows of `state` (params per row, or one for all). Consumes the state: finished
  // rows leave it, so keep a clone() of a prefix you want to continue from later.
  std::vector<GenerationResult> decode(DecodeState& state, const std::vector<GenerationParams>& params,
                                       const TokenCallback& on_token = nullptr);

  std::vector<GenerationResult> generate(const std::vector<Prompt>& prompts,
                                         const std::vector<GenerationParams>& params,
                                         const TokenCallback& on_token = nullptr);
  std::vector<GenerationResult> sample_n(const Prompt& prompt, int n, const GenerationParams& params,
                                         const TokenCallback& on_token = nullptr);

  // Step-level pieces for continuous batching (infer/batch_engine.h):
  // feeds one token per row (tokens.size() == rows) and refreshes last_logits.
  void step(DecodeState& state, const std::vector<int64_t>& tokens);
  // Keeps rows `rows` of the state, in this order (finished rows leave), then drops the leading
  // time columns that are padding for every remaining row (trim_leading_padding).
  static void keep_rows(DecodeState& state, const std::vector<int64_t>& rows);
  static void trim_leading_padding(DecodeState& state);
  // Appends the rows of `other` after those of `into`. The shorter cache is left-padded in
  // time (masked by key_padding), so rows that started at different steps share one batch.
  static void merge(DecodeState& into, DecodeState&& other);

  MultimodalLM& model() { return model_; }
  // bf16 autocast for matmuls of 16 rows or more (prefill, big decode batches): faster on CPUs
  // with AVX512-BF16, at bf16 precision. Fewer rows stay fp32 (GEMV, packed GEMM: model/llama.h).
  void set_bf16(bool on) { bf16_ = on; }

 private:
  torch::Tensor forward_step(DecodeState& state, const torch::Tensor& embeds, const torch::Tensor& positions);

  MultimodalLM model_;
  Detokenize detokenize_;
  bool bf16_ = false;
};

}  // namespace insightv
