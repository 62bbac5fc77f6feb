// tests/support/sft_data.h — a small SFT setup made through the real CLI, for training tests:
// VisWorld tasks → LLaVA JSON → a trained BPE tokenizer → a random nano checkpoint.
#pragma once

#include <cstdint>
#include <string>

namespace insightv::test {

struct SftData {
  std::string root;  // a fresh temp folder holding everything below
  std::string data;  // root/sft.json (LLaVA conversations)
  std::string init;  // root/init (the nano checkpoint, with the tokenizer)
};

// `tasks` VisWorld tasks of every family (64 px) with `world_seed`; the model with `init_seed`.
SftData make_sft_data(const std::string& tag, int tasks, uint64_t world_seed, uint64_t init_seed);

}  // namespace insightv::test
