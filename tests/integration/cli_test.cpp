// Integration tests of the `insightv` binary: exit codes, usage on bad input, doctor.
#include <gtest/gtest.h>

#include "io/json.h"
#include "support/subprocess.h"
#include "util/fs.h"

using insightv::test::run_cli;

TEST(IntegrationCli, HelpListsVerbsAndExitsZero) {
  const auto r = run_cli({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("doctor"), std::string::npos) << r.out;
}

TEST(IntegrationCli, UnknownVerbPrintsUsageAndExits2) {
  const auto r = run_cli({"frobnicate"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("insightv: error:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("doctor"), std::string::npos) << "usage should list the verbs: " << r.err;
}

TEST(IntegrationCli, NoVerbExits2) {
  const auto r = run_cli({});
  EXPECT_EQ(r.exit_code, 2);
}

TEST(IntegrationCli, DoctorRejectsBadFlagsClearly) {
  auto r = run_cli({"doctor", "--no-such-flag"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--no-such-flag"), std::string::npos) << r.err;
  r = run_cli({"doctor", "--seconds", "banana"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("insightv: error:"), std::string::npos) << r.err;
  r = run_cli({"--threads", "-3", "doctor"});
  EXPECT_EQ(r.exit_code, 2);
}

TEST(IntegrationCli, DoctorReportsOpenBlasAndAGemmRate) {
  const auto r = run_cli({"--threads", "1", "doctor", "--json", "--seconds", "0.05"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto report = insightv::parse_json(r.out, "doctor output");
  EXPECT_EQ(report["threads"], 1);
  EXPECT_EQ(report["blas"]["name"], "OpenBLAS") << "run scripts/setup.sh: " << r.err;
  ASSERT_EQ(report["gemm_fp32"].size(), 2u);
  for (const auto& g : report["gemm_fp32"]) EXPECT_GT(g["gflops"].get<double>(), 0.0);
  EXPECT_FALSE(report["libtorch"].get<std::string>().empty());
}

TEST(IntegrationCli, DoctorWarnsLoudlyOnReferenceBlas) {
  // Debian's reference BLAS sits in its own folder; loading it first reproduces a machine
  // without OpenBLAS.
  const std::string ref = "/usr/lib/x86_64-linux-gnu/blas";
  if (!insightv::file_exists(ref + "/libblas.so.3")) GTEST_SKIP() << "no reference BLAS at " << ref;
  const auto r = insightv::test::run_process(
      {"/usr/bin/env", "LD_LIBRARY_PATH=" + ref, INSIGHTV_CLI_PATH, "--threads", "1", "doctor",
       "--strict", "--seconds", "0.05"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("reference BLAS"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("WARNING"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("libopenblas0-pthread"), std::string::npos) << r.err;
}
