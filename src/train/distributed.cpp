// train/distributed.cpp — TCPStore rendezvous, a Gloo (or NCCL) process group, bucketed
// gradient all-reduce. The only file that includes the c10d headers (USE_C10D_GLOO is set
// for it in CMakeLists.txt: ProcessGroupGloo.hpp is empty without it).
#include <torch/torch.h>

#include "train/distributed.h"

#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef USE_C10D_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <cerrno>
#include <chrono>
#include <cstdlib>

#include "util/error.h"
#include "util/log.h"

namespace insightv {

namespace {

int parse_int_var(const char* name, const char* value, int lo, int hi) {
  const std::string s = value;
  char* end = nullptr;
  errno = 0;
  const long v = std::strtol(s.c_str(), &end, 10);
  check(!s.empty() && end && *end == '\0' && errno == 0 && v >= lo && v <= hi, "dist",
        std::string(name) + "='" + s + "' is not an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]",
        "set it as torchrun does, e.g. RANK=0 WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=29500");
  return static_cast<int>(v);
}

std::string message_of(const std::exception& e) {
  if (const auto* c = dynamic_cast<const c10::Error*>(&e)) return c->what_without_backtrace();
  return e.what();
}

}  // namespace

DistEnv parse_dist_env(const std::function<const char*(const char*)>& getenv_fn) {
  DistEnv env;
  const char* ws = getenv_fn("WORLD_SIZE");
  if (ws == nullptr || std::string(ws).empty()) return env;
  env.world_size = parse_int_var("WORLD_SIZE", ws, 1, 1 << 20);
  if (env.world_size == 1) return env;
  const char* rank = getenv_fn("RANK");
  check(rank != nullptr, "dist", "WORLD_SIZE=" + std::to_string(env.world_size) + " but RANK is not set",
        "give every process its RANK in [0, WORLD_SIZE)");
  env.rank = parse_int_var("RANK", rank, 0, env.world_size - 1);
  const char* local = getenv_fn("LOCAL_RANK");
  env.local_rank = local ? parse_int_var("LOCAL_RANK", local, 0, env.world_size - 1) : env.rank;
  const char* addr = getenv_fn("MASTER_ADDR");
  check(addr != nullptr && *addr != '\0', "dist", "WORLD_SIZE > 1 but MASTER_ADDR is not set",
        "set MASTER_ADDR to rank 0's host, e.g. 127.0.0.1 on one machine");
  env.master_addr = addr;
  const char* port = getenv_fn("MASTER_PORT");
  check(port != nullptr, "dist", "WORLD_SIZE > 1 but MASTER_PORT is not set", "set MASTER_PORT, e.g. 29500");
  env.master_port = parse_int_var("MASTER_PORT", port, 1, 65535);
  return env;
}

DistEnv dist_env_from_environment() {
  return parse_dist_env([](const char* name) { return std::getenv(name); });
}

// ---- bucketing ------------------------------------------------------------------------------

std::vector<std::vector<size_t>> plan_buckets(const std::vector<torch::Tensor>& tensors, int64_t bucket_bytes) {
  std::vector<std::vector<size_t>> buckets;
  int64_t bytes = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const int64_t b = tensors[i].numel() * static_cast<int64_t>(tensors[i].element_size());
    const bool fits = !buckets.empty() && bytes + b <= bucket_bytes &&
                      tensors[buckets.back().front()].scalar_type() == tensors[i].scalar_type();
    if (!fits) {
      buckets.emplace_back();
      bytes = 0;
    }
    buckets.back().push_back(i);
    bytes += b;
  }
  return buckets;
}

torch::Tensor flatten_bucket(const std::vector<torch::Tensor>& tensors) {
  check(!tensors.empty(), "dist", "cannot flatten an empty bucket");
  std::vector<torch::Tensor> flat;
  flat.reserve(tensors.size());
  for (const auto& t : tensors) flat.push_back(t.reshape({-1}));
  return torch::cat(flat);
}

void unflatten_bucket(const torch::Tensor& flat, const std::vector<torch::Tensor>& tensors) {
  int64_t offset = 0;
  for (const auto& t : tensors) {
    const int64_t n = t.numel();
    t.copy_(flat.narrow(0, offset, n).view(t.sizes()));
    offset += n;
  }
  check(offset == flat.numel(), "dist",
        "bucket holds " + std::to_string(flat.numel()) + " values, its tensors " + std::to_string(offset));
}

std::vector<int64_t> shard_batch(const std::vector<int64_t>& global, int rank, int world_size) {
  check(world_size >= 1 && rank >= 0 && rank < world_size, "dist",
        "rank " + std::to_string(rank) + " outside world size " + std::to_string(world_size));
  const int64_t n = static_cast<int64_t>(global.size()), w = world_size, r = rank;
  const int64_t base = n / w, extra = n % w;
  const int64_t begin = r * base + std::min(r, extra);
  const int64_t len = base + (r < extra ? 1 : 0);
  return {global.begin() + begin, global.begin() + begin + len};
}

// ---- the process group ----------------------------------------------------------------------

struct DataParallel::Impl {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroup> group;
};

