// bench/bench_train.cpp — training speed of the nano decoder (256 wide × 6 layers, 8/4 heads,
// 704 FFN, 2k vocab): SFT tokens/s at batch 8 × 256 tokens, DPO pairs/s, and FLOP utilisation
// against the 1024² fp32 GEMM rate measured in the same run (6 FLOPs per parameter per token:
// forward 2 + backward 4; attention excluded). Peak RSS at the end.
// Usage: bench_train [threads] [seconds]. One JSON object per figure.
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "model/runtime.h"
#include "train/dpo.h"
#include "train/sft.h"
#include "util/rng.h"
#include "util/timer.h"

using namespace insightv;

int main(int argc, char** argv) {
  ensure_passive_openmp(argv);
  const int threads = set_threads(argc > 1 ? std::atoi(argv[1]) : 0);
  const double seconds = argc > 2 ? std::atof(argv[2]) : 8.0;
  const GemmRate gemm = measure_gemm(1024, 1024, 1024, 0.5);
  std::printf("{\"bench\":\"train\",\"figure\":\"gemm_1024_gflops\",\"threads\":%d,\"value\":%.1f}\n", threads, gemm.gflops);
  ModelConfig cfg = preset_config("nano");
  cfg.vision.reset();  // the decoder shape of the target; images are cached features anyway
  const int64_t T = 256, B = 8;
  Rng rng(0);
  std::vector<TrainExample> data;
  for (int i = 0; i < 64; ++i) {
    TrainExample e;
    for (int64_t t = 0; t < T; ++t) e.ids.push_back(rng.uniform_int(0, cfg.text.vocab_size - 1));
    e.labels = e.ids;
    for (int64_t t = 0; t < T / 4; ++t) e.labels[t] = -100;
    data.push_back(e);
  }
  const ParamCount pc = count_parameters(cfg);
  const double params_no_embed = static_cast<double>(pc.llm - cfg.text.vocab_size * cfg.text.hidden_size);
  for (bool bf16 : {false, true}) {  // SFT, fp32 then bf16 autocast
    if (bf16 && !cpu_has_bf16()) continue;
    torch::manual_seed(0);
    MultimodalLM lm(cfg);
    TrainConfig tc;
    tc.steps = 1000000;
    tc.batch_size = B;
    tc.progress = false;
    tc.bf16 = bf16;
    SftTrainer t(lm, cfg, data, tc);
    std::vector<const TrainExample*> rows;
    for (int64_t i = 0; i < B; ++i) rows.push_back(&data[static_cast<size_t>(i)]);
    t.train_step(rows);  // warm-up
    Stopwatch sw;
    const std::clock_t c0 = std::clock();
    int steps = 0;
    while (sw.seconds() < seconds) {
      t.train_step(rows);
      ++steps;
    }
    const double wall = sw.seconds(), cpu = static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
    const double tps = steps * B * T / wall;
    std::printf("{\"bench\":\"train\",\"figure\":\"sft_tokens_per_s\",\"batch\":\"8x256\",\"dtype\":\"%s\","
                "\"value\":%.0f,\"per_cpu_s\":%.0f,\"flop_utilisation_vs_fp32_gemm\":%.3f}\n",
                bf16 ? "bf16-autocast" : "fp32", tps, steps * B * T / cpu * threads,
                tps * 6 * params_no_embed / (gemm.gflops * 1e9));
  }
  {  // DPO: 4 pairs = 8 sequences of 256 tokens per step
    torch::manual_seed(0);
    MultimodalLM lm(cfg);
    std::vector<PreferenceExample> pairs;
    for (int i = 0; i + 1 < 64; i += 2) pairs.push_back({std::to_string(i), data[i], data[i + 1]});
    DpoTrainConfig dc;
    dc.train.steps = 3;
    dc.train.batch_size = 4;
    dc.train.progress = false;
    DpoTrainer t(lm, cfg, pairs, dc);
    Stopwatch ref;
    t.prepare_reference();
    const double ref_s = ref.seconds();
    Stopwatch sw;
    const DpoSummary s = t.run();
    std::printf("{\"bench\":\"train\",\"figure\":\"dpo_pairs_per_s\",\"batch_pairs\":4,\"value\":%.1f,"
                "\"reference_pass_s\":%.2f,\"reference_pairs\":%zu}\n",
                s.pairs_per_s, ref_s, pairs.size());
  }
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  std::printf("{\"bench\":\"train\",\"figure\":\"peak_rss_mib\",\"value\":%.1f}\n", ru.ru_maxrss / 1024.0);
  return 0;
}
