// tests/support/test_images.h — image bytes for size-limit tests (torch-free: the fuzz build's
// ASan unit suite links it too).
#pragma once

#include <cstdint>
#include <string>

namespace insightv::test {

// A 1x1 PNG whose header declares width x height: its size is read, nothing decodes it.
std::string png_declaring(uint32_t width, uint32_t height);

}  // namespace insightv::test
