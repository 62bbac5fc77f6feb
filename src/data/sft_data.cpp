// data/sft_data.cpp — chat-template tokenisation of LLaVA samples into training examples.
#include "data/sft_data.h"

#include "util/error.h"
#include "util/fs.h"
#include "util/log.h"

#include <algorithm>

namespace insightv {

std::vector<ChatMessage> to_messages(const data::LlavaSample& s) {
  std::vector<ChatMessage> m;
  for (const auto& t : s.conversations) {
    std::string role = t.from;
    if (role == "human") role = "user";
    else if (role == "gpt") role = "assistant";
    m.push_back({role, t.value});
  }
  return m;
}

std::vector<TrainExample> build_sft_examples(const std::vector<data::LlavaSample>& samples, const Tokenizer& tok,
                                             const SftDataOptions& opts, const std::string& image_root) {
  ChatTemplateOptions topts;
  topts.mask_mode = opts.mask_mode;
  const ChatTemplate tpl(opts.template_name, tok, topts);
  std::vector<TrainExample> out;
  out.reserve(samples.size());
  size_t dropped = 0;
  for (const auto& s : samples) {
    const EncodedChat enc = tpl.encode(to_messages(s));
    check(enc.image_positions.size() <= 1, "data",
          "sample '" + s.id + "' has " + std::to_string(enc.image_positions.size()) + " <image> markers",
          "one image per sample is supported");
    check(enc.image_positions.empty() || !s.image.empty(), "data", "sample '" + s.id + "' has <image> but no image");
    TrainExample e;
    const auto labels = enc.labels();
    const size_t n = std::min(enc.ids.size(), static_cast<size_t>(opts.max_length));
    for (size_t i = 0; i < n; ++i) {
      const bool image = enc.ids[i] == tpl.image_token_id();
      e.ids.push_back(image ? opts.image_token_index : enc.ids[i]);
      e.labels.push_back(image ? -100 : labels[i]);
    }
    if (!enc.image_positions.empty() && enc.image_positions[0] < n) e.image = join_path(image_root, s.image);
    if (std::all_of(e.labels.begin(), e.labels.end(), [](int64_t l) { return l == -100; })) {
      ++dropped;  // truncation cut every trained token: nothing to learn from
      continue;
    }
    out.push_back(std::move(e));
  }
  if (dropped > 0)
    IV_LOG(warn) << dropped << " of " << samples.size() << " samples have no trained token within max_length "
                 << opts.max_length << " and were dropped";
  return out;
}

}  // namespace insightv
