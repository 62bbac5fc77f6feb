// io/bpe_trainer.h — trains a byte-level BPE vocabulary from a text corpus (the nano model's
// tokenizer) and describes it as a TokenizerSpec that write_tokenizer_files() saves as a hub
// tokenizer.json + tokenizer_config.json, readable by Tokenizer::load.
//
//   BpeTrainerOptions opt;  opt.vocab_size = 4096;
//   TokenizerSpec spec = train_bpe(read_file("visworld.txt"), opt);
//   write_tokenizer_files("out/tokenizer", spec);
//
// Algorithm: the corpus (plain text; newlines are text) is cut at special tokens, split with
// the same pre-tokenizer regex the tokenizer uses (LLaMA-3's by default), and the distinct
// pieces counted. Starting from the 256 byte symbols (ids 0..255 in the GPT-2 alphabet order),
// the most frequent adjacent pair is merged repeatedly; pair counts are updated incrementally,
// only in the words that contain the merged pair, with a lazy max-heap — seconds for a
// 2k–8k vocabulary over a few MB. Deterministic: ties go to the pair with the smaller
// (left id, right id). Stops at vocab_size or when no pair occurs min_frequency times.
//
// Special tokens: appended after the merges as special added tokens. The defaults make both
// chat templates work with a trained tokenizer: LLaMA-3's <|begin_of_text|>, <|end_of_text|>,
// <|start_header_id|>, <|end_header_id|>, <|eot_id|>; ChatML's <|im_start|>, <|im_end|>; and
// Insight-V's <image>, <thoughts>, </thoughts>, <output>, </output>. bos_token is
// <|begin_of_text|> and eos_token <|end_of_text|> when present. Pure function; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "io/tokenizer_file.h"

namespace insightv {

std::vector<std::string> default_special_tokens();

struct BpeTrainerOptions {
  int vocab_size = 4096;   // total: 256 bytes + merges + special tokens
  int min_frequency = 2;   // a pair must occur this often (weighted by piece counts) to merge
  std::string pattern;     // pre-tokenizer regex; empty = kLlama3Pattern
  std::vector<std::string> special_tokens = default_special_tokens();
};

struct BpeTrainStats {
  size_t corpus_bytes = 0, distinct_pieces = 0, merges = 0;
  double seconds = 0;
};

TokenizerSpec train_bpe(std::string_view corpus, const BpeTrainerOptions& opt,
                        BpeTrainStats* stats = nullptr);

}  // namespace insightv
