// io/image.h — an 8-bit RGB image in memory, PNG encoding, PNG/JPEG decoding.
//
//   Image img(128, 128);                       // black, 3 bytes per pixel, row-major
//   img.at(x, y)[0] = 255;                     // red channel of pixel (x, y)
//   std::string png = encode_png(img);         // deterministic bytes for the same pixels
//   write_png("out/a.png", img);
//   Image back = decode_image(png, "a.png");   // PNG, JPEG, BMP, ... (via stb_image)
//   Image again = read_image("out/a.png");
//
// Torch-free. Thread-safe, with one caveat: stb keeps the PNG compression level in a global,
// so concurrent encodes must use the same level. Decoding errors are insightv::Error naming the
// source and stb's reason ("[image] a.png: bad png sig — not a PNG/JPEG file?").
// Not here: resizing and normalisation for vision towers (they belong with the model input).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace insightv {

struct Image {
  int width = 0, height = 0;
  std::vector<uint8_t> rgb;  // (height, width, 3), row-major

  Image() = default;
  Image(int w, int h, uint8_t fill = 0);
  uint8_t* at(int x, int y) { return rgb.data() + (static_cast<size_t>(y) * width + x) * 3; }
  const uint8_t* at(int x, int y) const {
    return rgb.data() + (static_cast<size_t>(y) * width + x) * 3;
  }
  bool empty() const { return width == 0 || height == 0; }
};

struct PngOptions {
  int compression = 6;  // zlib level 0..9 (stb's deflate; higher is smaller and slower)
};

// FNV-1a 64 of the size and the RGB bytes: equal images, equal hashes (used to keep test
// images out of generated training data).
uint64_t image_pixel_hash(const Image& img);

std::string encode_png(const Image& img, PngOptions opts = {});
// Writes the PNG through a temp file and rename (no fsync: images are cheap to regenerate).
void write_png(const std::string& path, const Image& img, PngOptions opts = {});
// Decoding refuses images above this many pixels before allocating: a few hundred bytes of
// PNG or JPEG can declare 16384 × 16384 (768 MB of RGB). 8192 × 8192 by default.
constexpr int64_t kMaxDecodePixels = int64_t{1} << 26;

struct ImageSize {
  int width = 0, height = 0;
};
// The size an encoded image declares (header only, nothing decoded); Error when stb cannot
// read a header.
ImageSize image_size(std::string_view bytes, const std::string& source);
// Decodes PNG/JPEG/BMP/GIF (first frame) bytes to RGB (other formats are not compiled in);
// `source` names the data in errors. JPEG Huffman tables are checked first (stb 2.27 overflows
// on oversized ones).
// Images declaring more than max_pixels pixels are an Error before any pixel is decoded.
Image decode_image(std::string_view bytes, const std::string& source, int64_t max_pixels = kMaxDecodePixels);
Image read_image(const std::string& path);

}  // namespace insightv
