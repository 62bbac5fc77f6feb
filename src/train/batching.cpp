// train/batching.cpp — seeded, length-grouped, resumable batch order and label collation.
#include <torch/torch.h>

#include "train/batching.h"

#include <algorithm>

#include "util/error.h"
#include "util/rng.h"

namespace insightv {

BatchOrder::BatchOrder(std::vector<int64_t> lengths, int64_t batch_size, uint64_t seed, int64_t group_factor)
    : lengths_(std::move(lengths)), batch_size_(batch_size), group_factor_(group_factor), seed_(seed) {
  check(!lengths_.empty(), "train", "no training examples");
  check(batch_size_ >= 1, "train", "batch size must be >= 1");
  build_epoch();
}

void BatchOrder::build_epoch() {
  Rng rng(mix_seed(seed_, static_cast<uint64_t>(epoch_)));
  std::vector<int64_t> idx(lengths_.size());
  for (size_t i = 0; i < idx.size(); ++i) idx[i] = static_cast<int64_t>(i);
  rng.shuffle(idx);
  const size_t mega = static_cast<size_t>(batch_size_ * group_factor_);
  for (size_t start = 0; start < idx.size(); start += mega) {
    const size_t end = std::min(idx.size(), start + mega);
    std::stable_sort(idx.begin() + start, idx.begin() + end,
                     [&](int64_t a, int64_t b) { return lengths_[a] > lengths_[b]; });
  }
  batches_.clear();
  for (size_t start = 0; start < idx.size(); start += static_cast<size_t>(batch_size_))
    batches_.emplace_back(idx.begin() + start, idx.begin() + std::min(idx.size(), start + static_cast<size_t>(batch_size_)));
  rng.shuffle(batches_);
}

std::vector<int64_t> BatchOrder::next() {
  if (position_ >= static_cast<int64_t>(batches_.size())) {
    ++epoch_;
    position_ = 0;
    build_epoch();
  }
  return batches_[static_cast<size_t>(position_++)];
}

void BatchOrder::seek(int64_t epoch, int64_t position) {
  epoch_ = epoch;
  build_epoch();
  position_ = position;
}

torch::Tensor collate_labels(const std::vector<const TrainExample*>& rows, int64_t T) {
  auto out = torch::full({static_cast<int64_t>(rows.size()), T}, -100, torch::kInt64);
  auto acc = out.accessor<int64_t, 2>();
  for (size_t b = 0; b < rows.size(); ++b)
    for (size_t t = 0; t < rows[b]->labels.size() && static_cast<int64_t>(t) < T; ++t)
      acc[static_cast<int64_t>(b)][static_cast<int64_t>(t)] = rows[b]->labels[t];
  return out;
}

}  // namespace insightv
