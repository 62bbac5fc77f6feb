// Unit tests of train/distributed: environment parsing, batch sharding, gradient buckets, and a
// two-rank process group formed by two threads of this process on loopback.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <thread>

#include <gtest/gtest.h>

#include "train/distributed.h"
#include "util/error.h"

using namespace insightv;

namespace {

// A TCP port that was free a moment ago on 127.0.0.1.
int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0)
    throw std::runtime_error("no free port");
  close(fd);
  return ntohs(a.sin_port);
}

DistEnv parse(const std::map<std::string, std::string>& vars) {
  return parse_dist_env([&](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  });
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// Odd sizes, so buckets split mid-list and no tensor fills one exactly.
std::vector<torch::Tensor> odd_tensors() {
  return {torch::randn({3}), torch::randn({5, 7}), torch::randn({1}), torch::randn({13, 2}), torch::randn({11}),
          torch::randn({2, 3, 5})};
}

}  // namespace

TEST(DistEnv, UnsetOrOneWorldIsASingleProcess) {
  EXPECT_FALSE(parse({}).distributed());
  EXPECT_FALSE(parse({{"WORLD_SIZE", "1"}}).distributed());
  const DistEnv e = parse({{"WORLD_SIZE", "4"}, {"RANK", "3"}, {"MASTER_ADDR", "10.0.0.1"}, {"MASTER_PORT", "29500"}});
  EXPECT_EQ(e.world_size, 4);
  EXPECT_EQ(e.rank, 3);
  EXPECT_EQ(e.local_rank, 3);
  EXPECT_EQ(e.master_addr, "10.0.0.1");
  EXPECT_EQ(e.master_port, 29500);
}

TEST(DistEnv, MalformedValuesNameTheVariable) {
  EXPECT_NE(error_of([] { parse({{"WORLD_SIZE", "two"}}); }).find("WORLD_SIZE='two'"), std::string::npos);
  const std::map<std::string, std::string> ok = {
      {"WORLD_SIZE", "2"}, {"RANK", "0"}, {"MASTER_ADDR", "127.0.0.1"}, {"MASTER_PORT", "29500"}};
  auto with = [&](const std::string& k, const std::string& v) {
    auto m = ok;
    m[k] = v;
    return m;
  };
  EXPECT_NE(error_of([&] { parse(with("RANK", "2")); }).find("RANK='2'"), std::string::npos);
  EXPECT_NE(error_of([&] { parse(with("MASTER_PORT", "70000")); }).find("MASTER_PORT"), std::string::npos);
  EXPECT_NE(error_of([&] { parse(with("LOCAL_RANK", "-1")); }).find("LOCAL_RANK"), std::string::npos);
  auto no_addr = ok;
  no_addr.erase("MASTER_ADDR");
  EXPECT_NE(error_of([&] { parse(no_addr); }).find("MASTER_ADDR"), std::string::npos);
}

TEST(ShardBatch, SlicesConcatenateToTheGlobalBatch) {
  const std::vector<int64_t> global = {9, 4, 7, 1, 0};
  for (int world : {1, 2, 3, 5, 7}) {
    std::vector<int64_t> joined;
    for (int r = 0; r < world; ++r) {
      const auto s = shard_batch(global, r, world);
      EXPECT_LE(s.size(), global.size() / world + 1);
      joined.insert(joined.end(), s.begin(), s.end());
    }
    EXPECT_EQ(joined, global) << "world " << world;
  }
  EXPECT_TRUE(shard_batch(global, 6, 7).empty());
}