DataParallel::DataParallel(const DistEnv& env, DataParallelOptions options)
    : env_(env), options_(options), impl_(std::make_unique<Impl>()) {
  check(env_.world_size > 1, "dist", "DataParallel needs WORLD_SIZE > 1",
        "run a single process without it (WORLD_SIZE unset or 1)");
  check(options_.bucket_bytes > 0, "dist", "bucket size must be > 0 bytes");
  const std::string where = env_.master_addr + ":" + std::to_string(env_.master_port);
  const auto timeout = std::chrono::milliseconds(options_.timeout_ms);
  try {
    c10d::TCPStoreOptions so;
    so.port = static_cast<std::uint16_t>(env_.master_port);
    so.isServer = env_.rank == 0;
    so.numWorkers = static_cast<std::size_t>(env_.world_size);
    so.waitWorkers = true;
    so.timeout = timeout;
    impl_->store = c10::make_intrusive<c10d::TCPStore>(env_.master_addr, so);
#ifdef USE_C10D_NCCL
    if (torch::cuda::is_available()) {
      auto o = c10d::ProcessGroupNCCL::Options::create();
      o->timeout = timeout;
      impl_->group = c10::make_intrusive<c10d::ProcessGroupNCCL>(impl_->store, env_.rank, env_.world_size, o);
    }
#endif
    if (!impl_->group) {
      auto o = c10d::ProcessGroupGloo::Options::create(timeout);
      // Loopback rendezvous: keep the transport on loopback too; otherwise GLOO_SOCKET_IFNAME
      // (as torch) or the interface this host name resolves to.
      const bool loopback = env_.master_addr == "localhost" || env_.master_addr.rfind("127.", 0) == 0;
      const char* ifname = std::getenv("GLOO_SOCKET_IFNAME");
      if (loopback)
        o->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
      else if (ifname && *ifname)
        o->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(ifname));
      else
        o->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
      o->threads = 2;
      impl_->group = c10::make_intrusive<c10d::ProcessGroupGloo>(impl_->store, env_.rank, env_.world_size, o);
    }
  } catch (const std::exception& e) {
    throw Error("dist",
                "rank " + std::to_string(env_.rank) + " of " + std::to_string(env_.world_size) +
                    " could not meet its peers at MASTER_ADDR:MASTER_PORT = " + where + " within " +
                    std::to_string(options_.timeout_ms / 1000.0).substr(0, 6) + " s (" + message_of(e) + ")",
                "start every rank with the same MASTER_ADDR, MASTER_PORT and WORLD_SIZE; check that rank 0 "
                "runs, that the port is free on rank 0 and reachable from the others");
  }
  IV_LOG(info) << "dist: rank " << env_.rank << "/" << env_.world_size << " joined " << where << " ("
               << impl_->group->getBackendName() << ")";
}

DataParallel::~DataParallel() = default;

namespace {
void wait_for(const c10::intrusive_ptr<c10d::Work>& work, const char* what) {
  try {
    work->wait();
  } catch (const std::exception& e) {
    throw Error("dist", std::string(what) + " failed: " + message_of(e),
                "a peer probably exited or stalled; see its log");
  }
}
}  // namespace

void DataParallel::broadcast_parameters(const std::vector<torch::Tensor>& params) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> data;
  for (const auto& p : params) data.push_back(p.detach());
  for (const auto& bucket : plan_buckets(data, options_.bucket_bytes)) {
    std::vector<torch::Tensor> ts;
    for (size_t i : bucket) ts.push_back(data[i]);
    std::vector<torch::Tensor> flat{flatten_bucket(ts)};
    c10d::BroadcastOptions o;
    o.rootRank = 0;
    wait_for(impl_->group->broadcast(flat, o), "broadcast of the initial parameters");
    unflatten_bucket(flat[0], ts);
  }
}

void DataParallel::allreduce_gradients(const std::vector<torch::Tensor>& params) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> grads, trainable;
  std::vector<double> defined;
  for (const auto& p : params) {
    if (!p.requires_grad()) continue;
    trainable.push_back(p);
    defined.push_back(p.grad().defined() ? 1.0 : 0.0);
  }
  if (trainable.empty()) return;
  // Which parameters have a gradient anywhere: one small all-reduce, so that every rank sends
  // the same buckets and an unused parameter stays without a gradient.
  allreduce_sum(defined);
  for (size_t i = 0; i < trainable.size(); ++i) {
    auto& p = trainable[i];
    if (defined[i] == 0) continue;
    if (!p.grad().defined()) p.mutable_grad() = torch::zeros_like(p);
    grads.push_back(p.grad());
  }
  const double inv = 1.0 / env_.world_size;
  for (const auto& bucket : plan_buckets(grads, options_.bucket_bytes)) {
    std::vector<torch::Tensor> ts;
    for (size_t i : bucket) ts.push_back(grads[i]);
    std::vector<torch::Tensor> flat{flatten_bucket(ts)};
    wait_for(impl_->group->allreduce(flat), "gradient all-reduce");
    flat[0].mul_(inv);
    unflatten_bucket(flat[0], ts);
  }
}

void DataParallel::allreduce_sum(std::vector<double>& values) {
  if (values.empty()) return;
  std::vector<torch::Tensor> t{torch::tensor(values, torch::kFloat64)};
  wait_for(impl_->group->allreduce(t), "all-reduce");
  auto acc = t[0].accessor<double, 1>();
  for (size_t i = 0; i < values.size(); ++i) values[i] = acc[static_cast<int64_t>(i)];
}

double DataParallel::allreduce_scalar(double value) {
  std::vector<double> v{value};
  allreduce_sum(v);
  return v[0];
}

void DataParallel::barrier() { wait_for(impl_->group->barrier(), "barrier"); }

}  // namespace insightv
