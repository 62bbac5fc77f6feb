// eval/benchmark.h — benchmark items for the evaluation harness, read from the three formats
// the project writes: a VisWorld folder (or its tasks.jsonl), a VLMEvalKit-style TSV, and
// LLaVA conversation JSON with answers.
//
//   std::vector<EvalItem> items = load_benchmark("vw/test");          // or .tsv / .json
//   std::vector<EvalItem> first = load_benchmark("bench.tsv", 100);     // the first 100
//   Image img = items[0].image.load();                                  // decoded on demand
//
// Images stay compressed (a path, or the PNG bytes of a TSV cell) until a system needs them,
// so a benchmark of thousands of items costs little memory.
// What it is not: prompts or scoring (eval/systems.h, data/answer_match.h).
// Torch-free; pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/answer_match.h"
#include "io/image.h"

namespace insightv::eval {

// An item's image: a file path, or the encoded bytes (PNG/JPEG) of a TSV cell.
struct EvalImage {
  std::string path;   // absolute or relative to the working folder; empty when bytes are set
  std::string bytes;  // encoded image; empty when path is set
  bool empty() const { return path.empty() && bytes.empty(); }
  Image load() const;  // Error when neither is set or the data does not decode
};

struct EvalItem {
  std::string id;
  EvalImage image;
  std::string question, hint;
  std::vector<std::string> options;  // shown in the prompt as "A. text" (choice items)
  data::GoldAnswer gold;
  std::string category = "all";      // VisWorld family, the TSV's category column
  int difficulty = 0;                // 0 = unknown
};

// Which reader a path needs: "visworld" (a folder, or a .jsonl of tasks), "tsv" (.tsv),
// "llava" (.json, or a .jsonl of conversations). Error for anything else.
std::string benchmark_format(const std::string& path);

// Reads the benchmark; limit > 0 keeps the first `limit` items. Item ids must be unique.
std::vector<EvalItem> load_benchmark(const std::string& path, int64_t limit = 0);

// The readers behind load_benchmark.
std::vector<EvalItem> load_visworld(const std::string& dir_or_jsonl);
std::vector<EvalItem> load_tsv(const std::string& path);
std::vector<EvalItem> load_llava(const std::string& path);

}  // namespace insightv::eval
