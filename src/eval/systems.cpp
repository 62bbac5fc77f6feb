// eval/systems.cpp — see systems.h.
#include "eval/systems.h"

#include "data/system_formats.h"
#include "util/error.h"
#include "util/hash.h"
#include "util/rng.h"

namespace insightv {
}

namespace insightv::eval {

const std::vector<std::string>& system_kinds() {
  static const std::vector<std::string> kinds = {"direct", "summary-only", "cot", "multi-turn", "multi-agent"};
  return kinds;
}

void check_system_kind(const std::string& kind) {
  for (const auto& k : system_kinds())
    if (k == kind) return;
  throw Error("eval", "unknown system '" + kind + "'", "use direct | summary-only | cot | multi-turn | multi-agent");
}

void check_image_position(const std::string& kind, bool image_last) {
  check(!image_last || kind != "multi-agent", "eval",
        "the image after the question is not supported for multi-agent (its agents place the image first)");
}

SystemParams::SystemParams() {
  answer.temperature = 0;
  answer.max_tokens = 32;
  reason.temperature = agent_defaults::kReasonTemperature;
  reason.max_tokens = agent_defaults::kReasonMaxTokens;
  summary.temperature = agent_defaults::kSummaryTemperature;
  summary.max_tokens = 32;
}

std::string user_prompt(const std::string& kind, const EvalItem& item, bool image_last) {
  check_system_kind(kind);
  const std::string p = data::eval_prompt(item.hint, item.question, item.options);
  if (kind == "multi-agent") return p;
  std::string text = p;  // direct, summary-only
  if (kind == "cot") text = p + data::kCotSuffix;
  if (kind == "multi-turn") text = p + data::kReasoningSuffix;
  if (item.image.empty()) return text;
  return image_last ? text + "\n<image>" : "<image>\n" + text;
}

std::string answer_text(const std::string& kind, const std::string& final_response) {
  return kind == "cot" ? data::cot_answer_text(final_response) : final_response;
}

uint64_t item_seed(uint64_t seed, const std::string& item_id) { return mix_seed(seed, fnv1a64(item_id)); }

ChatSystem::ChatSystem(std::string kind, ChatModel& model, SystemParams params)
    : kind_(std::move(kind)), model_(&model), params_(std::move(params)) {
  check_system_kind(kind_);
  check_image_position(kind_, params_.image_last);
}

SystemReply ChatSystem::answer(const EvalItem& item, uint64_t seed) {
  SystemReply r;
  auto ask = [&](const std::vector<ChatMessage>& msgs, ChatParams p, uint64_t s) {
    p.seed = s;
    ChatReply c = model_->chat(msgs, item.image, p, 1);
    check(c.texts.size() == 1, "eval", "the model returned " + std::to_string(c.texts.size()) + " replies for n=1");
    r.generated_tokens += c.completion_tokens;
    r.responses.push_back(c.texts[0]);
    return c.texts[0];
  };
  if (kind_ == "multi-agent") {
    // An endpoint serving `insightv serve --reason --summary`: it runs both agents itself.
    const std::string image = item.image.empty() ? "" : "<image>\n";
    r.prompt = image + user_prompt(kind_, item);
    r.answer = ask({{"user", r.prompt}}, params_.summary, seed);
    return r;
  }
  r.prompt = user_prompt(kind_, item, params_.image_last);
  if (kind_ == "multi-turn") {
    ChatParams reason = params_.reason;
    reason.keep_special = true;  // the chain goes back as the assistant turn, tags included
    std::string chain = ask({{"user", r.prompt}}, reason, mix_seed(seed, 0));
    // A generated image marker would ask for a second image in turn 2: drop it.
    for (size_t at; (at = chain.find("<image>")) != std::string::npos;) chain.erase(at, 7);
    r.answer = ask({{"user", r.prompt}, {"assistant", chain}, {"user", data::kMultiTurnFollowup}}, params_.answer,
                   mix_seed(seed, 1));
    return r;
  }
  ChatParams p = params_.answer;
  p.keep_special = kind_ == "cot";  // "</thoughts>" separates the answer
  r.answer = answer_text(kind_, ask({{"user", r.prompt}}, p, seed));
  return r;
}

}  // namespace insightv::eval
