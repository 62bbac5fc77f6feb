// eval/local_model.cpp — see local_model.h.
#include <torch/torch.h>

#include "eval/local_model.h"

#include "infer/agents.h"
#include "infer/batch_engine.h"
#include "model/checkpoint.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/rng.h"

namespace insightv::eval {

namespace {

GenerationParams generation_params(const ChatParams& p) {
  GenerationParams g;
  g.sampling.temperature = static_cast<float>(p.temperature);
  g.sampling.top_p = static_cast<float>(p.top_p);
  g.sampling.seed = p.seed;
  g.max_new_tokens = p.max_tokens;
  return g;
}

bool has_image_marker(const std::vector<ChatMessage>& messages) {
  for (const auto& m : messages)
    if (m.content.find("<image>") != std::string::npos) return true;
  return false;
}

// One model behind a BatchEngine, as a ChatModel.
class EngineChatModel : public ChatModel {
 public:
  EngineChatModel(AgentModel model, const Tokenizer& tok) : model_(std::move(model)), tok_(&tok) {}
  ChatReply chat(const std::vector<ChatMessage>& messages, const EvalImage& image, const ChatParams& params,
                 int n) override {
    std::vector<Image> images;
    if (has_image_marker(messages)) images.push_back(image.load());
    ChatAnswer a = chat_once(model_, *tok_, messages, images, generation_params(params), n);
    if (params.keep_special)
      for (size_t i = 0; i < a.texts.size(); ++i) a.texts[i] = decode_generated(*tok_, a.results[i].tokens, false);
    return {std::move(a.texts), a.completion_tokens};
  }

 private:
  AgentModel model_;
  const Tokenizer* tok_;
};

class LocalSystemImpl : public LocalSystem {
 public:
  LocalSystemImpl(const LocalSystemSpec& spec, const SystemParams& params) : params_(params) {
    check_system_kind(spec.kind);
    check_image_position(spec.kind, params.image_last);
    const bool agents = spec.kind == "multi-agent";
    std::string tok_dir = spec.tokenizer;
    if (agents) {
      check(!spec.reason.empty() && !spec.summary.empty(), "eval", "multi-agent needs two checkpoints",
            "pass --reason DIR --summary DIR");
      if (tok_dir.empty()) tok_dir = spec.reason;
    } else {
      check(!spec.model.empty(), "eval", spec.kind + " needs a checkpoint", "pass --model DIR");
      if (tok_dir.empty()) tok_dir = spec.model;
    }
    check(file_exists(join_path(tok_dir, "tokenizer.json")), "eval", "no tokenizer.json in " + tok_dir,
          "pass the tokenizer folder (model init --tokenizer copies one into the checkpoint)");
    tok_ = std::make_unique<Tokenizer>(Tokenizer::load(tok_dir));
    EngineOptions eo;
    eo.bf16 = spec.bf16;
    eo.max_rows = spec.max_rows;
    auto model_for = [&](const std::string& dir) {
      LoadOptions lo;
      lo.dtype = parse_compute_dtype(spec.dtype);
      Checkpoint c = load_checkpoint(dir, lo);
      check(tok_->vocab_size() <= c.config.text.vocab_size, "eval",
            "tokenizer has " + std::to_string(tok_->vocab_size()) + " tokens but " + dir + " has a vocabulary of " +
                std::to_string(c.config.text.vocab_size),
            "use the tokenizer the model was trained with");
      IV_LOG(info) << "[eval] loaded " << dir;
      engines_.push_back(std::make_unique<BatchEngine>(c.model, make_detokenizer(*tok_), eo));
      AgentModel m = agent_model(*engines_.back());
      m.template_name = spec.template_name;
      return m;
    };
    if (agents) {
      AgentModel reason = model_for(spec.reason);
      AgentModel summary = spec.summary == spec.reason ? reason : model_for(spec.summary);
      AgentOptions o;
      o.chains = params.chains;
      runner_ = std::make_unique<AgentRunner>(reason, summary, *tok_, o);
    } else {
      chat_ = std::make_unique<EngineChatModel>(model_for(spec.model), *tok_);
      system_ = std::make_unique<ChatSystem>(spec.kind, *chat_, params);
    }
  }

  ~LocalSystemImpl() override {
    for (auto& e : engines_) e->shutdown();
  }

  SystemReply answer(const EvalItem& item, uint64_t seed) override {
    if (system_) return system_->answer(item, seed);
    AgentOptions o = runner_->options();
    auto set = [](GenerationParams& g, const ChatParams& p, uint64_t s) {
      GenerationParams n = generation_params(p);
      n.sampling.seed = s;
      g = n;
    };
    set(o.reason, params_.reason, mix_seed(seed, 0));
    set(o.summary, params_.summary, mix_seed(seed, 1));
    AgentQuestion q;
    q.question = user_prompt("multi-agent", item);
    if (!item.image.empty()) q.images.push_back(item.image.load());
    AgentAnswer a = runner_->ask(q, o, {});
    SystemReply r;
    r.prompt = q.question;
    for (const ChainAnswer& c : a.chains) r.responses.push_back(c.reasoning_text);
    for (const ChainAnswer& c : a.chains) r.responses.push_back(c.answer);
    r.answer = a.answer;
    r.generated_tokens = a.completion_tokens;
    return r;
  }

  int64_t engine_tokens() const override {
    int64_t t = 0;
    for (const auto& e : engines_) t += e->stats().tokens;
    return t;
  }

 private:
  SystemParams params_;
  std::unique_ptr<Tokenizer> tok_;
  std::vector<std::unique_ptr<BatchEngine>> engines_;
  std::unique_ptr<ChatModel> chat_;
  std::unique_ptr<ChatSystem> system_;
  std::unique_ptr<AgentRunner> runner_;
};

}  // namespace

std::unique_ptr<LocalSystem> make_local_system(const LocalSystemSpec& spec, const SystemParams& params) {
  return std::make_unique<LocalSystemImpl>(spec, params);
}

}  // namespace insightv::eval
