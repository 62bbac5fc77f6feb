// fuzz/vlm_tsv_fuzz.cpp — libFuzzer target: data/vlm_tsv.h read_tsv (VLMEvalKit benchmark
// TSV, base64 images). The input is the file, written to a scratch path (read_tsv takes one).
//
// Contract checked: reading throws only insightv::Error; rows that read write back and read
// again to the same rows (write_tsv ∘ read_tsv is the identity on what read_tsv returns,
// for rows with at most 4 options).
#include <cstdint>

#include "data/vlm_tsv.h"
#include "fuzz_util.h"
#include "util/error.h"

namespace {

bool same(const insightv::data::TsvRow& a, const insightv::data::TsvRow& b) {
  return a.index == b.index && a.image == b.image && a.question == b.question && a.options == b.options &&
         a.answer == b.answer && a.category == b.category && a.hint == b.hint && a.family == b.family &&
         a.id == b.id && (a.difficulty > 0 ? a.difficulty : 0) == b.difficulty;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static insightv::fuzz::ScratchFile in("bench.tsv");
  static insightv::fuzz::ScratchFile out("again.tsv");
  in.write(data, size);
  std::vector<insightv::data::TsvRow> rows;
  try {
    rows = insightv::data::read_tsv(in.path());
  } catch (const insightv::Error&) {
    return 0;
  }
  IV_FUZZ_CHECK(rows.size() <= size, "at most one row per byte");
  insightv::data::write_tsv(out.path(), rows);
  const auto again = insightv::data::read_tsv(out.path());
  IV_FUZZ_CHECK(again.size() == rows.size(), "same row count after a rewrite");
  for (size_t i = 0; i < rows.size(); ++i) IV_FUZZ_CHECK(same(rows[i], again[i]), "same rows after a rewrite");
  return 0;
}
