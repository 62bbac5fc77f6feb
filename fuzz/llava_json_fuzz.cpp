// fuzz/llava_json_fuzz.cpp — libFuzzer target: data/llava_json.h read_llava (a JSON array of
// LLaVA samples, or JSONL). The input is the file, written to a scratch path.
//
// Contract checked: reading throws only insightv::Error (a wrongly typed field is a clear
// error, never a JSON library exception); samples that read serialise with llava_to_json and
// read back to the same samples.
#include <cstdint>

#include "data/llava_json.h"
#include "fuzz_util.h"
#include "util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static insightv::fuzz::ScratchFile in("sft.json");
  static insightv::fuzz::ScratchFile out("again.json");
  in.write(data, size);
  std::vector<insightv::data::LlavaSample> samples;
  try {
    samples = insightv::data::read_llava(in.path());
  } catch (const insightv::Error&) {
    return 0;
  }
  for (const auto& s : samples) IV_FUZZ_CHECK(!s.conversations.empty(), "a sample has turns");
  insightv::data::write_llava(out.path(), samples);
  const auto again = insightv::data::read_llava(out.path());
  IV_FUZZ_CHECK(again.size() == samples.size(), "same sample count after a rewrite");
  for (size_t i = 0; i < samples.size(); ++i) {
    IV_FUZZ_CHECK(insightv::data::llava_to_json(again[i]) == insightv::data::llava_to_json(samples[i]),
                  "same samples after a rewrite");
  }
  return 0;
}
