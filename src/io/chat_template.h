// io/chat_template.h — named chat templates: a conversation → token ids + loss mask, and the
// generation prompt for inference.
//
//   ChatTemplate tpl("llava_llama_3", tokenizer);
//   EncodedChat ex = tpl.encode({{"user", "<image>\nHow many circles?"}, {"assistant", "Three."}});
//   // ex.ids, ex.loss_mask (1 = trained), ex.image_positions; ex.labels() → -100 where masked
//   EncodedChat prompt = tpl.generation_prompt({{"user", "<image>\nHow many circles?"}});
//   // generate until one of tpl.stop_ids() (<|eot_id|> = 128009 for LLaMA-3)
//
// Templates (PAPER.md §3.2, §5):
//   llava_llama_3  <|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n{system}<|eot_id|>
//                  <|start_header_id|>user<|end_header_id|>\n\n{user}<|eot_id|>
//                  <|start_header_id|>assistant<|end_header_id|>\n\n{assistant}<|eot_id|>...
//                  Contents are trimmed (the hub template's `| trim`). Default system prompt: the
//                  LLaVA one ("You are a helpful language and vision assistant. ...").
//   chatml         <|im_start|>system\n{system}<|im_end|>\n<|im_start|>user\n{user}<|im_end|>\n
//                  <|im_start|>assistant\n{assistant}<|im_end|>\n   (Qwen; not trimmed; default
//                  system prompt "You are a helpful assistant.")
// A conversation without a leading system message gets the default system prompt (or
// options.system_prompt). Roles: system, user, assistant (LLaVA's human/gpt are accepted).
//
// Loss mask (MaskMode):
//   assistant (default)  the assistant's content AND the closing <|eot_id|> / <|im_end|> are
//                        trained (so the model learns to stop); headers, system, user are not;
//                        chatml's "\n" after <|im_end|> is not.
//   llava                LLaVA-NeXT's preprocess_llama3 exactly: the whole assistant message,
//                        header included, is trained, and every template token anywhere
//                        (<|begin_of_text|>, <|start_header_id|>, <|end_header_id|>,
//                        <|eot_id|>; chatml: <|im_start|>, <|im_end|>, "\n") is un-masked.
//                        The reference also un-masks convert_tokens_to_ids("\n\n"), which finds
//                        no token in a byte-level vocabulary; so does this.
// Images: each `<image>` in a content becomes ONE id — the tokenizer's <image> token when it
// has one, else -200 (LLaVA's IMAGE_TOKEN_INDEX) — listed in image_positions, never trained;
// the model splices image features there.
// Tokenization is exact: text between template special tokens is encoded as one run, as the
// reference tokenizes the rendered string. Generation prompt: the rendered conversation plus
// the assistant header; PAPER.md §5's stray <|begin_of_text|> before that header (the
// reference inference script's) is added only with options.reference_inference_bos.
//
// A ChatTemplate keeps a pointer to the tokenizer (does not own it; it must outlive the
// template). Const methods are thread-safe. A tokenizer without the template's special tokens
// is an Error at construction (tokenizers trained by io/bpe_trainer.h have them all).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "io/tokenizer.h"

namespace insightv {

constexpr int32_t kImageTokenIndex = -200;  // LLaVA's placeholder id for image features

struct ChatMessage {
  std::string role;  // system | user | assistant (human → user, gpt → assistant)
  std::string content;
};

// The template's default system prompt (the LLaVA one for llava_llama_3, Qwen's for chatml);
// an unknown name is an error.
std::string default_system_prompt(const std::string& template_name);

enum class MaskMode { kAssistant, kLlava };
MaskMode parse_mask_mode(const std::string& name);  // "assistant" | "llava"

struct ChatTemplateOptions {
  std::string system_prompt;            // empty: the template's default
  MaskMode mask_mode = MaskMode::kAssistant;
  bool parse_special_in_content = true; // special tokens typed in contents are tokens (as in the reference)
  bool reference_inference_bos = false; // generation_prompt(): <|begin_of_text|> before the assistant header
  std::string image_marker = "<image>";
  bool use_tokenizer_image_id = true;   // <image>'s id when the tokenizer has it; else kImageTokenIndex
};

struct EncodedChat {
  std::vector<int32_t> ids;
  std::vector<uint8_t> loss_mask;        // 1 = the token is a training target
  std::vector<size_t> image_positions;   // indices into ids
  // ids where trained, `ignore` elsewhere (the -100 of the reference).
  std::vector<int32_t> labels(int32_t ignore = -100) const;
};

class ChatTemplate {
 public:
  ChatTemplate(const std::string& name, const Tokenizer& tokenizer, ChatTemplateOptions opt = {});
  static std::vector<std::string> names();  // llava_llama_3, chatml

  // The conversation as text (with the generation prompt appended when asked).
  std::string render(const std::vector<ChatMessage>& messages, bool add_generation_prompt) const;
  EncodedChat encode(const std::vector<ChatMessage>& messages) const;
  // The conversation so far plus the assistant header; nothing is trained.
  EncodedChat generation_prompt(const std::vector<ChatMessage>& messages) const;
  std::vector<int32_t> stop_ids() const;
  int32_t image_token_id() const { return image_id_; }
  const std::string& name() const { return name_; }
  const std::string& default_system_prompt() const { return default_system_; }

 private:
  struct Part;
  std::vector<Part> parts(const std::vector<ChatMessage>& messages, bool generation) const;
  EncodedChat encode_parts(const std::vector<Part>& parts) const;
  int32_t special(const std::string& content) const;

  std::string name_;
  const Tokenizer* tok_;
  ChatTemplateOptions opt_;
  std::string default_system_;
  int32_t image_id_ = kImageTokenIndex;
  std::vector<int32_t> unmask_ids_;
};

}  // namespace insightv
