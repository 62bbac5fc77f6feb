// infer/agents.cpp — prompts, chain extraction, voting, and the two-agent sequence.
#include <torch/torch.h>

#include "infer/agents.h"

#include <algorithm>
#include <atomic>
#include <map>

#include "infer/agent_defaults.h"
#include "io/byte_level.h"
#include "model/image_processor.h"
#include "util/error.h"

namespace insightv {

namespace {

std::string trim(const std::string& s) {
  const size_t a = s.find_first_not_of(" \t\r\n");
  if (a == std::string::npos) return "";
  const size_t b = s.find_last_not_of(" \t\r\n");
  return s.substr(a, b - a + 1);
}

// The template's prompt for one user turn, with its image ids mapped to the model's.
Prompt build_prompt(const AgentModel& m, const Tokenizer& tok, const std::vector<ChatMessage>& messages,
                    const std::vector<torch::Tensor>& images, const std::string& system_prompt) {
  ChatTemplateOptions o;
  o.system_prompt = system_prompt;
  ChatTemplate tpl(m.template_name, tok, o);
  EncodedChat e = tpl.generation_prompt(messages);
  check(e.image_positions.size() == images.size(), "agents",
        std::to_string(e.image_positions.size()) + " <image> markers in the prompt but " +
            std::to_string(images.size()) + " images",
        "give one image per <image> marker");
  Prompt p;
  for (int32_t id : e.ids) p.ids.push_back(id == tpl.image_token_id() ? m.image_token_id : id);
  p.images = images;
  return p;
}

std::vector<int64_t> stop_ids_for(const AgentModel& m, const Tokenizer& tok) {
  ChatTemplate tpl(m.template_name, tok);
  std::vector<int64_t> out;
  for (int32_t id : tpl.stop_ids()) out.push_back(id);
  if (tok.eos_id() >= 0 && std::find(out.begin(), out.end(), tok.eos_id()) == out.end()) out.push_back(tok.eos_id());
  return out;
}

}  // namespace

std::string decode_generated(const Tokenizer& tok, const std::vector<int64_t>& ids, bool skip_special) {
  std::vector<int32_t> known;
  for (int64_t id : ids)
    if (id >= 0 && id < tok.vocab_size()) known.push_back(static_cast<int32_t>(id));
  DecodeOptions o;
  o.skip_special = skip_special;
  o.repair_utf8 = true;
  return tok.decode(known, o);
}

Detokenize make_detokenizer(const Tokenizer& tok) {
  return [&tok](const std::vector<int64_t>& ids) { return decode_generated(tok, ids, false); };
}

AgentModel agent_model(Generator& gen) {
  AgentModel m;
  MultimodalLM lm = gen.model();
  m.image_token_id = lm->config().mm.image_token_index;
  m.accepts_images = lm->config().is_multimodal();
  m.encode_image = [lm](const Image& img) mutable { return image_features(lm, img); };
  m.sample = [&gen](const std::vector<Prompt>& prompts, int n, const GenerationParams& p, const TokenCallback& cb) {
    if (prompts.size() == 1) return gen.sample_n(prompts[0], n, p, cb);
    if (n == 1) return gen.generate(prompts, {p}, cb);
    std::vector<GenerationResult> all;
    for (size_t i = 0; i < prompts.size(); ++i) {
      const size_t base = i * static_cast<size_t>(n);
      auto r = gen.sample_n(prompts[i], n, p, [&](size_t row, int64_t t) { return !cb || cb(base + row, t); });
      all.insert(all.end(), r.begin(), r.end());
    }
    return all;
  };
  return m;
}

AgentModel agent_model(BatchEngine& engine) {
  AgentModel m;
  MultimodalLM lm = engine.model();
  m.image_token_id = lm->config().mm.image_token_index;
  m.accepts_images = lm->config().is_multimodal();
  m.encode_image = [lm](const Image& img) mutable { return image_features(lm, img); };
  m.sample = [&engine](const std::vector<Prompt>& prompts, int n, const GenerationParams& p, const TokenCallback& cb) {
    std::vector<std::shared_ptr<EngineJob>> jobs;
    try {
      for (size_t i = 0; i < prompts.size(); ++i) {
        EngineRequest r;
        r.prompt = prompts[i];
        r.params = p;
        r.n = n;
        const size_t base = i * static_cast<size_t>(n);
        if (cb) r.on_token = [cb, base](size_t row, int64_t t) { return cb(base + row, t); };
        jobs.push_back(engine.submit(std::move(r)));
      }
      std::vector<GenerationResult> all;
      for (auto& j : jobs) {
        auto r = j->wait();
        all.insert(all.end(), r.begin(), r.end());
      }
      return all;
    } catch (...) {
      for (auto& j : jobs) j->cancel();
      throw;
    }
  };
  return m;
}

torch::Tensor image_features(MultimodalLM& lm, const Image& image) {
  c10::InferenceMode guard;
  check(lm->config().is_multimodal(), "agents", "this model has no vision tower", "send text only");
  ImageTiles t = preprocess_image(image, lm->config());
  return lm->pack_anyres(lm->encode_tiles(t.pixels), t.size);
}

std::string reasoning_question(const std::string& question) { return question + kReasoningSuffix; }

std::string extract_chain(const std::string& text, size_t max_chars) {
  static const std::string open = "<thoughts>", close = "</thoughts>";
  const size_t o = text.rfind(open);
  std::string chain = o == std::string::npos ? text : text.substr(o + open.size());
  const size_t c = chain.find(close);
  if (c != std::string::npos) chain.resize(c);
  // A generated image marker would ask the summary agent for a second image: drop it.
  for (size_t at; (at = chain.find("<image>")) != std::string::npos;) chain.erase(at, 7);
  if (chain.size() > max_chars) {
    size_t cut = max_chars;  // never split a UTF-8 character
    while (cut > 0 && (static_cast<unsigned char>(chain[cut]) & 0xC0) == 0x80) --cut;
    chain.resize(cut);
  }
  return chain;
}

std::string normalize_answer(const std::string& answer) {
  std::string s = trim(answer);
  while (!s.empty() && (s.back() == '.' || s.back() == ' ')) s.pop_back();
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::pair<size_t, double> majority(const std::vector<std::string>& answers) {
  if (answers.empty()) return {0, 0.0};
  std::map<std::string, size_t> count;
  for (const auto& a : answers) ++count[normalize_answer(a)];
  size_t best = 0, best_n = 0;
  for (size_t i = 0; i < answers.size(); ++i) {
    const size_t n = count[normalize_answer(answers[i])];
    if (n > best_n) best = i, best_n = n;
  }
  return {best, static_cast<double>(best_n) / static_cast<double>(answers.size())};
}

std::string TextStream::push(int64_t token) {
  if (token < 0 || token >= tok_->vocab_size()) return "";  // an id the tokenizer lacks
  ids_.push_back(static_cast<int32_t>(token));
  DecodeOptions o;
  o.skip_special = skip_special_;
  const std::string text = tok_->decode(ids_, o);
  // Hold back an unfinished UTF-8 character at the end.
  size_t end = text.size();
  for (size_t back = 1; back <= 3 && back <= text.size(); ++back) {
    const unsigned char c = static_cast<unsigned char>(text[text.size() - back]);
    if ((c & 0xC0) == 0x80) continue;  // continuation byte
    const size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    if (need > back) end = text.size() - back;
    break;
  }
  if (end <= emitted_) return "";
  std::string delta = repair_utf8(std::string_view(text).substr(emitted_, end - emitted_));
  emitted_ = end;
  return delta;
}

AgentOptions::AgentOptions() {
  using namespace agent_defaults;
  reason.sampling.temperature = static_cast<float>(kReasonTemperature);
  reason.sampling.top_p = static_cast<float>(kTopP);
  reason.max_new_tokens = kReasonMaxTokens;
  summary.sampling.temperature = static_cast<float>(kSummaryTemperature);
  summary.sampling.top_p = static_cast<float>(kTopP);
  summary.max_new_tokens = kSummaryMaxTokens;
}

AgentRunner::AgentRunner(AgentModel reason, AgentModel summary, const Tokenizer& tokenizer, AgentOptions options)
    : reason_(std::move(reason)), summary_(std::move(summary)), tok_(&tokenizer), opt_(std::move(options)) {}

AgentAnswer AgentRunner::ask(const AgentQuestion& q, const AgentCallbacks& cb) const { return ask(q, opt_, cb); }

AgentAnswer AgentRunner::ask(const AgentQuestion& q, const AgentOptions& opt, const AgentCallbacks& cb) const {
  check(opt.chains >= 1, "agents", "chains must be >= 1");
  const bool has_image = !q.images.empty();
  const std::string question = (has_image ? "<image>\n" : "") + trim(q.question);
  const size_t N = static_cast<size_t>(opt.chains);
  std::atomic<bool> cancelled{false};

  // 1. Reasoning: N chains of one prompt in one batch.
  std::vector<torch::Tensor> rimg;
  if (has_image) rimg.push_back(reason_.encode_image(q.images[0]));
  Prompt rp = build_prompt(reason_, *tok_, {{"user", reasoning_question(question)}}, rimg, opt.system_prompt);
  GenerationParams rparams = opt.reason;
  rparams.stop_ids = stop_ids_for(reason_, *tok_);
  std::vector<TextStream> rstreams(N, TextStream(*tok_, true));
  auto rcb = [&](size_t row, int64_t t) {
    if (cancelled) return false;
    if (cb.on_reasoning) {
      const std::string d = rstreams[row].push(t);
      if (!d.empty() && !cb.on_reasoning(row, d)) cancelled = true;
    }
    return !cancelled.load();
  };
  auto rres = reason_.sample({rp}, static_cast<int>(N), rparams, rcb);
  if (cancelled) throw Error("agents", "request cancelled");

  AgentAnswer out;
  out.chains.resize(N);
  std::vector<Prompt> sprompts;
  std::vector<torch::Tensor> simg;
  if (has_image) simg.push_back(summary_.encode_image(q.images[0]));  // the same image, the summary model's features
  for (size_t i = 0; i < N; ++i) {
    ChainAnswer& c = out.chains[i];
    c.reason = rres[i];
    // Sampled bytes need not form valid UTF-8 (repaired: the summary prompt must be valid).
    c.reasoning_text = decode_generated(*tok_, c.reason.tokens, false);
    c.chain = extract_chain(c.reasoning_text, opt.max_chain_chars);
    sprompts.push_back(build_prompt(summary_, *tok_, {{"user", summary_question(question, c.chain)}}, simg,
                                    opt.system_prompt));
    out.prompt_tokens += c.reason.prompt_tokens;
    out.completion_tokens += static_cast<int64_t>(c.reason.tokens.size());
  }

  // 2. Summary: one answer per chain, all chains' prompts in one batch.
  GenerationParams sparams = opt.summary;
  sparams.stop_ids = stop_ids_for(summary_, *tok_);
  std::vector<TextStream> sstreams(N, TextStream(*tok_, true));
  auto scb = [&](size_t row, int64_t t) {
    if (cancelled) return false;
    if (cb.on_answer) {
      const std::string d = sstreams[row].push(t);
      if (!d.empty() && !cb.on_answer(row, d)) cancelled = true;
    }
    return !cancelled.load();
  };
  auto sres = summary_.sample(sprompts, 1, sparams, scb);
  if (cancelled) throw Error("agents", "request cancelled");
  std::vector<std::string> answers;
  for (size_t i = 0; i < N; ++i) {
    ChainAnswer& c = out.chains[i];
    c.summary = sres[i];
    c.answer = trim(decode_generated(*tok_, c.summary.tokens, true));
    answers.push_back(c.answer);
    out.prompt_tokens += c.summary.prompt_tokens;
    out.completion_tokens += static_cast<int64_t>(c.summary.tokens.size());
  }
  std::tie(out.best, out.agreement) = majority(answers);
  out.answer = out.chains[out.best].answer;
  return out;
}

namespace {

ChatAnswer finish_chat(const Tokenizer& tok, std::vector<GenerationResult> res) {
  ChatAnswer out;
  for (auto& r : res) {
    out.texts.push_back(decode_generated(tok, r.tokens, true));
    out.prompt_tokens = r.prompt_tokens;
    out.completion_tokens += static_cast<int64_t>(r.tokens.size());
  }
  out.results = std::move(res);
  return out;
}

}  // namespace

namespace {
// n samples of one prompt, each sample's text streamed to on_delta as it decodes; a false
// from on_delta cancels the request.
ChatAnswer sample_streaming(const AgentModel& model, const Tokenizer& tok, const Prompt& p,
                            const GenerationParams& params, int n,
                            const std::function<bool(size_t, const std::string&)>& on_delta) {
  std::vector<TextStream> streams(static_cast<size_t>(n), TextStream(tok, true));
  std::atomic<bool> cancelled{false};
  auto cb = [&](size_t row, int64_t t) {
    if (cancelled) return false;
    if (on_delta) {
      const std::string d = streams[row].push(t);
      if (!d.empty() && !on_delta(row, d)) cancelled = true;
    }
    return !cancelled.load();
  };
  auto res = model.sample({p}, n, params, cb);
  if (cancelled) throw Error("agents", "request cancelled");
  return finish_chat(tok, std::move(res));
}
}  // namespace

ChatAnswer chat_once(const AgentModel& model, const Tokenizer& tok, const std::vector<ChatMessage>& messages,
                     const std::vector<Image>& images, const GenerationParams& params, int n,
                     const std::function<bool(size_t, const std::string&)>& on_delta,
                     const std::string& reply_prefix) {
  std::vector<torch::Tensor> feats;
  for (const auto& img : images) feats.push_back(model.encode_image(img));
  Prompt p = build_prompt(model, tok, messages, feats, "");
  EncodeOptions eo;
  eo.add_bos = false;
  for (int32_t id : tok.encode(reply_prefix, eo)) p.ids.push_back(id);
  GenerationParams gp = params;
  const auto stops = stop_ids_for(model, tok);
  gp.stop_ids.insert(gp.stop_ids.end(), stops.begin(), stops.end());
  return sample_streaming(model, tok, p, gp, n, on_delta);
}

ChatAnswer complete_once(const AgentModel& model, const Tokenizer& tok, const std::string& prompt,
                         const GenerationParams& params, int n,
                         const std::function<bool(size_t, const std::string&)>& on_delta) {
  check(!prompt.empty(), "agents", "empty prompt", "send a non-empty prompt");
  EncodeOptions eo;
  eo.add_bos = tok.bos_id() >= 0;
  Prompt p;
  for (int32_t id : tok.encode(prompt, eo)) p.ids.push_back(id);
  return sample_streaming(model, tok, p, params, n, on_delta);
}

}  // namespace insightv
