// world/canvas.h — the drawing surface every VisWorld renderer paints on: a cairo image
// surface behind a small API of filled/stroked primitives and text, plus the named palette.
//
//   Canvas c(128, 128, palette("white"));
//   c.fill_circle(40, 40, 10, palette("red"));
//   c.text("12", 64, 20, /*px=*/10, palette("black"));        // centred on (64, 20)
//   Image img = c.to_image();
//
// Colours are named palette entries chosen far apart in RGB (minimum pairwise distance over
// 130) so that tests, and small models at 128 px, can tell them apart. Text uses DejaVu Sans
// (Debian's fonts-dejavu-core) through cairo's toy font API with hinting off, so glyph shapes
// scale with the canvas and output is byte-identical run to run.
// Not thread-safe per object; separate Canvas objects may be used from separate threads.
// Not here: scene layout (the families decide where things go).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "io/image.h"

namespace insightv::world {

struct Rgb {
  uint8_t r = 0, g = 0, b = 0;
};

// The colours objects may have ("red", "green", "blue", "yellow", "purple", "cyan").
const std::vector<std::string>& object_colors();
// Any palette entry: the object colours plus "white", "black", "gray", "light", "dark".
// Throws Error for an unknown name.
Rgb palette(const std::string& name);
// The object colour nearest to `c` and its squared distance (used by tests and checkers).
std::pair<std::string, int> nearest_object_color(Rgb c);

enum class HAlign { left, center, right };
enum class VAlign { top, middle, bottom };

struct TextStyle {
  double px = 10;      // font size in pixels (cairo's em size)
  Rgb color{0, 0, 0};
  bool bold = true;
  HAlign h = HAlign::center;
  VAlign v = VAlign::middle;
};

class Canvas {
 public:
  Canvas(int width, int height, Rgb background);
  ~Canvas();
  Canvas(const Canvas&) = delete;
  Canvas& operator=(const Canvas&) = delete;

  int width() const { return width_; }
  int height() const { return height_; }

  using Points = std::vector<std::pair<double, double>>;
  void fill_rect(double x, double y, double w, double h, Rgb c);
  void stroke_rect(double x, double y, double w, double h, double line, Rgb c);
  void fill_circle(double cx, double cy, double r, Rgb c);
  void stroke_circle(double cx, double cy, double r, double line, Rgb c);
  void fill_polygon(const Points& pts, Rgb c);
  void stroke_polygon(const Points& pts, double line, Rgb c);
  void line(double x0, double y0, double x1, double y1, double width, Rgb c, bool round_cap = false);
  // Draws text anchored at (x, y) by the style's alignment; returns its width in pixels.
  double text(const std::string& s, double x, double y, const TextStyle& style);
  double text_width(const std::string& s, double px, bool bold = true);
  // Draws `img` scaled (bilinear) into the rectangle (x, y, w, h).
  void draw_image(const Image& img, double x, double y, double w, double h);

  Image to_image();

 private:
  struct Impl;
  Impl* impl_;
  int width_, height_;
};

}  // namespace insightv::world
