// infer/agents.h — Insight-V's two agents in sequence, best-of-N, and single-model chat.
//
// The reasoning agent gets "<image>\n" + question + the reasoning suffix and writes a chain
// in <thoughts> … </thoughts>; the chain is extracted (split on the LAST <thoughts>, up to the
// first </thoughts>, robust to a missing close tag, capped in length) and re-wrapped; the
// summary agent gets the verbatim summary prompt (PAPER.md §2.2, typos kept) with the original
// question — image placeholder included, so it sees the same image — and answers.
// Best-of-N (beyond the paper): N chains sampled in one batch, the summary agent answers each,
// the majority answer wins and its share of the votes is the confidence.
//
//   AgentModel reason = agent_model(reason_engine_or_generator, tokenizer);
//   AgentModel summary = agent_model(summary_engine_or_generator, tokenizer);
//   AgentRunner runner(reason, summary, tokenizer, AgentOptions{});  // chains = 1
//   AgentAnswer a = runner.ask({"How many circles?", {image}}, callbacks);
//   // a.answer, a.agreement, a.chains[i].chain / .answer
//   ChatAnswer c = chat_once(model, tokenizer, messages, images, params, /*n=*/1);  // plain chat
//
// What it is not: it never touches tensors beyond passing image features, and it does no
// batching of its own — that is the backend's (Generator or BatchEngine) job.
// Thread-safety: AgentRunner::ask is const and may run on many threads when the backends are
// engines; a Generator backend is not thread-safe.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <string>
#include <vector>

#include "infer/batch_engine.h"
#include "infer/generator.h"
#include "data/system_formats.h"
#include "io/chat_template.h"
#include "io/image.h"
#include "io/tokenizer.h"

namespace insightv {

// The paper's prompt texts live with the other system formats (data/system_formats.h), where
// the training sets are built from the same functions.
using data::kReasoningSuffix;
using data::kSummaryPromptHead;
using data::summary_question;

// n samples of each prompt, in one batch: result/row p*n + i is sample i of prompt p;
// on_token(row, token) streams, returning false stops that row.
using SampleFn = std::function<std::vector<GenerationResult>(const std::vector<Prompt>&, int n,
                                                             const GenerationParams&, const TokenCallback&)>;
// One agent's model as the pipeline sees it.
struct AgentModel {
  SampleFn sample;
  std::function<torch::Tensor(const Image&)> encode_image;  // packed features [N_img, C]
  int64_t image_token_id = -200;                             // the model's placeholder id
  std::string template_name = "llava_llama_3";
  bool accepts_images = true;                                // false: the model has no vision tower
};
// Backends: direct (one caller at a time) or through a continuous-batching engine.
AgentModel agent_model(Generator& gen);
AgentModel agent_model(BatchEngine& engine);
// Features of one image for `lm` (preprocess + encode + pack); Error when it has no vision tower.
torch::Tensor image_features(MultimodalLM& lm, const Image& image);

// Pure prompt pieces (tested on their own).
std::string reasoning_question(const std::string& question);  // "<image>\n" + q + suffix
std::string extract_chain(const std::string& text, size_t max_chars);  // drops <image> markers
std::string normalize_answer(const std::string& answer);  // for voting: trimmed, lower-case, no final '.'
// Index of the majority answer (first of the largest group) and its share of the votes.
std::pair<size_t, double> majority(const std::vector<std::string>& answers);

// Text of generated ids for stop strings (ids the tokenizer lacks — a model vocabulary padded
// beyond the tokenizer's — are dropped; invalid UTF-8 is repaired). Keeps a pointer to tok.
Detokenize make_detokenizer(const Tokenizer& tok);
// Generated ids → text, dropping ids the tokenizer lacks.
std::string decode_generated(const Tokenizer& tok, const std::vector<int64_t>& ids, bool skip_special);

// Incremental detokenization: text deltas that never split a UTF-8 character.
class TextStream {
 public:
  TextStream(const Tokenizer& tok, bool skip_special) : tok_(&tok), skip_special_(skip_special) {}
  std::string push(int64_t token);  // the new complete text (may be empty)
 private:
  const Tokenizer* tok_;
  bool skip_special_;
  std::vector<int32_t> ids_;
  size_t emitted_ = 0;
};

struct AgentOptions {
  GenerationParams reason;   // defaults: infer/agent_defaults.h (T 0.7, top-p 0.95, 1024 new tokens)
  GenerationParams summary;  // defaults: infer/agent_defaults.h (T 0.2, top-p 0.95, 512 new tokens)
  int chains = 1;            // best-of-N when > 1
  size_t max_chain_chars = 32768;
  std::string system_prompt;  // empty: the template's default
  AgentOptions();
};

struct AgentQuestion {
  std::string question;       // without "<image>" and without the reasoning suffix
  std::vector<Image> images;  // at most one image is given to the agents (the first)
};

struct ChainAnswer {
  std::string reasoning_text;  // the reasoning agent's output, special tokens kept
  std::string chain;           // the extracted chain (no tags)
  std::string answer;          // the summary agent's answer
  GenerationResult reason, summary;
};

struct AgentAnswer {
  std::vector<ChainAnswer> chains;
  size_t best = 0;         // index of the majority answer's chain
  std::string answer;      // chains[best].answer
  double agreement = 1.0;  // share of chains whose answer matches it
  int64_t prompt_tokens = 0, completion_tokens = 0;
};

struct AgentCallbacks {
  // (chain, text delta); returning false cancels the request's remaining work.
  std::function<bool(size_t, const std::string&)> on_reasoning, on_answer;
};

class AgentRunner {
 public:
  AgentRunner(AgentModel reason, AgentModel summary, const Tokenizer& tokenizer, AgentOptions options = {});
  AgentAnswer ask(const AgentQuestion& q, const AgentCallbacks& cb = {}) const;
  AgentAnswer ask(const AgentQuestion& q, const AgentOptions& per_request, const AgentCallbacks& cb) const;
  const AgentOptions& options() const { return opt_; }

 private:
  AgentModel reason_, summary_;
  const Tokenizer* tok_;
  AgentOptions opt_;
};

struct ChatAnswer {
  std::vector<std::string> texts;  // one per sample
  std::vector<GenerationResult> results;
  int64_t prompt_tokens = 0, completion_tokens = 0;
};
// Single-model mode: the conversation through the model's chat template; `images` fill the
// "<image>" markers in order. on_delta(sample, text) streams. A non-empty reply_prefix is the start
// of the assistant's reply, prefilled: the model continues it, and the texts hold only what follows.
ChatAnswer chat_once(const AgentModel& model, const Tokenizer& tok, const std::vector<ChatMessage>& messages,
                     const std::vector<Image>& images, const GenerationParams& params, int n,
                     const std::function<bool(size_t, const std::string&)>& on_delta = nullptr,
                     const std::string& reply_prefix = "");
// Raw completion (no template): the text's tokens, continued.
ChatAnswer complete_once(const AgentModel& model, const Tokenizer& tok, const std::string& prompt,
                         const GenerationParams& params, int n,
                         const std::function<bool(size_t, const std::string&)>& on_delta = nullptr);

}  // namespace insightv
