// train/batching.h — examples, seeded length-grouped batch order, and collation.
//
// A TrainExample is one tokenised conversation: ids and labels (−100 on prompt tokens) of the
// same length, plus the image it refers to (empty for text-only). BatchOrder yields batches of
// example indices: each epoch is a seeded shuffle, cut into mega-batches that are sorted by
// length so a batch holds similar lengths (less padding; `group_by_modality_length` in
// spirit), then the batches themselves are shuffled. Its position (epoch, batch) is all that a
// resumed run needs to continue the same sequence. Torch-free except collate().
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

#include "data/sft_data.h"

namespace insightv {

class BatchOrder {
 public:
  BatchOrder(std::vector<int64_t> lengths, int64_t batch_size, uint64_t seed, int64_t group_factor = 8);
  // The next batch of indices; advances (wrapping into the next epoch).
  std::vector<int64_t> next();
  int64_t epoch() const { return epoch_; }
  int64_t position() const { return position_; }
  void seek(int64_t epoch, int64_t position);
  int64_t batches_per_epoch() const { return static_cast<int64_t>(batches_.size()); }

 private:
  void build_epoch();
  std::vector<int64_t> lengths_;
  int64_t batch_size_, group_factor_;
  uint64_t seed_;
  int64_t epoch_ = 0, position_ = 0;
  std::vector<std::vector<int64_t>> batches_;
};

// Right-pads labels to the longest row with −100; returns [B,T] int64.
torch::Tensor collate_labels(const std::vector<const TrainExample*>& rows, int64_t T);

}  // namespace insightv
