// data/sft_data.h — LLaVA conversations → tokenised training examples (ids + labels).
//
// Each sample's turns go through a chat template (io/chat_template.h): labels are the ids on
// trained tokens and −100 elsewhere (mask mode "assistant": the assistant's content and its
// closing end-of-turn token). An `<image>` becomes ONE placeholder id — the model's
// image_token_index — that the model later expands into the image's features.
//
//   auto samples = read_llava("sft/reason.json");
//   auto examples = build_sft_examples(samples, tokenizer, opts, "sft/");   // image paths resolved
// Not here: batching and the training loop (train/).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/llava_json.h"
#include "io/chat_template.h"
#include "io/tokenizer.h"

namespace insightv {

struct TrainExample {
  std::vector<int64_t> ids;
  std::vector<int64_t> labels;
  std::string image;  // image path (resolved), or empty for text-only
};

struct SftDataOptions {
  std::string template_name = "llava_llama_3";
  MaskMode mask_mode = MaskMode::kAssistant;
  int64_t image_token_index = kImageTokenIndex;  // the model config's placeholder id
  int64_t max_length = 2048;                     // longer examples are truncated (text tokens)
};

// image_root: the folder sample.image paths are relative to (the JSON file's folder).
std::vector<TrainExample> build_sft_examples(const std::vector<data::LlavaSample>& samples, const Tokenizer& tok,
                                             const SftDataOptions& opts, const std::string& image_root);
// Maps LLaVA's "human"/"gpt" turns to template roles.
std::vector<ChatMessage> to_messages(const data::LlavaSample& s);

}  // namespace insightv
