// bench/bench_generate.cpp — nano model inference speed: prefill tokens/s on a 128-token
// prompt, decode tokens/s at batch 1 and 8, image encodes/s, peak RSS. The reference measured
// in the same run is the machine's 1024² fp32 GEMM rate; prefill is also reported as a
// fraction of it (FLOP utilisation).
// Usage: bench_generate [threads]   (default: one per core). One JSON object per figure.
#include <sys/resource.h>

#include <cstdio>
#include <ctime>
#include <cstdlib>

#include "infer/generator.h"
#include "model/runtime.h"
#include "util/timer.h"

using namespace insightv;

int main(int argc, char** argv) {
  ensure_passive_openmp(argv);
  const int threads = set_threads(argc > 1 ? std::atoi(argv[1]) : 0);
  const GemmRate gemm = measure_gemm(1024, 1024, 1024, 0.5);
  ModelConfig cfg = preset_config("nano");
  torch::manual_seed(0);
  MultimodalLM lm(cfg);
  lm->eval();
  Generator gen(lm);
  const TextConfig& t = cfg.text;
  // FLOPs per token of the decoder's matmuls (2 per MAC), attention excluded.
  const double flops_per_token =
      2.0 * (t.num_hidden_layers * (t.hidden_size * (t.num_attention_heads + 2 * t.num_key_value_heads) * t.head_dim +
                                    t.num_attention_heads * t.head_dim * t.hidden_size + 3 * t.hidden_size * t.intermediate_size) +
             t.hidden_size * t.vocab_size);
  std::printf("{\"bench\":\"generate\",\"figure\":\"gemm_1024_gflops\",\"threads\":%d,\"value\":%.1f}\n", threads, gemm.gflops);

  std::vector<int64_t> prompt(128);
  for (int i = 0; i < 128; ++i) prompt[i] = (i * 37) % t.vocab_size;
  {  // prefill
    for (int w = 0; w < 3; ++w) gen.prefill({Prompt{prompt, {}}});
    Stopwatch sw;
    int reps = 0;
    while (sw.seconds() < 2.0) {
      gen.prefill({Prompt{prompt, {}}});
      ++reps;
    }
    const double tps = reps * 128 / sw.seconds();
    std::printf("{\"bench\":\"generate\",\"figure\":\"prefill_tokens_per_s\",\"prompt\":128,\"value\":%.0f,"
                "\"flop_utilisation\":%.3f}\n", tps, tps * flops_per_token / (gemm.gflops * 1e9));
  }
  for (int batch : {1, 8, -8}) {  // decode; -8: batch 8 with bf16 matmuls
    const bool bf16 = batch < 0;
    batch = std::abs(batch);
    if (bf16 && !cpu_has_bf16()) continue;
    gen.set_bf16(bf16);
    GenerationParams p;
    p.max_new_tokens = 128;
    std::vector<Prompt> prompts(batch, Prompt{std::vector<int64_t>(prompt.begin(), prompt.begin() + 16), {}});
    gen.generate(prompts, {p});  // warm-up
    int64_t tokens = 0;
    double decode_s = 0, decode_cpu_s = 0;
    Stopwatch total;
    while (total.seconds() < 3.0) {
      DecodeState s = gen.prefill(prompts);
      Stopwatch sw;
      const std::clock_t c0 = std::clock();
      auto r = gen.decode(s, {p});
      decode_cpu_s += static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
      decode_s += sw.seconds();
      for (const auto& x : r) tokens += static_cast<int64_t>(x.tokens.size());
    }
    // cpu_value: tokens per CPU-second of this process (robust to other load on the machine;
    // equals the wall rate on an idle machine with one thread).
    std::printf("{\"bench\":\"generate\",\"figure\":\"decode_tokens_per_s\",\"batch\":%d,\"dtype\":\"%s\","
                "\"value\":%.0f,\"per_cpu_s\":%.0f}\n", batch, bf16 ? "bf16-matmul" : "fp32", tokens / decode_s,
                tokens / decode_cpu_s);
    gen.set_bf16(false);
  }
  {  // image encodes
    c10::InferenceMode guard;
    auto pixels = torch::randn({8, 3, cfg.vision->image_size, cfg.vision->image_size});
    lm->encode_tiles(pixels);
    Stopwatch sw;
    int images = 0;
    while (sw.seconds() < 2.0) {
      lm->encode_tiles(pixels);
      images += 8;
    }
    std::printf("{\"bench\":\"generate\",\"figure\":\"image_encodes_per_s\",\"batch\":8,\"value\":%.0f}\n",
                images / sw.seconds());
  }
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  std::printf("{\"bench\":\"generate\",\"figure\":\"peak_rss_mib\",\"value\":%.1f}\n", ru.ru_maxrss / 1024.0);
  return 0;
}
