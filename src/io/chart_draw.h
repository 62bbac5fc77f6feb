// io/chart_draw.h — the drawing pieces behind io/chart.h: a cairo painter with DejaVu Sans
// text (fit with "…", rotation), the title + legend header, the y axis, range padding, and
// the atomic PNG write. Shared by the chart kinds in io/chart.cpp; not a public canvas (the
// VisWorld one is world/canvas.h, a layer up).
// A Painter owns its cairo surface; not thread-safe per object.
#pragma once

#include <cairo.h>

#include <string>
#include <vector>

#include "io/chart.h"

namespace insightv::chart::draw {

inline constexpr Rgb kBackground{255, 255, 255}, kText{34, 34, 34}, kGrid{228, 228, 228}, kAxis{110, 110, 110};
inline constexpr double kPad = 12;  // outer margin, pixels
inline constexpr double kTitlePx = 16, kLabelPx = 13, kTickPx = 11, kLegendPx = 12, kValuePx = 10;
inline constexpr double kLegendRow = 20;  // height of one legend row

enum class H { left, center, right };
enum class V { top, middle, bottom };

// Blends towards white, keeping `keep` of the colour.
Rgb tint(Rgb c, double keep);

// A white cairo RGB surface with text helpers (hinting off: the same bytes run to run).
class Painter {
 public:
  Painter(int w, int h);  // throws Error outside 200..8192 × 150..8192
  ~Painter();
  Painter(const Painter&) = delete;
  Painter& operator=(const Painter&) = delete;

  void set(Rgb c);  // the source colour
  double text_width(const std::string& s, double px, bool bold = false);
  // `s` cut at a UTF-8 boundary and ended with "…" so that it is at most max_w wide.
  std::string fit(const std::string& s, double px, bool bold, double max_w);
  // Text anchored at (x, y); `angle` (radians, cairo's clockwise sense) turns it about the anchor.
  void text(const std::string& s, double x, double y, double px, Rgb c, H h, V v, bool bold = false,
            double angle = 0);
  void line(double x0, double y0, double x1, double y1, double width, Rgb c);
  void fill_rect(double x, double y, double w, double h, Rgb c);
  Image to_image();

  cairo_t* cr = nullptr;  // for paths and clips the helpers above do not cover

 private:
  void font(double px, bool bold);
  int w_, h_;
  cairo_surface_t* surface_ = nullptr;
  cairo_font_face_t* regular_ = nullptr;
  cairo_font_face_t* bold_ = nullptr;
};

struct LegendEntry {
  std::string name;
  Rgb color;
};

// Title and legend (rows that wrap across the width; swatch_box: squares for bars, else line
// stubs); returns the y where the plot may start.
double header(Painter& p, const std::string& title, const std::vector<LegendEntry>& entries, double width,
              bool swatch_box);

// The plot rectangle in pixels.
struct Box {
  double left, top, right, bottom;
  double w() const { return right - left; }
  double h() const { return bottom - top; }
};

// Maps data to pixels: data lo → pixel p0, data hi → pixel p1.
struct Scale {
  double lo, hi, p0, p1;
  double operator()(double v) const { return p0 + (v - lo) / (hi - lo) * (p1 - p0); }
};

double widest_tick(Painter& p, const Ticks& t);
// Horizontal grid lines and tick labels left of the box; the y label turned upright beside them.
void draw_y_axis(Painter& p, const Box& box, const Ticks& t, const Scale& ys, const std::string& label);
// The smallest range to draw: a constant or single value gets ±10% (or ±1 around zero).
void pad_range(double& lo, double& hi);
// PNG bytes through util/fs.h AtomicFile (temp + fsync + rename); makes the folder.
void write_png_atomic(const std::string& path, const Image& img);

}  // namespace insightv::chart::draw
