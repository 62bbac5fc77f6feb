// io/chat_template.cpp — see chat_template.h.
#include "io/chat_template.h"

#include <algorithm>

#include "util/error.h"

namespace insightv {

namespace {

const char* const kLlavaSystem =
    "You are a helpful language and vision assistant. You are able to understand the visual "
    "content that the user provides, and assist the user with a variety of tasks using natural "
    "language.";
const char* const kQwenSystem = "You are a helpful assistant.";

// Jinja's trim: Python str.strip() of whitespace.
std::string trim(const std::string& s) {
  auto ws = [](unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; };
  size_t b = 0, e = s.size();
  while (b < e && ws(s[b])) ++b;
  while (e > b && ws(s[e - 1])) --e;
  return s.substr(b, e - b);
}

std::string canonical_role(const std::string& role) {
  if (role == "human") return "user";
  if (role == "gpt") return "assistant";
  if (role == "system" || role == "user" || role == "assistant") return role;
  throw Error("chat_template", "unknown role '" + role + "'",
              "roles are system, user, assistant (or LLaVA's human, gpt)");
}

}  // namespace

// One piece of a rendered conversation: a template special token, or a run of text between
// special tokens (encoded as one unit). Tokens of a text run starting at or after byte
// train_from are trained.
struct ChatTemplate::Part {
  int32_t special_id = -1;
  std::string text;
  bool trained = false;                   // for a special token
  size_t train_from = std::string::npos;  // for a text run
};

MaskMode parse_mask_mode(const std::string& name) {
  if (name == "assistant") return MaskMode::kAssistant;
  if (name == "llava") return MaskMode::kLlava;
  throw Error("chat_template", "unknown mask mode '" + name + "'", "use assistant or llava");
}

std::vector<int32_t> EncodedChat::labels(int32_t ignore) const {
  std::vector<int32_t> out(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) out[i] = loss_mask[i] ? ids[i] : ignore;
  return out;
}

std::vector<std::string> ChatTemplate::names() { return {"llava_llama_3", "chatml"}; }

std::string default_system_prompt(const std::string& template_name) {
  if (template_name == "llava_llama_3") return kLlavaSystem;
  if (template_name == "chatml") return kQwenSystem;
  throw Error("chat_template", "unknown template '" + template_name + "'", "known: llava_llama_3, chatml");
}

int32_t ChatTemplate::special(const std::string& content) const {
  const int32_t id = tok_->token_to_id(content);
  check(id >= 0 && tok_->is_added(id), "chat_template",
        "template " + name_ + " needs the special token " + content + ", which the tokenizer lacks",
        "use a LLaMA-3 (llava_llama_3) or Qwen (chatml) tokenizer, or one trained by "
        "`insightv tokenize train` (it adds both templates' tokens)");
  return id;
}

ChatTemplate::ChatTemplate(const std::string& name, const Tokenizer& tokenizer, ChatTemplateOptions opt)
    : name_(name), tok_(&tokenizer), opt_(std::move(opt)) {
  if (name_ == "llava_llama_3") {
    default_system_ = insightv::default_system_prompt(name_);
    for (const char* t : {"<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"})
      unmask_ids_.push_back(special(t));
    const int32_t nn = tok_->token_to_id("\n\n");  // as the reference: finds nothing in byte-level vocabs
    if (nn >= 0) unmask_ids_.push_back(nn);
  } else if (name_ == "chatml") {
    default_system_ = insightv::default_system_prompt(name_);
    for (const char* t : {"<|im_start|>", "<|im_end|>"}) unmask_ids_.push_back(special(t));
    const auto nl = tok_->encode("\n");
    if (nl.size() == 1) unmask_ids_.push_back(nl[0]);
  } else {
    throw Error("chat_template", "unknown template '" + name_ + "'", "known: llava_llama_3, chatml");
  }
  if (!opt_.system_prompt.empty()) default_system_ = opt_.system_prompt;
  const int32_t img = tok_->token_to_id(opt_.image_marker);
  if (opt_.use_tokenizer_image_id && img >= 0 && tok_->is_added(img)) image_id_ = img;
}

std::vector<ChatTemplate::Part> ChatTemplate::parts(const std::vector<ChatMessage>& messages,
                                                    bool generation) const {
  const bool llava_mask = opt_.mask_mode == MaskMode::kLlava;
  std::vector<ChatMessage> msgs;
  if (messages.empty() || canonical_role(messages[0].role) != "system")
    msgs.push_back({"system", default_system_});
  for (const auto& m : messages) msgs.push_back({canonical_role(m.role), m.content});

  std::vector<Part> out;
  auto sp = [&](const char* t, bool trained) { out.push_back({special(t), {}, trained}); };
  auto text = [&](std::string s, size_t train_from) {
    out.push_back({-1, std::move(s), false, train_from});
  };
  const size_t none = std::string::npos;
  if (name_ == "llava_llama_3") {
    sp("<|begin_of_text|>", false);
    for (const auto& m : msgs) {
      const bool asst = m.role == "assistant";
      sp("<|start_header_id|>", asst && llava_mask);
      text(m.role, asst && llava_mask ? 0 : none);
      sp("<|end_header_id|>", asst && llava_mask);
      text("\n\n" + trim(m.content), asst ? (llava_mask ? 0 : 2) : none);
      sp("<|eot_id|>", asst);
    }
    if (generation) {
      if (opt_.reference_inference_bos) sp("<|begin_of_text|>", false);
      sp("<|start_header_id|>", false);
      text("assistant", none);
      sp("<|end_header_id|>", false);
      text("\n\n", none);
    }
  } else {  // chatml
    for (const auto& m : msgs) {
      const bool asst = m.role == "assistant";
      sp("<|im_start|>", asst && llava_mask);
      const std::string head = m.role + "\n";
      text(head + m.content, asst ? (llava_mask ? 0 : head.size()) : none);
      sp("<|im_end|>", asst);
      text("\n", asst && llava_mask ? 0 : none);
    }
    if (generation) {
      sp("<|im_start|>", false);
      text("assistant\n", none);
    }
  }
  return out;
}

EncodedChat ChatTemplate::encode_parts(const std::vector<Part>& parts) const {
  EncodedChat ex;
  const EncodeOptions enc{false, opt_.parse_special_in_content};
  std::vector<int32_t> run;
  for (const Part& p : parts) {
    if (p.special_id >= 0) {
      ex.ids.push_back(p.special_id);
      ex.loss_mask.push_back(p.trained ? 1 : 0);
      continue;
    }
    // A text run, cut at image markers; offsets are bytes into p.text.
    size_t pos = 0;
    while (pos <= p.text.size()) {
      const size_t marker = opt_.image_marker.empty() ? std::string::npos
                                                      : p.text.find(opt_.image_marker, pos);
      const size_t end = marker == std::string::npos ? p.text.size() : marker;
      run.clear();
      tok_->encode_append(std::string_view(p.text).substr(pos, end - pos), run, enc);
      size_t offset = pos;
      for (int32_t id : run) {
        ex.ids.push_back(id);
        ex.loss_mask.push_back(offset >= p.train_from ? 1 : 0);
        offset += tok_->token_bytes(id).size();
      }
      if (marker == std::string::npos) break;
      ex.image_positions.push_back(ex.ids.size());
      ex.ids.push_back(image_id_);
      ex.loss_mask.push_back(0);
      pos = marker + opt_.image_marker.size();
    }
  }
  if (opt_.mask_mode == MaskMode::kLlava)
    for (size_t i = 0; i < ex.ids.size(); ++i)
      if (std::find(unmask_ids_.begin(), unmask_ids_.end(), ex.ids[i]) != unmask_ids_.end())
        ex.loss_mask[i] = 1;
  return ex;
}

std::string ChatTemplate::render(const std::vector<ChatMessage>& messages,
                                 bool add_generation_prompt) const {
  std::string out;
  for (const Part& p : parts(messages, add_generation_prompt))
    out += p.special_id >= 0 ? tok_->token_bytes(p.special_id) : p.text;
  return out;
}

EncodedChat ChatTemplate::encode(const std::vector<ChatMessage>& messages) const {
  return encode_parts(parts(messages, false));
}

EncodedChat ChatTemplate::generation_prompt(const std::vector<ChatMessage>& messages) const {
  EncodedChat ex = encode_parts(parts(messages, true));
  std::fill(ex.loss_mask.begin(), ex.loss_mask.end(), 0);
  return ex;
}

std::vector<int32_t> ChatTemplate::stop_ids() const {
  std::vector<int32_t> ids;
  for (const char* t : name_ == "chatml" ? std::vector<const char*>{"<|im_end|>", "<|endoftext|>"}
                                         : std::vector<const char*>{"<|eot_id|>", "<|end_of_text|>"}) {
    const int32_t id = tok_->token_to_id(t);
    if (id >= 0) ids.push_back(id);
  }
  return ids;
}

}  // namespace insightv
