// tools/doctor.cpp — `insightv doctor`: versions, BLAS, threads, measured GEMM rate, CUDA.
#include <cstdio>

#include "io/json.h"
#include "model/runtime.h"
#include "tools/verbs.h"

namespace insightv::cli {

namespace {
struct DoctorOptions {
  bool as_json = false;
  bool strict = false;
  double seconds = 0.3;
};

int run_doctor(const DoctorOptions& opt) {
  const BlasInfo blas = blas_info();
  const GemmRate square = measure_gemm(1024, 1024, 1024, opt.seconds);
  const GemmRate skinny = measure_gemm(4096, 256, 256, opt.seconds);
  const bool slow_blas = square.gflops < kReferenceBlasGflops || blas.name == "reference BLAS";

  json report = {
      {"insightv", INSIGHTV_VERSION},
      {"libtorch", torch_version()},
      {"blas", {{"name", blas.name}, {"detail", blas.detail}, {"libraries", blas.libraries}}},
      {"threads", current_threads()},
      {"cores", available_cores()},
      {"gemm_fp32",
       json::array({{{"shape", "1024x1024x1024"}, {"gflops", square.gflops}},
                    {{"shape", "4096x256 * 256x256"}, {"gflops", skinny.gflops}}})},
      {"cuda", {{"available", cuda_available()}, {"devices", cuda_device_count()}}},
      {"ok", !slow_blas},
  };
  if (opt.as_json) {
    std::printf("%s\n", report.dump(2).c_str());
  } else {
    std::printf("insightv   %s\n", INSIGHTV_VERSION);
    std::printf("libtorch   %s\n", torch_version().c_str());
    std::printf("blas       %s%s%s\n", blas.name.c_str(), blas.detail.empty() ? "" : " — ",
                blas.detail.c_str());
    std::printf("threads    %d (cores available: %d)\n", current_threads(), available_cores());
    std::printf("gemm fp32  1024x1024x1024: %.1f GFLOP/s\n", square.gflops);
    std::printf("gemm fp32  4096x256 * 256x256: %.1f GFLOP/s\n", skinny.gflops);
    std::printf("cuda       %s (%d devices)\n", cuda_available() ? "available" : "not available",
                cuda_device_count());
  }
  if (slow_blas) {
    std::fprintf(stderr,
                 "\n*** WARNING ******************************************************\n"
                 "*** fp32 GEMM runs at %.1f GFLOP/s with %s: this is reference BLAS\n"
                 "*** speed, about 50x slower than OpenBLAS. Install it:\n"
                 "***     apt-get install libopenblas0-pthread\n"
                 "*** (scripts/setup.sh does this and selects it as libblas.so.3)\n"
                 "******************************************************************\n",
                 square.gflops, blas.name.c_str());
    if (opt.strict) return 1;
  }
  return 0;
}
}  // namespace

VerbFn add_doctor(CLI::App& app, const GlobalOptions&) {
  auto opt = std::make_shared<DoctorOptions>();
  CLI::App* cmd = app.add_subcommand(
      "doctor", "Report LibTorch, BLAS, threads, measured fp32 GEMM GFLOP/s and CUDA");
  cmd->add_flag("--json", opt->as_json, "print the report as JSON");
  cmd->add_flag("--strict", opt->strict, "exit 1 when the BLAS looks like reference BLAS");
  cmd->add_option("--seconds", opt->seconds, "time spent measuring each GEMM shape")
      ->check(CLI::Range(0.01, 60.0));
  return [opt] { return run_doctor(*opt); };
}

}  // namespace insightv::cli
