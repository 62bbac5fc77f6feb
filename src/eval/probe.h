// eval/probe.h — the grounding probe: does a model's answer depend on the image it is shown?
//
//   ProbeConfig p;  p.model = "runs/nano/base";  p.tasks = "runs/nano/world/test";
//   ProbeResult r = run_probe(p);      // r.to_markdown(), r.to_json()
//
// For each VisWorld task, the direct prompt the base stage trains on (data/llava_json.h
// task_to_llava: "<image>\n" + the question, the answer as the assistant turn) is scored twice
// with teacher forcing: with the task's own image, and with the image of another task of the
// same family (a fixed pairing: the family's tasks in a seeded random cycle, each shown the next
// one's image). The probe reports, per family, the mean cross-entropy in nats of the answer's
// first token (the option letter, or the first token of a free answer) under both images and
// their gap (other − own: about 0 for a model that ignores the image); the greedy first token's
// accuracy per family × difficulty (for multiple choice, the answer itself); and on multiple
// choice, how often each letter is the greedy first token against how often it is the gold one.
// A model trained to answer in another style (data::AnswerStyle: the option's text, or a sentence
// such as "The red object is a square.") is probed on the reply it was trained to give: the
// cross-entropy of the whole reply, summed over its tokens (those the question repeats cost about
// the same with either image, so the gap is the looked-up words'), and the share of replies whose
// every token is the greedy prediction under teacher forcing.
// Not thread-safe (one model, run in the calling thread).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "data/system_formats.h"
#include "io/json.h"

namespace insightv::eval {

struct ProbeConfig {
  std::string model;              // checkpoint folder with tokenizer.json
  std::string tasks;              // VisWorld folder (tasks.jsonl) or .jsonl
  int64_t limit = 0;              // > 0: the first `limit` tasks
  uint64_t seed = 0;              // the pairing's seed
  std::string template_name = "llava_llama_3";
  int64_t batch = 16;             // tasks per forward (two rows each)
  bool bf16 = false;
  bool progress = true;
  data::AnswerStyle answer_style = data::AnswerStyle::letter;  // the reply the model was trained to give
};

struct ProbeFamily {
  std::string family;
  int64_t n = 0;
  double own_nats = 0, other_nats = 0;  // mean cross-entropy of the first answer token (letter style)
                                        // or of the whole reply (the other styles)
  double gap() const { return other_nats - own_nats; }
  std::map<int, std::pair<int64_t, int64_t>> by_difficulty;  // difficulty → (greedy first token / reply right, n)
};

struct ProbeResult {
  data::AnswerStyle answer_style = data::AnswerStyle::letter;
  std::vector<ProbeFamily> families;              // in the order families appear in the tasks
  ProbeFamily all;                                // pooled
  std::map<std::string, int64_t> letters_predicted, letters_gold;  // multiple choice
  // What the decoder is given, over the first 128 tasks' images: the RMS of the projected image
  // tokens, the RMS of their differences between images at the same position (how much the
  // picture changes them), and the RMS of the text token embeddings, for scale.
  double image_token_rms = 0, image_token_spread = 0, text_token_rms = 0;
  json to_json() const;
  std::string to_markdown() const;
};

ProbeResult run_probe(const ProbeConfig& cfg);

}  // namespace insightv::eval
