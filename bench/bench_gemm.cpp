// bench/bench_gemm.cpp — fp32 GEMM rate on the shapes the nano model uses, against the
// 1024² square GEMM measured in the same run (the machine's practical peak).
// Prints one JSON object per shape: {"bench":"gemm", "shape":..., "gflops":..., "vs_square":...}.
#include <cstdio>

#include "model/runtime.h"

int main(int argc, char** argv) {
  insightv::ensure_passive_openmp(argv);
  const int threads = insightv::set_threads(argc > 1 ? std::atoi(argv[1]) : 0);
  const auto square = insightv::measure_gemm(1024, 1024, 1024, 0.5);
  struct Shape { int m, n, k; };
  const Shape shapes[] = {{4096, 256, 256}, {4096, 1024, 256}, {4096, 256, 1024}, {64, 256, 256}};
  std::printf("{\"bench\":\"gemm\",\"shape\":\"1024x1024x1024\",\"threads\":%d,\"gflops\":%.2f}\n",
              threads, square.gflops);
  for (const auto& s : shapes) {
    const auto r = insightv::measure_gemm(s.m, s.n, s.k, 0.3);
    std::printf("{\"bench\":\"gemm\",\"shape\":\"%dx%dx%d\",\"threads\":%d,\"gflops\":%.2f,"
                "\"vs_square\":%.3f}\n",
                s.m, s.n, s.k, threads, r.gflops, r.gflops / square.gflops);
  }
  return 0;
}
