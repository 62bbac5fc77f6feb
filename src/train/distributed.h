// train/distributed.h — data-parallel training across processes with PyTorch's own c10d.
//
// What it is: the rendezvous (c10d::TCPStore, rank 0 serves it), one process group
// (ProcessGroupGloo on CPU; ProcessGroupNCCL only in a CUDA build of LibTorch), and the three
// collectives the trainers need: broadcast rank 0's parameters once, all-reduce gradients in
// flat buckets (sum, then divide by the world size), and all-reduce a few doubles for logging.
// What it isn't: a DistributedDataParallel clone — no autograd hooks, no overlap of
// communication with backward; the trainers call allreduce_gradients() after the last
// micro-batch's backward. The c10d headers stay inside distributed.cpp (pimpl).
//
// The environment is torchrun's: MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE (LOCAL_RANK
// optional). WORLD_SIZE unset or 1 means one process and no c10d at all.
//
//   DistEnv env = dist_env_from_environment();
//   if (env.world_size > 1) {
//     auto dp = std::make_shared<DataParallel>(env);   // blocks until every rank arrived
//     dp->broadcast_parameters(params);                 // rank 0's weights everywhere
//     ... backward on this rank's slice ...
//     dp->allreduce_gradients(params);                  // mean over ranks
//   }
// Not thread-safe: one caller drives it, and every rank must issue the same collectives in
// the same order (a rank that skips one leaves the others waiting until the timeout).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace insightv {

struct DistEnv {
  int rank = 0, world_size = 1;
  int local_rank = 0;        // LOCAL_RANK (device index in a CUDA build); defaults to rank
  std::string master_addr;   // MASTER_ADDR (required when world_size > 1)
  int master_port = 0;       // MASTER_PORT (required when world_size > 1)
  bool distributed() const { return world_size > 1; }
};

// Reads the torchrun variables through `getenv_fn` (null for unset); throws an Error naming
// the variable and its value when one is malformed or inconsistent (RANK >= WORLD_SIZE…).
DistEnv parse_dist_env(const std::function<const char*(const char*)>& getenv_fn);
// parse_dist_env over the process environment.
DistEnv dist_env_from_environment();

struct DataParallelOptions {
  int64_t bucket_bytes = 25 * 1024 * 1024;  // gradient bucket size (≈25 MB, as torch DDP)
  int64_t timeout_ms = 600000;              // rendezvous and per-collective timeout
};

class DataParallel {
 public:
  // Rendezvous: rank 0 starts the TCPStore on MASTER_PORT, every rank connects, then the
  // process group forms. Throws an Error naming MASTER_ADDR:MASTER_PORT when the peers do not
  // all arrive within options.timeout_ms.
  explicit DataParallel(const DistEnv& env, DataParallelOptions options = {});
  ~DataParallel();
  DataParallel(const DataParallel&) = delete;
  DataParallel& operator=(const DataParallel&) = delete;

  int rank() const { return env_.rank; }
  int world_size() const { return env_.world_size; }
  bool is_main() const { return env_.rank == 0; }

  // Overwrites every tensor with rank 0's values (in buckets).
  void broadcast_parameters(const std::vector<torch::Tensor>& params);
  // For every parameter that requires grad: its gradient becomes the mean over ranks. A rank
  // that has no gradient for a parameter contributes zeros; a parameter without a gradient on
  // every rank keeps none (so the optimizer skips it exactly as a single process would).
  void allreduce_gradients(const std::vector<torch::Tensor>& params);
  // Element-wise sum over ranks, in place (float64).
  void allreduce_sum(std::vector<double>& values);
  // Sum over ranks of one value.
  double allreduce_scalar(double value);
  // Returns once every rank has called it.
  void barrier();

 private:
  struct Impl;
  DistEnv env_;
  DataParallelOptions options_;
  std::unique_ptr<Impl> impl_;
};

// ---- pieces, exposed for tests ----------------------------------------------------------------

// Groups tensors (in order) into buckets of at most `bucket_bytes` each (a larger tensor gets a
// bucket of its own); a bucket holds one dtype. Returns indices into `tensors`.
std::vector<std::vector<size_t>> plan_buckets(const std::vector<torch::Tensor>& tensors, int64_t bucket_bytes);
// The tensors' values end to end, as one contiguous 1-D tensor of their (common) dtype.
torch::Tensor flatten_bucket(const std::vector<torch::Tensor>& tensors);
// Copies consecutive slices of `flat` back into the tensors (inverse of flatten_bucket).
void unflatten_bucket(const torch::Tensor& flat, const std::vector<torch::Tensor>& tensors);
// This rank's contiguous slice of a global batch: sizes differ by at most one, earlier ranks
// take the extra rows, and the slices in rank order concatenate to `global`. A slice may be
// empty when the batch has fewer rows than there are ranks.
std::vector<int64_t> shard_batch(const std::vector<int64_t>& global, int rank, int world_size);

}  // namespace insightv
