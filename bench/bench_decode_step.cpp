// bench/bench_decode_step.cpp — the cost of one batched decode step of the nano model (random
// weights) as the batch grows: what bounds the continuous-batching gain of `insightv serve`
// (issue #8: a 16-row step must cost at most 4x a 1-row step for a 4x tokens/s gain).
// For each batch size B: B prompts of `prompt` tokens are prefilled (with `--ragged`, lengths
// vary so that the rows are left-padded and masked, as when requests join a running batch),
// then Generator::step is timed over `steps` steps. The reference measured in the same run is
// B = 1; the figure is the ratio t(B) / t(1) and the gain B * t(1) / t(B). First, the GEMMs of
// one decoder layer and the LM head: model/small_gemm.h's packed kernel against torch::linear
// (BLAS) at 2..kSmallGemmMaxRows rows, with their largest difference.
// Usage: bench_decode_step [--no-gemm] [threads] [steps] [prompt] [ragged 0|1] [batches...]
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "infer/generator.h"
#include "model/runtime.h"
#include "model/small_gemm.h"
#include "nano_random.h"
#include "util/timer.h"

using namespace insightv;

int main(int argc, char** argv) {
  ensure_passive_openmp(argv);
  bool gemm_figures = true;  // --no-gemm: only the decode steps (for a profiler)
  if (argc > 1 && std::string(argv[1]) == "--no-gemm") {
    gemm_figures = false;
    --argc;
    ++argv;
  }
  const int threads = set_threads(argc > 1 ? std::atoi(argv[1]) : 1);
  const int steps = argc > 2 ? std::atoi(argv[2]) : 256;
  const int prompt = argc > 3 ? std::atoi(argv[3]) : 64;
  const bool ragged = argc > 4 && std::atoi(argv[4]) != 0;
  std::vector<int> batches;
  for (int i = 5; i < argc; ++i) batches.push_back(std::atoi(argv[i]));
  if (batches.empty()) batches = {1, 4, 16, 32};
  if (batches.front() != 1) batches.insert(batches.begin(), 1);  // the reference

  ModelConfig cfg = preset_config("nano");
  torch::manual_seed(0);
  MultimodalLM lm(cfg);
  lm->eval();
  Generator gen(lm);
  const int64_t V = cfg.text.vocab_size;
  std::printf("{\"bench\":\"decode_step\",\"threads\":%d,\"steps\":%d,\"prompt\":%d,\"ragged\":%s}\n", threads, steps,
              prompt, ragged ? "true" : "false");
  if (gemm_figures && small_gemm_available()) {  // the packed-weight kernel against a BLAS GEMM, the decoder's shapes
    c10::InferenceMode guard;
    const TextConfig& t = cfg.text;
    const int64_t shapes[][2] = {{(t.num_attention_heads + 2 * t.num_key_value_heads) * t.head_dim, t.hidden_size},
                                 {t.hidden_size, t.num_attention_heads * t.head_dim},
                                 {2 * t.intermediate_size, t.hidden_size},
                                 {t.hidden_size, t.intermediate_size},
                                 {t.vocab_size, t.hidden_size}};
    for (int64_t M : {int64_t{2}, int64_t{4}, int64_t{8}, int64_t{16}, kSmallGemmMaxRows}) {
      double blas_s = 0, packed_s = 0, max_diff = 0;
      for (const auto& shape : shapes) {
        auto w = torch::randn({shape[0], shape[1]}), x = torch::randn({M, shape[1]});
        const PackedWeight p = pack_weight(w);
        auto time = [](const auto& f) {
          for (int i = 0; i < 20; ++i) f();
          Stopwatch sw;
          int reps = 0;
          while (sw.seconds() < 0.2) {
            f();
            ++reps;
          }
          return sw.seconds() / reps;
        };
        blas_s += time([&] { return torch::linear(x, w); });
        packed_s += time([&] { return small_gemm(x, p); });
        max_diff = std::max(max_diff, (torch::linear(x, w) - small_gemm(x, p)).abs().max().item<double>());
      }
      std::printf("{\"bench\":\"decode_step\",\"figure\":\"small_gemm_vs_blas\",\"rows\":%ld,\"blas_us\":%.1f,"
                  "\"packed_us\":%.1f,\"speedup\":%.2f,\"max_abs_diff\":%.2e}\n",
                  static_cast<long>(M), blas_s * 1e6, packed_s * 1e6, blas_s / packed_s, max_diff);
      std::fflush(stdout);
    }
  }
  double t1 = 0;
  for (int B : batches) {
    std::vector<Prompt> prompts;
    for (int b = 0; b < B; ++b) {
      const int n = ragged ? prompt / 2 + (b * 7919) % (prompt / 2 + 1) : prompt;
      std::vector<int64_t> ids(static_cast<size_t>(n));
      for (int i = 0; i < n; ++i) ids[i] = (i * 37 + b * 11) % V;
      prompts.push_back(Prompt{ids, {}});
    }
    double best = 1e30;
    for (int rep = 0; rep < 3; ++rep) {
      DecodeState s = gen.prefill(prompts);
      std::vector<int64_t> tokens(static_cast<size_t>(B));
      Stopwatch sw;
      for (int i = 0; i < steps; ++i) {
        for (int b = 0; b < B; ++b) tokens[b] = (i * 131 + b * 17) % V;
        gen.step(s, tokens);
      }
      best = std::min(best, sw.seconds() * 1000.0 / steps);
    }
    if (B == 1) t1 = best;
    std::printf("{\"bench\":\"decode_step\",\"batch\":%d,\"ms_per_step\":%.3f,\"vs_batch_1\":%.2f,"
                "\"gain_over_one_at_a_time\":%.2f}\n", B, best, best / t1, B * t1 / best);
    std::fflush(stdout);
  }
  return 0;
}
