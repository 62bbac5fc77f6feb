// model/runtime.cpp — threads, BLAS detection, GEMM timing, CUDA availability.
#include <torch/torch.h>
#include <torch/version.h>
#include <ATen/autocast_mode.h>

#include "model/runtime.h"

#include <malloc.h>

#include <dlfcn.h>
#include <sched.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <algorithm>
#include <fstream>
#include <set>

#include "util/timer.h"

namespace insightv {

void tune_allocator() {
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  mallopt(M_TOP_PAD, 64 << 20);
}

void ensure_passive_openmp(char** argv) {
  tune_allocator();
  if (std::getenv("OMP_WAIT_POLICY") != nullptr) return;
  setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
  execv("/proc/self/exe", argv);  // returns only on failure: carry on with the default policy
}

int available_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
  return 1;
}

namespace {
// OpenBLAS exports these; we look them up at run time because LibTorch links the generic
// libblas.so.3, and which implementation answers depends on the system's alternatives.
using openblas_set_fn = void (*)(int);
using openblas_config_fn = char* (*)();
}  // namespace

int set_threads(int n) {
  if (n <= 0) n = available_cores();
  torch::set_num_threads(n);
  if (auto fn = reinterpret_cast<openblas_set_fn>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads")))
    fn(n);
  return n;
}

int current_threads() { return torch::get_num_threads(); }

BlasInfo blas_info() {
  BlasInfo info;
  std::set<std::string> libs;
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    const size_t slash = line.find('/');
    if (slash == std::string::npos) continue;
    const std::string path = line.substr(slash);
    const std::string base = path.substr(path.rfind('/') + 1);
    if (base.find("blas") != std::string::npos || base.find("mkl") != std::string::npos ||
        base.find("lapack") != std::string::npos)
      libs.insert(path);
  }
  info.libraries.assign(libs.begin(), libs.end());
  // The BLAS in use is whichever library answers for sgemm_ (OpenBLAS can be mapped for
  // LAPACK while the reference libblas still serves the GEMM).
  Dl_info where{};
  void* sgemm = dlsym(RTLD_DEFAULT, "sgemm_");
  std::string provider;
  if (sgemm != nullptr && dladdr(sgemm, &where) != 0 && where.dli_fname != nullptr) {
    // libblas.so.3 is usually a symlink chosen by update-alternatives: resolve it.
    char resolved[PATH_MAX];
    provider = realpath(where.dli_fname, resolved) != nullptr ? resolved : where.dli_fname;
  }
  if (provider.find("openblas") != std::string::npos) {
    info.name = "OpenBLAS";
    auto fn = reinterpret_cast<openblas_config_fn>(dlsym(RTLD_DEFAULT, "openblas_get_config"));
    info.detail = fn != nullptr ? std::string(fn()) + " (" + provider + ")" : provider;
  } else if (provider.find("mkl") != std::string::npos) {
    info.name = "MKL";
    info.detail = provider;
  } else if (provider.find("blas") != std::string::npos) {
    // Debian's reference BLAS lives at .../blas/libblas.so.3; ATLAS and BLIS name themselves.
    info.name = provider.find("atlas") != std::string::npos  ? "ATLAS"
                : provider.find("blis") != std::string::npos ? "BLIS"
                                                             : "reference BLAS";
    info.detail = provider;
  } else if (!provider.empty()) {
    info.name = "unknown";
    info.detail = provider;
  } else {
    // Official LibTorch builds link MKL statically and export no sgemm_.
    info.name = at::get_parallel_info().find("MKL") != std::string::npos ? "MKL (static)" : "unknown";
  }
  return info;
}

GemmRate measure_gemm(int m, int n, int k, double min_seconds) {
  torch::NoGradGuard no_grad;
  torch::manual_seed(0);
  const auto a = torch::randn({m, k});
  const auto b = torch::randn({k, n});
  auto c = torch::empty({m, n});
  for (int i = 0; i < 2; ++i) torch::mm_out(c, a, b);  // warm-up: thread pool, caches
  std::vector<double> times;
  Stopwatch total;
  while (total.seconds() < min_seconds || times.size() < 3) {
    Stopwatch sw;
    torch::mm_out(c, a, b);
    times.push_back(sw.seconds());
    if (times.size() >= 1000) break;
  }
  std::sort(times.begin(), times.end());
  GemmRate r;
  r.m = m;
  r.n = n;
  r.k = k;
  r.seconds_per_call = times[times.size() / 2];
  r.gflops = 2.0 * m * n * k / r.seconds_per_call / 1e9;
  return r;
}

bool cpu_has_bf16() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line))
    if (line.rfind("flags", 0) == 0)
      return line.find(" avx512_bf16") != std::string::npos || line.find(" amx_bf16") != std::string::npos;
  return false;
}

CpuBf16Autocast::CpuBf16Autocast(bool enabled) : enabled_(enabled) {
  if (!enabled_) return;
  previous_ = at::autocast::is_cpu_enabled();
  at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
  at::autocast::set_cpu_enabled(true);
  at::autocast::increment_nesting();
}

CpuBf16Autocast::~CpuBf16Autocast() {
  if (!enabled_) return;
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  at::autocast::set_cpu_enabled(previous_);
}

std::string torch_version() { return TORCH_VERSION; }
bool cuda_available() { return torch::cuda::is_available(); }
int cuda_device_count() { return static_cast<int>(torch::cuda::device_count()); }

std::vector<std::string> cuda_device_names() {
  std::vector<std::string> names;
  // Device names need the CUDA runtime API, which the CPU build lacks; report indices.
  for (int i = 0; i < cuda_device_count(); ++i) names.push_back("cuda:" + std::to_string(i));
  return names;
}

}  // namespace insightv