TEST(GradientBuckets, FlattenUnflattenRoundTripsAcrossSeveralBuckets) {
  torch::manual_seed(0);
  const auto ts = odd_tensors();
  const int64_t bucket_bytes = 24 * 4;  // 24 floats: the 35- and 30-value tensors get buckets of their own
  const auto buckets = plan_buckets(ts, bucket_bytes);
  EXPECT_GE(buckets.size(), 4u);
  std::vector<size_t> order;
  for (const auto& b : buckets) {
    int64_t bytes = 0;
    for (size_t i : b) bytes += ts[i].numel() * 4;
    EXPECT_TRUE(b.size() == 1 || bytes <= bucket_bytes);
    order.insert(order.end(), b.begin(), b.end());
  }
  std::vector<size_t> expected(ts.size());
  for (size_t i = 0; i < ts.size(); ++i) expected[i] = i;
  EXPECT_EQ(order, expected);
  for (const auto& b : buckets) {
    std::vector<torch::Tensor> src, dst;
    for (size_t i : b) {
      src.push_back(ts[i]);
      dst.push_back(torch::zeros_like(ts[i]));
    }
    const auto flat = flatten_bucket(src);
    EXPECT_EQ(flat.dim(), 1);
    unflatten_bucket(flat, dst);
    for (size_t k = 0; k < src.size(); ++k) EXPECT_TRUE(torch::equal(src[k], dst[k]));
  }
}

TEST(GradientBuckets, ABucketHoldsOneDtype) {
  const std::vector<torch::Tensor> ts = {torch::zeros({2}), torch::zeros({2}, torch::kFloat64), torch::zeros({2})};
  EXPECT_EQ(plan_buckets(ts, 1 << 20).size(), 3u);
}

TEST(DataParallel, APeerThatNeverArrivesTimesOutNamingTheAddress) {
  const int port = free_port();
  DistEnv env;
  env.world_size = 2;
  env.master_addr = "127.0.0.1";
  env.master_port = port;
  DataParallelOptions o;
  o.timeout_ms = 1000;
  const auto t0 = std::chrono::steady_clock::now();
  const std::string err = error_of([&] { DataParallel dp(env, o); });  // rank 0 waits for rank 1
  EXPECT_NE(err.find("127.0.0.1:" + std::to_string(port)), std::string::npos) << err;
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(20));
}

TEST(DataParallel, TwoRanksBroadcastAndAverageGradients) {
  const int port = free_port();
  std::vector<std::vector<torch::Tensor>> params(2);
  std::vector<std::string> errors(2);
  auto rank_main = [&](int rank) {
    try {
      DistEnv env;
      env.rank = rank;
      env.world_size = 2;
      env.master_addr = "127.0.0.1";
      env.master_port = port;
      DataParallelOptions o;
      o.timeout_ms = 30000;
      o.bucket_bytes = 24 * 4;  // several buckets
      DataParallel dp(env, o);
      auto& ps = params[static_cast<size_t>(rank)];
      for (const auto& t : odd_tensors()) ps.push_back((t * 0 + rank + 10).requires_grad_(true));
      dp.broadcast_parameters(ps);
      for (size_t i = 0; i < ps.size(); ++i) {
        if (i == 2) continue;                  // no gradient anywhere: stays undefined
        if (i == 4 && rank == 1) continue;     // a gradient on rank 0 only: rank 1 adds zeros
        ps[i].mutable_grad() = torch::full_like(ps[i], rank + 1.0);
      }
      dp.allreduce_gradients(ps);
      EXPECT_DOUBLE_EQ(dp.allreduce_scalar(rank + 0.5), 2.0);
      dp.barrier();
    } catch (const std::exception& e) {
      errors[static_cast<size_t>(rank)] = e.what();
    }
  };
  std::thread t1(rank_main, 1);
  rank_main(0);
  t1.join();
  ASSERT_EQ(errors[0], "");
  ASSERT_EQ(errors[1], "");
  for (int rank = 0; rank < 2; ++rank) {
    const auto& ps = params[static_cast<size_t>(rank)];
    for (size_t i = 0; i < ps.size(); ++i) {
      EXPECT_TRUE(torch::allclose(ps[i].detach(), torch::full_like(ps[i], 10.0))) << "param " << i << " rank " << rank;
      if (i == 2) {
        EXPECT_FALSE(ps[i].grad().defined());
      } else {
        const double want = i == 4 ? 0.5 : 1.5;  // (1 + 0) / 2 and (1 + 2) / 2
        EXPECT_TRUE(torch::allclose(ps[i].grad(), torch::full_like(ps[i], want))) << "param " << i << " rank " << rank;
      }
    }
  }
}
