// io/image.cpp — Image, PNG encoding (stb_image_write) and decoding (stb_image).
// stb is compiled here with static linkage so no other translation unit clashes with it.
#include "io/image.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <cstdio>

#include <unistd.h>

#include "util/error.h"
#include "util/fs.h"
#include "util/hash.h"

#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
// Only the formats we document: every other decoder is attack surface nobody uses.
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STBI_ONLY_BMP
#define STBI_ONLY_GIF
#define STBI_NO_HDR
#define STBI_NO_LINEAR
#define STBI_FAILURE_USERMSG
#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wsign-compare"
#include <stb_image.h>
#include <stb_image_write.h>
#pragma GCC diagnostic pop

namespace insightv {

Image::Image(int w, int h, uint8_t fill) : width(w), height(h) {
  check(w >= 0 && h >= 0, "image", "negative size " + std::to_string(w) + "x" + std::to_string(h));
  rgb.assign(static_cast<size_t>(w) * h * 3, fill);
}

namespace {
void append_to_string(void* ctx, void* data, int size) {
  static_cast<std::string*>(ctx)->append(static_cast<const char*>(data), static_cast<size_t>(size));
}
}  // namespace

uint64_t image_pixel_hash(const Image& img) {
  const std::string dims = std::to_string(img.width) + "x" + std::to_string(img.height);
  return fnv1a64(std::string_view(reinterpret_cast<const char*>(img.rgb.data()), img.rgb.size()), fnv1a64(dims));
}

std::string encode_png(const Image& img, PngOptions opts) {
  check(!img.empty(), "image", "cannot encode an empty image as PNG");
  check(img.rgb.size() == static_cast<size_t>(img.width) * img.height * 3, "image",
        "pixel buffer holds " + std::to_string(img.rgb.size()) + " bytes, expected " +
            std::to_string(static_cast<size_t>(img.width) * img.height * 3));
  check(opts.compression >= 0 && opts.compression <= 9, "image",
        "PNG compression " + std::to_string(opts.compression) + " outside 0..9");
  std::string out;
  out.reserve(img.rgb.size() / 4 + 1024);
  // stb's compression level is a global; the value is the same for every caller in practice.
  stbi_write_png_compression_level = opts.compression;
  const int ok = stbi_write_png_to_func(append_to_string, &out, img.width, img.height, 3,
                                        img.rgb.data(), img.width * 3);
  check(ok != 0, "image", "PNG encoding failed for a " + std::to_string(img.width) + "x" +
                              std::to_string(img.height) + " image");
  return out;
}

void write_png(const std::string& path, const Image& img, PngOptions opts) {
  const std::string bytes = encode_png(img, opts);
  const std::string tmp = path + ".tmp-" + std::to_string(getpid());
  FILE* f = std::fopen(tmp.c_str(), "wb");
  check(f != nullptr, "image", "cannot write " + tmp, "is the folder writable?");
  const size_t n = std::fwrite(bytes.data(), 1, bytes.size(), f);
  const bool closed = std::fclose(f) == 0;
  if (n != bytes.size() || !closed) {
    std::remove(tmp.c_str());
    throw Error("image", "short write to " + tmp, "disk full?");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw Error("image", "cannot rename " + tmp + " to " + path);
  }
}

namespace {
void check_decodable_length(std::string_view bytes, const std::string& source) {
  check(!bytes.empty(), "image", source + ": no bytes to decode", "empty file?");
  check(bytes.size() <= static_cast<size_t>(INT32_MAX), "image",
        source + ": " + std::to_string(bytes.size()) + " bytes, more than stb can decode (2 GiB)");
}

[[noreturn]] void stb_failed(const std::string& source) {
  const char* why = stbi_failure_reason();
  throw Error("image", source + ": cannot decode (" + std::string(why ? why : "unknown") + ")",
              "not a PNG/JPEG file, or truncated?");
}
}  // namespace

// stb_image 2.27 (Debian 12's libstb-dev) builds a JPEG Huffman table without checking that
// its 16 code-length counts sum to at most 256, and writes past the table when they do — a
// heap overflow reachable from one request (found by fuzz/image). Later stb versions reject
// such a table; here every DHT segment stb could read is checked before stb sees the bytes.
// Before the first scan the walk follows the segments as stb does (skipping stray bytes,
// stopping where stb would fail); from the first SOS on, every FF C4 up to the first FF D9 is
// checked, since stb may meet a marker anywhere in the entropy-coded data (where a literal FF
// is always stuffed as FF 00, so the over-approximation costs no valid file).
static bool jpeg_huffman_tables_fit(std::string_view bytes) {
  const auto* b = reinterpret_cast<const uint8_t*>(bytes.data());
  const size_t n = bytes.size();
  auto at = [&](size_t i) -> unsigned { return i < n ? b[i] : 0u; };  // stb reads 0 past the end
  // A DHT segment whose length field starts at i, read the way stb reads it.
  auto dht_fits = [&](size_t i) {
    long left = static_cast<long>(at(i) << 8 | at(i + 1)) - 2;
    i += 2;
    while (left > 0 && i < n) {
      const unsigned q = at(i);
      if ((q >> 4) > 1 || (q & 15) > 3) return true;  // stb stops: "bad DHT header"
      unsigned symbols = 0;
      for (size_t k = 1; k <= 16; ++k) symbols += at(i + k);
      if (symbols > 256) return false;
      i += 17 + symbols;
      left -= 17 + static_cast<long>(symbols);
    }
    return true;
  };
  // The SOI marker, read as stb reads every marker: FF, any number of FF fill bytes, then D8 (a
  // file of 120 FF bytes before FF D8 is a JPEG to stb; found by fuzz/image after the first fix).
  if (n < 2 || b[0] != 0xFF) return true;  // not a JPEG
  size_t i = 1;
  while (i < n && b[i] == 0xFF) ++i;
  if (i >= n || b[i] != 0xD8) return true;  // not a JPEG
  ++i;
  while (i + 1 < n) {  // the segments before the first scan
    if (b[i] != 0xFF) {
      ++i;
      continue;
    }
    while (i + 1 < n && b[i + 1] == 0xFF) ++i;
    const unsigned m = at(i + 1);
    if (m == 0xDA) break;
    const bool has_length = m == 0xC4 || m == 0xDB || m == 0xDD || (m >= 0xE0 && m <= 0xEF) || m == 0xFE ||
                            m == 0xC0 || m == 0xC1 || m == 0xC2;
    if (!has_length) return true;  // stb stops here (EOI, or a marker it does not know)
    if (m == 0xC4 && !dht_fits(i + 2)) return false;
    i += 2 + (at(i + 2) << 8 | at(i + 3));
  }
  for (; i + 1 < n; ++i) {  // from the first scan on
    if (b[i] != 0xFF) continue;
    if (b[i + 1] == 0xD9) break;
    if (b[i + 1] == 0xC4 && !dht_fits(i + 2)) return false;
  }
  return true;
}

// An uncompressed BMP must hold every row it declares: stb pads a short file with zeros, so a
// 251-byte file declaring 8 x 5,963,784 pixels "decodes" to 143 MB (found by fuzz/image). stb
// reads BI_RGB and BITFIELDS only (it refuses RLE), so the pixel bytes are exactly
// rows x row stride after the data offset. Returns the bytes missing (0 when complete or not a BMP).
static int64_t bmp_missing_bytes(std::string_view bytes) {
  const auto* b = reinterpret_cast<const uint8_t*>(bytes.data());
  const size_t n = bytes.size();
  if (n < 30 || b[0] != 'B' || b[1] != 'M') return 0;  // stb refuses shorter headers itself
  auto u16 = [&](size_t i) -> int64_t { return b[i] | b[i + 1] << 8; };
  auto u32 = [&](size_t i) -> int64_t { return static_cast<int64_t>(static_cast<uint32_t>(u16(i) | u16(i + 2) << 16)); };
  const int64_t offset = u32(10), header = u32(14);
  int64_t width = 0, height = 0, bpp = 0, compression = 0;
  if (header == 12) {  // OS/2 core header: 16-bit sizes
    width = u16(18);
    height = u16(20);
    bpp = u16(24);
  } else {
    width = static_cast<int32_t>(u32(18));
    height = static_cast<int32_t>(u32(22));
    bpp = u16(28);
    if (n >= 34) compression = u32(30);
  }
  if (compression != 0 && compression != 3) return 0;  // not what stb decodes: it refuses the file
  if (width <= 0 || bpp <= 0 || bpp > 32) return 0;
  const int64_t rows = height < 0 ? -height : height;
  const int64_t stride = (width * bpp + 31) / 32 * 4;
  const int64_t need = offset + stride * rows;  // both factors < 2^31: no overflow
  return need > static_cast<int64_t>(n) ? need - static_cast<int64_t>(n) : 0;
}

// A PNG whose first IDAT chunk is empty makes stb_image 2.27 memcpy 0 bytes into its still-null
// data buffer (undefined behaviour; UBSan: "null pointer passed as argument 1", found by
// fuzz/image). Empty IDAT chunks add nothing to the image (the data is the concatenation of all
// IDATs), so they are dropped before stb sees the file. Returns the bytes without them, or an
// empty string when there is none (the common case: nothing is copied).
static std::string without_empty_png_idat(std::string_view bytes) {
  static constexpr unsigned char kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (bytes.size() < 8 || std::memcmp(bytes.data(), kSignature, 8) != 0) return {};
  const auto* b = reinterpret_cast<const uint8_t*>(bytes.data());
  const size_t n = bytes.size();
  std::string out;
  size_t copied = 0;  // bytes [copied, i) are still to be copied into out
  for (size_t i = 8; i + 8 <= n;) {
    const uint64_t length = uint64_t{b[i]} << 24 | uint64_t{b[i + 1]} << 16 | uint64_t{b[i + 2]} << 8 | b[i + 3];
    const size_t end = static_cast<size_t>(std::min<uint64_t>(n, i + 12 + length));  // with its CRC, or what is left
    if (length == 0 && std::memcmp(b + i + 4, "IDAT", 4) == 0) {
      out.append(bytes.substr(copied, i - copied));
      copied = end;
    }
    if (i + 12 + length > n) break;  // a truncated chunk: stb reports it
    i = end;
  }
  if (copied == 0) return {};
  out.append(bytes.substr(std::min(copied, n)));
  return out;
}

ImageSize image_size(std::string_view bytes, const std::string& source) {
  check_decodable_length(bytes, source);
  check(jpeg_huffman_tables_fit(bytes), "image",
        source + ": a JPEG Huffman table declares more than 256 symbols",
        "corrupt or hostile JPEG");
  int w = 0, h = 0, channels = 0;
  if (stbi_info_from_memory(reinterpret_cast<const stbi_uc*>(bytes.data()), static_cast<int>(bytes.size()), &w,
                            &h, &channels) == 0)
    stb_failed(source);
  return {w, h};
}

Image decode_image(std::string_view bytes, const std::string& source, int64_t max_pixels) {
  const ImageSize size = image_size(bytes, source);
  check(static_cast<int64_t>(size.width) * size.height <= max_pixels, "image",
        source + ": " + std::to_string(size.width) + "x" + std::to_string(size.height) + " is more than " +
            std::to_string(max_pixels) + " pixels",
        "downscale the image");
  if (const int64_t missing = bmp_missing_bytes(bytes); missing > 0)
    throw Error("image", source + ": a truncated BMP (" + std::to_string(missing) + " bytes of pixel rows missing)",
                "corrupt file?");
  const std::string stripped = without_empty_png_idat(bytes);
  if (!stripped.empty()) bytes = stripped;
  int w = 0, h = 0, channels = 0;
  unsigned char* px = stbi_load_from_memory(reinterpret_cast<const stbi_uc*>(bytes.data()),
                                            static_cast<int>(bytes.size()), &w, &h, &channels, 3);
  if (px == nullptr) stb_failed(source);
  if (w <= 0 || h <= 0) {  // stb can "decode" an image with no pixels (found by fuzz/image)
    stbi_image_free(px);
    throw Error("image", source + ": decodes to an empty " + std::to_string(w) + "x" + std::to_string(h) + " image",
                "corrupt file?");
  }
  Image img;
  img.width = w;
  img.height = h;
  img.rgb.assign(px, px + static_cast<size_t>(w) * h * 3);
  stbi_image_free(px);
  return img;
}

Image read_image(const std::string& path) { return decode_image(read_file(path), path); }

}  // namespace insightv
