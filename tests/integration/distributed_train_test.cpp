// Integration test of data-parallel `insightv train sft`: two processes of the real CLI meet on
// loopback through torchrun's variables and must end with the weights of one process trained
// on the same global batches (uneven slices, so the ranks' token counts differ).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "io/json.h"
#include "model/checkpoint.h"
#include "support/sft_data.h"
#include "support/subprocess.h"
#include "util/fs.h"

using insightv::test::run_cli;

namespace {

int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0)
    throw std::runtime_error("no free port");
  close(fd);
  return ntohs(a.sin_port);
}

// VisWorld tasks → LLaVA JSON → tokenizer → nano checkpoint, once per process.
const insightv::test::SftData& fixture() {
  static const insightv::test::SftData d = insightv::test::make_sft_data("ddp", 16, 5, 2);
  return d;
}

// Global batch 5 (slices of 3 and 2 rows), 2 micro-batches a step, a checkpoint at step 2.
std::vector<std::string> sft_args(const std::string& out) {
  return {"--threads", "1", "train", "sft", "--data", fixture().data, "--init", fixture().init, "--out", out,
          "--steps", "3", "--batch", "5", "--grad-accum", "2", "--lr", "1e-3", "--save-every", "2",
          "--max-length", "512", "--seed", "7", "--dist-timeout", "120"};
}

}  // namespace

TEST(IntegrationDataParallel, TwoRanksMatchOneProcessOnTheSameGlobalBatch) {
  const std::string two = fixture().root + "/two", one = fixture().root + "/one";
  const int port = free_port();
  std::vector<int> pids;
  for (int rank = 0; rank < 2; ++rank) {
    std::vector<std::string> argv{"/usr/bin/env", "MASTER_ADDR=127.0.0.1", "MASTER_PORT=" + std::to_string(port),
                                  "RANK=" + std::to_string(rank), "WORLD_SIZE=2", INSIGHTV_CLI_PATH};
    for (const auto& a : sft_args(two)) argv.push_back(a);
    pids.push_back(insightv::test::spawn_process(argv, fixture().root + "/rank" + std::to_string(rank) + ".log"));
  }
  for (int rank = 0; rank < 2; ++rank)
    EXPECT_EQ(insightv::test::wait_process(pids[static_cast<size_t>(rank)]), 0)
        << insightv::read_file(fixture().root + "/rank" + std::to_string(rank) + ".log");
  const auto r = run_cli(sft_args(one));
  ASSERT_EQ(r.exit_code, 0) << r.err;

  // Rank 0 alone wrote the metrics (one line per step) and the checkpoint.
  EXPECT_EQ(insightv::read_jsonl(two + "/metrics.jsonl").size(), 3u);
  ASSERT_TRUE(insightv::file_exists(two + "/model.safetensors"));
  const insightv::TensorSource a(two + "/model.safetensors"), b(one + "/model.safetensors");
  ASSERT_EQ(a.names(), b.names());
  double worst = 0;
  std::string worst_name;
  for (const auto& name : a.names()) {
    const double d = (a.get(name).to(torch::kFloat64) - b.get(name).to(torch::kFloat64)).abs().max().item<double>();
    if (d > worst) worst = d, worst_name = name;
  }
  EXPECT_LE(worst, 1e-5) << "largest difference in " << worst_name;
  char diff[32];
  std::snprintf(diff, sizeof diff, "%.3g", worst);
  RecordProperty("max_abs_diff", diff);
  // The logged losses agree too (each the mean over the global batch's scored tokens).
  const auto m2 = insightv::read_jsonl(two + "/metrics.jsonl"), m1 = insightv::read_jsonl(one + "/metrics.jsonl");
  ASSERT_EQ(m1.size(), m2.size());
  for (size_t i = 0; i < m1.size(); ++i) EXPECT_NEAR(m1[i]["loss"].get<double>(), m2[i]["loss"].get<double>(), 1e-4);
}

TEST(IntegrationDataParallel, MalformedEnvironmentFailsClearly) {
  const auto r = insightv::test::run_process({"/usr/bin/env", "WORLD_SIZE=2", "RANK=x", INSIGHTV_CLI_PATH, "train", "sft",
                                              "--data", fixture().data, "--init", fixture().init, "--out",
                                              fixture().root + "/bad", "--steps", "1"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("RANK='x'"), std::string::npos) << r.err;
}
