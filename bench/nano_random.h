// bench/nano_random.h — the serving benches' model: a BPE tokenizer trained on a varied synthetic
// corpus (so that it fills the nano vocabulary of 2,048: with a small one a random model ends its
// answers on a stop token after a few dozen tokens) and a nano model with random weights.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>

#include "io/bpe_trainer.h"
#include "io/tokenizer.h"
#include "model/config.h"
#include "model/llava.h"

namespace insightv::bench {

inline Tokenizer nano_bench_tokenizer(uint64_t seed, int words) {
  std::string corpus;
  uint64_t x = seed;
  for (int i = 0; i < words; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    const int len = 2 + static_cast<int>((x >> 33) % 7);
    for (int k = 0; k < len; ++k) corpus += static_cast<char>('a' + ((x >> (8 + 3 * k)) % 26));
    corpus += (i % 12 == 11) ? "\n" : " ";
  }
  BpeTrainerOptions bo;
  bo.vocab_size = 2048;
  return Tokenizer(train_bpe(corpus, bo));
}

// The nano preset over `tok`'s vocabulary, random weights (seed 0), in eval mode.
inline MultimodalLM nano_random_model(const Tokenizer& tok) {
  ModelConfig cfg = preset_config("nano");
  cfg.text.vocab_size = tok.vocab_size();
  torch::manual_seed(0);
  MultimodalLM lm(cfg);
  lm->eval();
  return lm;
}

}  // namespace insightv::bench
