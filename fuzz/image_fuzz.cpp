// fuzz/image_fuzz.cpp — libFuzzer target: io/image.h decode_image (stb_image: PNG, JPEG, BMP,
// GIF, ...). The input is the encoded image.
//
// Contract checked: decoding throws only insightv::Error; a decoded image's buffer holds
// width × height × 3 bytes; small images survive encode_png → decode_image unchanged.
#include <cstdint>
#include <string>

#include "fuzz_util.h"
#include "io/image.h"
#include "util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const insightv::Image img = insightv::decode_image(insightv::fuzz::as_text(data, size), "fuzz");
    IV_FUZZ_CHECK(img.width > 0 && img.height > 0, "a decoded image is not empty");
    IV_FUZZ_CHECK(img.rgb.size() == static_cast<size_t>(img.width) * img.height * 3, "rgb size");
    if (static_cast<int64_t>(img.width) * img.height <= 4096) {
      const insightv::Image back = insightv::decode_image(insightv::encode_png(img), "fuzz png");
      IV_FUZZ_CHECK(back.width == img.width && back.height == img.height && back.rgb == img.rgb,
                    "PNG round trip");
    }
  } catch (const insightv::Error&) {
  }
  return 0;
}
