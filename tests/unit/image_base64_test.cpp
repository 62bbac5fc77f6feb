// io/image and io/base64: PNG round trips, corrupt data errors, base64 vectors and strictness.
#include <gtest/gtest.h>

#include "io/base64.h"
#include "io/image.h"
#include "util/error.h"
#include "util/rng.h"

using insightv::Error;
using insightv::Image;

namespace {
Image noise_image(int w, int h, uint64_t seed) {
  insightv::Rng rng(seed);
  Image img(w, h);
  for (auto& v : img.rgb) v = static_cast<uint8_t>(rng.uniform_int(0, 255));
  return img;
}
}  // namespace

TEST(Image, PngRoundTripKeepsEveryPixel) {
  for (int level : {0, 6, 9}) {
    const Image img = noise_image(37, 23, 5);
    const Image back = insightv::decode_image(insightv::encode_png(img, {level}), "test");
    EXPECT_EQ(back.width, 37);
    EXPECT_EQ(back.height, 23);
    EXPECT_EQ(back.rgb, img.rgb) << "level " << level;
  }
}

TEST(Image, PngEncodingIsDeterministic) {
  const Image img = noise_image(64, 64, 9);
  EXPECT_EQ(insightv::encode_png(img), insightv::encode_png(img));
}

TEST(Image, CorruptBytesGiveAClearError) {
  std::string png = insightv::encode_png(noise_image(16, 16, 1));
  try {
    insightv::decode_image("not an image at all", "bogus.png");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.where(), "image");
    EXPECT_NE(std::string(e.what()).find("bogus.png"), std::string::npos) << e.what();
  }
  EXPECT_THROW(insightv::decode_image(png.substr(0, png.size() / 3), "cut.png"), Error);
  EXPECT_THROW(insightv::decode_image("", "empty.png"), Error);
}

TEST(Image, ReadImageNamesAMissingFile) {
  EXPECT_THROW(insightv::read_image("/nonexistent/x.png"), Error);
}

TEST(Base64, MatchesRfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},         {"f", "Zg=="},        {"fo", "Zm8="},        {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
  for (const auto& [raw, enc] : vectors) {
    EXPECT_EQ(insightv::base64_encode(raw), enc);
    EXPECT_EQ(insightv::base64_decode(enc), raw);
  }
}

TEST(Base64, RoundTripsArbitraryBytesOfEveryLength) {
  insightv::Rng rng(3);
  for (int n = 0; n < 200; ++n) {
    std::string raw(static_cast<size_t>(n), '\0');
    for (auto& c : raw) c = static_cast<char>(rng.uniform_int(0, 255));
    EXPECT_EQ(insightv::base64_decode(insightv::base64_encode(raw)), raw) << n;
  }
}

TEST(Base64, StrictDecodeRejectsMalformedText) {
  EXPECT_THROW(insightv::base64_decode("Zm9", "cell"), Error);        // length
  EXPECT_THROW(insightv::base64_decode("Zm9v!A==", "cell"), Error);   // alphabet
  EXPECT_THROW(insightv::base64_decode("Zg==Zm9v", "cell"), Error);   // padding mid-way
  EXPECT_THROW(insightv::base64_decode("Z===", "cell"), Error);       // too much padding
  EXPECT_THROW(insightv::base64_decode("Zm9v\nYmFy", "cell"), Error); // whitespace
  try {
    insightv::base64_decode("Zm9v!A==", "row 7");
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("row 7"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("offset 4"), std::string::npos) << e.what();
  }
}
