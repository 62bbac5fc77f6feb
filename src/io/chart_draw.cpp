// io/chart_draw.cpp — the cairo painter, header (title + legend), y axis and file helpers.
#include "io/chart_draw.h"

#include <algorithm>
#include <cmath>

#include "util/error.h"
#include "util/fs.h"

namespace insightv::chart::draw {

namespace {
const char* const kEllipsis = "\xE2\x80\xA6";  // U+2026

// Lays the legend out in rows across the width (wrapping); returns the height it takes and,
// when `draw`, paints it with its top at y.
double legend(Painter& p, const std::vector<LegendEntry>& entries, double width, double y, bool draw,
              bool swatch_box) {
  if (entries.empty()) return 0;
  const double swatch = 18, gap = 6, spacing = 18, avail = width - 2 * kPad;
  double x = kPad, rows = 1;
  for (const auto& e : entries) {
    const std::string name = p.fit(e.name, kLegendPx, false, avail - swatch - gap);
    const double w = swatch + gap + p.text_width(name, kLegendPx);
    if (x > kPad && x + w > width - kPad) {
      x = kPad;
      rows += 1;
    }
    if (draw) {
      const double cy = y + (rows - 1) * kLegendRow + kLegendRow / 2;
      if (swatch_box)
        p.fill_rect(x + 3, cy - 6, 12, 12, e.color);
      else
        p.line(x, cy, x + swatch, cy, 3, e.color);
      p.text(name, x + swatch + gap, cy, kLegendPx, kText, H::left, V::middle);
    }
    x += w + spacing;
  }
  return rows * kLegendRow;
}
}  // namespace

Rgb tint(Rgb c, double keep) {
  auto mix = [&](uint8_t v) { return static_cast<uint8_t>(std::lround(v * keep + 255 * (1 - keep))); };
  return {mix(c.r), mix(c.g), mix(c.b)};
}

Painter::Painter(int w, int h) : w_(w), h_(h) {
  check(w >= 200 && h >= 150 && w <= 8192 && h <= 8192, "chart",
        "image size " + std::to_string(w) + "x" + std::to_string(h) + " out of range",
        "use 200..8192 pixels wide and 150..8192 high");
  surface_ = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
  cr = cairo_create(surface_);
  cairo_font_options_t* fo = cairo_font_options_create();
  cairo_font_options_set_antialias(fo, CAIRO_ANTIALIAS_GRAY);
  cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
  cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
  cairo_set_font_options(cr, fo);
  cairo_font_options_destroy(fo);
  regular_ = cairo_toy_font_face_create("DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  bold_ = cairo_toy_font_face_create("DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
  set(kBackground);
  cairo_paint(cr);
}

Painter::~Painter() {
  cairo_font_face_destroy(regular_);
  cairo_font_face_destroy(bold_);
  cairo_destroy(cr);
  cairo_surface_destroy(surface_);
}

void Painter::set(Rgb c) { cairo_set_source_rgb(cr, c.r / 255.0, c.g / 255.0, c.b / 255.0); }

double Painter::text_width(const std::string& s, double px, bool bold) {
  font(px, bold);
  cairo_text_extents_t ext;
  cairo_text_extents(cr, s.c_str(), &ext);
  return ext.x_advance;
}

std::string Painter::fit(const std::string& s, double px, bool bold, double max_w) {
  if (text_width(s, px, bold) <= max_w) return s;
  std::string cut = s;
  while (!cut.empty()) {
    cut.pop_back();
    while (!cut.empty() && (static_cast<unsigned char>(cut.back()) & 0xC0) == 0x80) cut.pop_back();
    if (!cut.empty() && (static_cast<unsigned char>(cut.back()) & 0xC0) == 0xC0) cut.pop_back();
    if (text_width(cut + kEllipsis, px, bold) <= max_w) return cut + kEllipsis;
  }
  return text_width(kEllipsis, px, bold) <= max_w ? kEllipsis : "";
}

void Painter::text(const std::string& s, double x, double y, double px, Rgb c, H h, V v, bool bold,
                   double angle) {
  if (s.empty()) return;
  const double w = text_width(s, px, bold);
  double bx = h == H::center ? -w / 2 : h == H::right ? -w : 0;
  const double cap = 0.72 * px;  // DejaVu Sans cap height
  double by = v == V::middle ? cap / 2 : v == V::top ? cap : 0;
  cairo_save(cr);
  cairo_translate(cr, x, y);
  cairo_rotate(cr, angle);
  set(c);
  cairo_move_to(cr, bx, by);
  cairo_show_text(cr, s.c_str());
  cairo_new_path(cr);
  cairo_restore(cr);
}

void Painter::line(double x0, double y0, double x1, double y1, double width, Rgb c) {
  set(c);
  cairo_set_line_width(cr, width);
  cairo_new_path(cr);
  cairo_move_to(cr, x0, y0);
  cairo_line_to(cr, x1, y1);
  cairo_stroke(cr);
}

void Painter::fill_rect(double x, double y, double w, double h, Rgb c) {
  set(c);
  cairo_rectangle(cr, x, y, w, h);
  cairo_fill(cr);
}

Image Painter::to_image() {
  cairo_surface_flush(surface_);
  const unsigned char* data = cairo_image_surface_get_data(surface_);
  const int stride = cairo_image_surface_get_stride(surface_);
  Image img(w_, h_);
  for (int y = 0; y < h_; ++y) {
    const auto* row = reinterpret_cast<const uint32_t*>(data + static_cast<size_t>(y) * stride);
    uint8_t* out = img.at(0, y);
    for (int x = 0; x < w_; ++x) {
      out[3 * x] = static_cast<uint8_t>(row[x] >> 16);
      out[3 * x + 1] = static_cast<uint8_t>(row[x] >> 8);
      out[3 * x + 2] = static_cast<uint8_t>(row[x]);
    }
  }
  return img;
}

void Painter::font(double px, bool bold) {
  cairo_set_font_face(cr, bold ? bold_ : regular_);
  cairo_set_font_size(cr, px);
}

double header(Painter& p, const std::string& title, const std::vector<LegendEntry>& entries, double width,
              bool swatch_box) {
  double y = kPad;
  if (!title.empty()) {
    p.text(p.fit(title, kTitlePx, true, width - 2 * kPad), width / 2, y, kTitlePx, kText, H::center, V::top, true);
    y += kTitlePx + 10;
  }
  y += legend(p, entries, width, y, true, swatch_box);
  return y + 8;
}

double widest_tick(Painter& p, const Ticks& t) {
  double w = 0;
  for (double v : t.values) w = std::max(w, p.text_width(format_tick(v, t.step), kTickPx));
  return w;
}

void draw_y_axis(Painter& p, const Box& box, const Ticks& t, const Scale& ys, const std::string& label) {
  for (double v : t.values) {
    if (v < t.lo - 1e-9 * t.step || v > t.hi + 1e-9 * t.step) continue;
    const double y = std::round(ys(v)) + 0.5;
    p.line(box.left, y, box.right, y, 1, kGrid);
    p.line(box.left - 4, y, box.left, y, 1, kAxis);
    p.text(format_tick(v, t.step), box.left - 7, y, kTickPx, kText, H::right, V::middle);
  }
  if (!label.empty())
    p.text(p.fit(label, kLabelPx, false, box.h()), kPad + kLabelPx * 0.5, (box.top + box.bottom) / 2, kLabelPx,
           kText, H::center, V::middle, false, -M_PI / 2);
}

void pad_range(double& lo, double& hi) {
  if (hi - lo > 1e-12 * std::max(1.0, std::max(std::fabs(lo), std::fabs(hi)))) return;
  const double pad = lo == 0 ? 1 : std::fabs(lo) * 0.1;
  lo -= pad;
  hi += pad;
}

void write_png_atomic(const std::string& path, const Image& img) {
  const std::string dir = parent_dir(path);
  if (dir != ".") make_dirs(dir);
  AtomicFile f(path);
  f.write(encode_png(img));
  f.commit();
}

}  // namespace insightv::chart::draw
