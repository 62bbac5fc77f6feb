// tests/support/tensor_compare.h — closeness checks for tensors with useful failure messages.
#pragma once

#include <torch/torch.h>

#include <string>

#include <gtest/gtest.h>

namespace insightv::test {

// |a - e| <= atol + rtol * |e| elementwise; reports the worst element on failure.
inline ::testing::AssertionResult tensors_close(const torch::Tensor& actual, const torch::Tensor& expected,
                                                double atol = 1e-4, double rtol = 1e-4) {
  if (actual.sizes() != expected.sizes())
    return ::testing::AssertionFailure() << "shape " << actual.sizes() << " != expected " << expected.sizes();
  auto a = actual.detach().to(torch::kCPU, torch::kFloat64);
  auto e = expected.detach().to(torch::kCPU, torch::kFloat64);
  auto excess = (a - e).abs() - (atol + rtol * e.abs());
  const double worst = excess.max().item<double>();
  if (worst <= 0) return ::testing::AssertionSuccess();
  const int64_t idx = excess.flatten().argmax().item<int64_t>();
  return ::testing::AssertionFailure() << "max excess " << worst << " at flat index " << idx << ": got "
                                       << a.flatten()[idx].item<double>() << ", expected "
                                       << e.flatten()[idx].item<double>() << " (max abs diff "
                                       << (a - e).abs().max().item<double>() << ")";
}

}  // namespace insightv::test
