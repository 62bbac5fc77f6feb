// data/preference_data.h — DPO preference pairs: the LLaVA-NeXT DPO JSON(L) format →
// tokenised chosen/rejected examples.
//
// A pair: {"id", "image", "prompt", "chosen", "rejected", "answer"?}. As the reference DPO
// dataset does, any "<image>" in the prompt is stripped and "<image>\n" re-prefixed when the
// pair has an image. Each side becomes a TrainExample (the user turn, then the answer as the
// assistant turn, trained tokens = the answer and its end-of-turn token).
//
//   auto pairs = read_preference_pairs("pairs.jsonl");
//   auto examples = build_preference_examples(pairs, tokenizer, opts, "data/");
#pragma once

#include <string>
#include <vector>

#include "data/sft_data.h"
#include "io/json.h"

namespace insightv {

struct PreferencePair {
  std::string id, image, prompt, chosen, rejected, answer;
};

struct PreferenceExample {
  std::string id;
  TrainExample chosen, rejected;
};

PreferencePair preference_from_json(const json& j, const std::string& source);
json preference_to_json(const PreferencePair& p);
// A JSON array or JSONL file.
std::vector<PreferencePair> read_preference_pairs(const std::string& path);
void write_preference_pairs(const std::string& path, const std::vector<PreferencePair>& pairs);
std::vector<PreferenceExample> build_preference_examples(const std::vector<PreferencePair>& pairs, const Tokenizer& tok,
                                                         const SftDataOptions& opts, const std::string& image_root);

}  // namespace insightv
