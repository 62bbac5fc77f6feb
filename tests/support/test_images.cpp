// tests/support/test_images.cpp — see test_images.h.
#include "support/test_images.h"

#include "io/image.h"

namespace insightv::test {

std::string png_declaring(uint32_t width, uint32_t height) {
  std::string png = encode_png(Image(1, 1));
  for (int i = 0; i < 4; ++i) {  // IHDR: width at byte 16, height at 20, big-endian
    png[16 + i] = static_cast<char>(width >> (24 - 8 * i));
    png[20 + i] = static_cast<char>(height >> (24 - 8 * i));
  }
  return png;
}

}  // namespace insightv::test
