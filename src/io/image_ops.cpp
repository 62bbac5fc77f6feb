// io/image_ops.cpp — Pillow-compatible bicubic resampling, crop and paste.
#include "io/image_ops.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "util/error.h"

namespace insightv {

namespace {

constexpr int kPrecisionBits = 32 - 8 - 2;

double cubic(double x) {
  const double a = -0.5;
  x = std::fabs(x);
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
  if (x < 2.0) return (((x - 5.0) * x + 8.0) * x - 4.0) * a;
  return 0.0;
}

// For each output pixel: the first input pixel, the count, and fixed-point weights.
struct Coeffs {
  int ksize = 0;
  std::vector<int> first, count;
  std::vector<int32_t> k;  // out × ksize
};

Coeffs precompute(int in_size, int out_size) {
  const double scale = static_cast<double>(in_size) / out_size;
  const double filterscale = std::max(scale, 1.0);
  const double support = 2.0 * filterscale;
  Coeffs c;
  c.ksize = static_cast<int>(std::ceil(support)) * 2 + 1;
  c.first.resize(out_size);
  c.count.resize(out_size);
  c.k.assign(static_cast<size_t>(out_size) * c.ksize, 0);
  std::vector<double> w(static_cast<size_t>(c.ksize));
  for (int xx = 0; xx < out_size; ++xx) {
    const double center = (xx + 0.5) * scale;
    int xmin = static_cast<int>(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    int xmax = static_cast<int>(center + support + 0.5);
    if (xmax > in_size) xmax = in_size;
    xmax -= xmin;
    double ww = 0;
    for (int x = 0; x < xmax; ++x) {
      w[x] = cubic((x + xmin - center + 0.5) / filterscale);
      ww += w[x];
    }
    for (int x = 0; x < xmax; ++x) {
      const double v = ww != 0.0 ? w[x] / ww : w[x];
      c.k[static_cast<size_t>(xx) * c.ksize + x] =
          static_cast<int32_t>(v < 0 ? -0.5 + v * (1 << kPrecisionBits) : 0.5 + v * (1 << kPrecisionBits));
    }
    c.first[xx] = xmin;
    c.count[xx] = xmax;
  }
  return c;
}

inline uint8_t clip8(int64_t v) {
  v >>= kPrecisionBits;
  return static_cast<uint8_t>(v < 0 ? 0 : (v > 255 ? 255 : v));
}

Image horizontal(const Image& in, int out_w) {
  const Coeffs c = precompute(in.width, out_w);
  Image out(out_w, in.height);
  for (int y = 0; y < in.height; ++y)
    for (int xx = 0; xx < out_w; ++xx) {
      const int32_t* k = &c.k[static_cast<size_t>(xx) * c.ksize];
      int64_t s[3] = {1 << (kPrecisionBits - 1), 1 << (kPrecisionBits - 1), 1 << (kPrecisionBits - 1)};
      for (int x = 0; x < c.count[xx]; ++x) {
        const uint8_t* p = in.at(c.first[xx] + x, y);
        for (int ch = 0; ch < 3; ++ch) s[ch] += static_cast<int64_t>(p[ch]) * k[x];
      }
      uint8_t* o = out.at(xx, y);
      for (int ch = 0; ch < 3; ++ch) o[ch] = clip8(s[ch]);
    }
  return out;
}

Image vertical(const Image& in, int out_h) {
  const Coeffs c = precompute(in.height, out_h);
  Image out(in.width, out_h);
  for (int yy = 0; yy < out_h; ++yy) {
    const int32_t* k = &c.k[static_cast<size_t>(yy) * c.ksize];
    for (int x = 0; x < in.width; ++x) {
      int64_t s[3] = {1 << (kPrecisionBits - 1), 1 << (kPrecisionBits - 1), 1 << (kPrecisionBits - 1)};
      for (int y = 0; y < c.count[yy]; ++y) {
        const uint8_t* p = in.at(x, c.first[yy] + y);
        for (int ch = 0; ch < 3; ++ch) s[ch] += static_cast<int64_t>(p[ch]) * k[y];
      }
      uint8_t* o = out.at(x, yy);
      for (int ch = 0; ch < 3; ++ch) o[ch] = clip8(s[ch]);
    }
  }
  return out;
}

}  // namespace

Image resize_bicubic(const Image& img, int width, int height) {
  check(!img.empty(), "image", "cannot resize an empty image");
  check(width > 0 && height > 0, "image", "resize target " + std::to_string(width) + "x" + std::to_string(height) + " is empty");
  if (width == img.width && height == img.height) return img;
  Image tmp = width != img.width ? horizontal(img, width) : img;
  return height != img.height ? vertical(tmp, height) : tmp;
}

Image crop(const Image& img, int x, int y, int w, int h) {
  check(x >= 0 && y >= 0 && w > 0 && h > 0 && x + w <= img.width && y + h <= img.height, "image",
        "crop window " + std::to_string(w) + "x" + std::to_string(h) + "+" + std::to_string(x) + "+" + std::to_string(y) +
            " is outside the " + std::to_string(img.width) + "x" + std::to_string(img.height) + " image");
  Image out(w, h);
  for (int r = 0; r < h; ++r) std::memcpy(out.at(0, r), img.at(x, y + r), static_cast<size_t>(w) * 3);
  return out;
}

Image paste_on_canvas(const Image& img, int width, int height, int x, int y, const uint8_t fill[3]) {
  Image out(width, height);
  for (int i = 0; i < width * height; ++i) std::memcpy(&out.rgb[static_cast<size_t>(i) * 3], fill, 3);
  for (int r = 0; r < img.height; ++r) {
    const int yy = y + r;
    if (yy < 0 || yy >= height) continue;
    for (int c = 0; c < img.width; ++c) {
      const int xx = x + c;
      if (xx < 0 || xx >= width) continue;
      std::memcpy(out.at(xx, yy), img.at(c, r), 3);
    }
  }
  return out;
}

}  // namespace insightv
