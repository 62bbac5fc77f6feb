// tests/support/sft_data.cpp — see sft_data.h.
#include "support/sft_data.h"

#include <stdexcept>

#include "io/json.h"
#include "support/subprocess.h"
#include "util/fs.h"

namespace insightv::test {

SftData make_sft_data(const std::string& tag, int tasks, uint64_t world_seed, uint64_t init_seed) {
  SftData d;
  d.root = make_temp_dir(tag);
  auto step = [](const std::vector<std::string>& args, const char* what) {
    const ProcessResult r = run_cli(args);
    if (r.exit_code != 0) throw std::runtime_error(std::string(what) + ": " + r.err);
  };
  step({"world", "--family", "all", "--split", "train", "--n", std::to_string(tasks), "--seed",
        std::to_string(world_seed), "--size", "64", "--out", d.root + "/world", "--no-progress"},
       "world");
  d.data = d.root + "/sft.json";
  step({"world", "export", "--format", "llava", "--in", d.root + "/world", "--out", d.data}, "world export");
  std::string corpus;  // the tokenizer's corpus: the conversations' text, one turn per line
  for (const auto& s : read_json_file(d.data))
    for (const auto& t : s["conversations"]) corpus += t["value"].get<std::string>() + "\n";
  write_file_atomic(d.root + "/corpus.txt", corpus);
  step({"tokenize", "train", "--corpus", d.root + "/corpus.txt", "--vocab-size", "400", "--out", d.root + "/tok"},
       "tokenize train");
  d.init = d.root + "/init";
  step({"model", "init", "--preset", "nano", "--tokenizer", d.root + "/tok", "--out", d.init, "--seed",
        std::to_string(init_seed)},
       "model init");
  return d;
}

}  // namespace insightv::test
