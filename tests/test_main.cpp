// tests/test_main.cpp — GoogleTest entry point; quiets library logging unless INSIGHTV_LOG is set.
#include <cstdlib>

#include <gtest/gtest.h>

#include "util/log.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (std::getenv("INSIGHTV_LOG") == nullptr) insightv::set_log_level(insightv::LogLevel::error);
  return RUN_ALL_TESTS();
}
