// model/runtime.h — the compute runtime: thread count, BLAS, measured GEMM rate, devices.
//
// `insightv doctor` prints these; every verb calls set_threads() once at start-up.
// The header is torch-free so that tools and tests can include it cheaply.
//
//   set_threads(0);                               // 0 = one per core
//   GemmRate r = measure_gemm(1024, 1024, 1024);  // r.gflops
//   BlasInfo b = blas_info();                     // b.name == "OpenBLAS" when all is well
#pragma once

#include <string>
#include <vector>

namespace insightv {

// Re-executes the program with OMP_WAIT_POLICY=PASSIVE unless the variable is already set.
// libgomp reads it when it loads, before main(), so it cannot be changed in-process. Measured
// on the 2-core machine: with the default (spinning) policy LibTorch's OpenMP threads steal the
// cores from OpenBLAS's own threads, and prefill ran at 4,106 tokens/s instead of 14,994, SFT at
// 1,374 tokens/s instead of 3,019. Call first thing in main(); returns only if no re-exec
// happened (already set, or exec failed).
void ensure_passive_openmp(char** argv);

// Makes glibc malloc keep freed blocks up to 32 MiB in the heap (fixed mmap threshold) and never
// trim the heap top, so that the large, short-lived tensors of a training step are reused
// instead of being mapped, page-faulted and unmapped again on every op. Measured on the 2-core
// machine, SFT of the nano model on summary-set examples (micro-batch 4, ~450 tokens): 2,242
// tokens/s against 1,393 without; half the time had gone to page faults. Call early in main();
// ensure_passive_openmp calls it.
void tune_allocator();

// Cores this process may run on (sched_getaffinity), at least 1.
int available_cores();
// Sets LibTorch's intra-op threads (and OpenBLAS's, when loaded); n <= 0 means available_cores().
// Returns the count set.
int set_threads(int n);
int current_threads();

struct BlasInfo {
  std::string name;        // "OpenBLAS", "reference BLAS", "MKL", "unknown"
  std::string detail;      // e.g. OpenBLAS's config string, or the library path
  std::vector<std::string> libraries;  // BLAS-like shared objects mapped into this process
};
BlasInfo blas_info();

struct GemmRate {
  int m = 0, n = 0, k = 0;
  double seconds_per_call = 0;  // median over the timed repetitions
  double gflops = 0;            // 2·m·n·k / seconds / 1e9
};
// Times C[m,n] = A[m,k] · B[k,n] in fp32 on the CPU: warm-up, then repeats for ~min_seconds.
GemmRate measure_gemm(int m, int n, int k, double min_seconds = 0.3);

// Below this 1024² fp32 rate (GFLOP/s) the BLAS is almost certainly the reference one.
constexpr double kReferenceBlasGflops = 20.0;

// True when the CPU has native bf16 dot products (AVX512-BF16 or AMX-BF16): bf16 matmuls then
// run several times faster than fp32 ones through oneDNN.
bool cpu_has_bf16();

// While alive (and enabled), CPU matmuls/linears run in bf16 under LibTorch's autocast, with
// fp32 master weights and fp32 reductions (softmax, norms, losses stay fp32). RAII; not
// nestable across threads (autocast state is thread-local).
class CpuBf16Autocast {
 public:
  explicit CpuBf16Autocast(bool enabled);
  ~CpuBf16Autocast();
  CpuBf16Autocast(const CpuBf16Autocast&) = delete;
  CpuBf16Autocast& operator=(const CpuBf16Autocast&) = delete;

 private:
  bool enabled_, previous_ = false;
};

std::string torch_version();
bool cuda_available();
int cuda_device_count();
// Names of the CUDA devices (empty without CUDA).
std::vector<std::string> cuda_device_names();

}  // namespace insightv
