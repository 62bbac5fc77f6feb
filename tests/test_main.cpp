// tests/test_main.cpp — GoogleTest entry point; quiets library logging unless INSIGHTV_LOG is set.
#include <cstdlib>

#include <gtest/gtest.h>

#include "model/runtime.h"
#include "util/log.h"

int main(int argc, char** argv) {
  // As the CLI does (model/runtime.h): large tensors reuse freed memory instead of being mapped
  // and page-faulted on every op (Probe.BlindModelHasNoGap…: 55 s, 26 s of it system time,
  // without; 19 s with, on the 2-core machine beside a training run).
  insightv::tune_allocator();
  ::testing::InitGoogleTest(&argc, argv);
  if (std::getenv("INSIGHTV_LOG") == nullptr) insightv::set_log_level(insightv::LogLevel::error);
  return RUN_ALL_TESTS();
}
