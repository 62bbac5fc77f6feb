// world/canvas.cpp — Canvas over a cairo ARGB32 image surface; the palette.
#include "world/canvas.h"

#include <cairo.h>

#include <climits>
#include <cmath>
#include <cstring>

#include "util/error.h"

namespace insightv::world {

namespace {
struct Named {
  const char* name;
  Rgb rgb;
};
// Object colours first; pairwise RGB distances are all above 130.
const Named kPalette[] = {
    {"red", {220, 30, 30}},     {"green", {20, 160, 40}},   {"blue", {30, 70, 230}},
    {"yellow", {245, 210, 0}},  {"purple", {150, 40, 190}}, {"cyan", {0, 200, 220}},
    {"white", {255, 255, 255}}, {"black", {0, 0, 0}},       {"gray", {128, 128, 128}},
    {"light", {225, 225, 225}}, {"dark", {60, 60, 60}},
};
constexpr int kObjectColors = 6;
}  // namespace

const std::vector<std::string>& object_colors() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (int i = 0; i < kObjectColors; ++i) v.push_back(kPalette[i].name);
    return v;
  }();
  return names;
}

Rgb palette(const std::string& name) {
  for (const auto& p : kPalette)
    if (name == p.name) return p.rgb;
  throw Error("world", "unknown palette colour '" + name + "'",
              "use red, green, blue, yellow, purple, cyan, white, black, gray, light or dark");
}

std::pair<std::string, int> nearest_object_color(Rgb c) {
  std::pair<std::string, int> best{"", INT_MAX};
  for (int i = 0; i < kObjectColors; ++i) {
    const Rgb p = kPalette[i].rgb;
    const int dr = c.r - p.r, dg = c.g - p.g, db = c.b - p.b;
    const int d = dr * dr + dg * dg + db * db;
    if (d < best.second) best = {kPalette[i].name, d};
  }
  return best;
}

struct Canvas::Impl {
  cairo_surface_t* surface = nullptr;
  cairo_t* cr = nullptr;
  cairo_font_face_t* regular = nullptr;
  cairo_font_face_t* bold = nullptr;
};

namespace {
void set_rgb(cairo_t* cr, Rgb c) { cairo_set_source_rgb(cr, c.r / 255.0, c.g / 255.0, c.b / 255.0); }

void path_polygon(cairo_t* cr, const Canvas::Points& pts) {
  if (pts.empty()) return;
  cairo_move_to(cr, pts[0].first, pts[0].second);
  for (size_t i = 1; i < pts.size(); ++i) cairo_line_to(cr, pts[i].first, pts[i].second);
  cairo_close_path(cr);
}
}  // namespace

Canvas::Canvas(int width, int height, Rgb background)
    : impl_(new Impl), width_(width), height_(height) {
  check(width > 0 && height > 0 && width <= 16384 && height <= 16384, "world",
        "canvas size " + std::to_string(width) + "x" + std::to_string(height) + " out of range",
        "use 16..4096 pixels");
  impl_->surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height);
  impl_->cr = cairo_create(impl_->surface);
  cairo_t* cr = impl_->cr;
  cairo_font_options_t* fo = cairo_font_options_create();
  cairo_font_options_set_antialias(fo, CAIRO_ANTIALIAS_GRAY);
  cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
  cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
  cairo_set_font_options(cr, fo);
  cairo_font_options_destroy(fo);
  impl_->regular = cairo_toy_font_face_create("DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
                                              CAIRO_FONT_WEIGHT_NORMAL);
  impl_->bold = cairo_toy_font_face_create("DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
                                           CAIRO_FONT_WEIGHT_BOLD);
  set_rgb(cr, background);
  cairo_paint(cr);
}

Canvas::~Canvas() {
  cairo_font_face_destroy(impl_->regular);
  cairo_font_face_destroy(impl_->bold);
  cairo_destroy(impl_->cr);
  cairo_surface_destroy(impl_->surface);
  delete impl_;
}

void Canvas::fill_rect(double x, double y, double w, double h, Rgb c) {
  set_rgb(impl_->cr, c);
  cairo_rectangle(impl_->cr, x, y, w, h);
  cairo_fill(impl_->cr);
}

void Canvas::stroke_rect(double x, double y, double w, double h, double line, Rgb c) {
  set_rgb(impl_->cr, c);
  cairo_set_line_width(impl_->cr, line);
  cairo_set_line_join(impl_->cr, CAIRO_LINE_JOIN_MITER);
  cairo_rectangle(impl_->cr, x, y, w, h);
  cairo_stroke(impl_->cr);
}

void Canvas::fill_circle(double cx, double cy, double r, Rgb c) {
  set_rgb(impl_->cr, c);
  cairo_new_path(impl_->cr);
  cairo_arc(impl_->cr, cx, cy, r, 0, 2 * M_PI);
  cairo_fill(impl_->cr);
}

void Canvas::stroke_circle(double cx, double cy, double r, double line, Rgb c) {
  set_rgb(impl_->cr, c);
  cairo_set_line_width(impl_->cr, line);
  cairo_new_path(impl_->cr);
  cairo_arc(impl_->cr, cx, cy, r, 0, 2 * M_PI);
  cairo_stroke(impl_->cr);
}

void Canvas::fill_polygon(const Points& pts, Rgb c) {
  set_rgb(impl_->cr, c);
  cairo_new_path(impl_->cr);
  path_polygon(impl_->cr, pts);
  cairo_fill(impl_->cr);
}

void Canvas::stroke_polygon(const Points& pts, double line, Rgb c) {
  set_rgb(impl_->cr, c);
  cairo_set_line_width(impl_->cr, line);
  cairo_set_line_join(impl_->cr, CAIRO_LINE_JOIN_MITER);
  cairo_new_path(impl_->cr);
  path_polygon(impl_->cr, pts);
  cairo_stroke(impl_->cr);
}

void Canvas::line(double x0, double y0, double x1, double y1, double width, Rgb c, bool round_cap) {
  set_rgb(impl_->cr, c);
  cairo_set_line_width(impl_->cr, width);
  cairo_set_line_cap(impl_->cr, round_cap ? CAIRO_LINE_CAP_ROUND : CAIRO_LINE_CAP_BUTT);
  cairo_new_path(impl_->cr);
  cairo_move_to(impl_->cr, x0, y0);
  cairo_line_to(impl_->cr, x1, y1);
  cairo_stroke(impl_->cr);
  cairo_set_line_cap(impl_->cr, CAIRO_LINE_CAP_BUTT);
}

double Canvas::text_width(const std::string& s, double px, bool bold) {
  cairo_set_font_face(impl_->cr, bold ? impl_->bold : impl_->regular);
  cairo_set_font_size(impl_->cr, px);
  cairo_text_extents_t ext;
  cairo_text_extents(impl_->cr, s.c_str(), &ext);
  return ext.x_advance;
}

double Canvas::text(const std::string& s, double x, double y, const TextStyle& style) {
  cairo_t* cr = impl_->cr;
  cairo_set_font_face(cr, style.bold ? impl_->bold : impl_->regular);
  cairo_set_font_size(cr, style.px);
  cairo_text_extents_t ext;
  cairo_text_extents(cr, s.c_str(), &ext);
  double bx = x;
  if (style.h == HAlign::center) bx = x - ext.x_advance / 2;
  if (style.h == HAlign::right) bx = x - ext.x_advance;
  // Vertical placement by the font's cap height (about 0.72 em for DejaVu Sans), not by the
  // glyphs' own extents, so that "7" and "g" sit on the same baseline.
  const double cap = 0.72 * style.px;
  double by = y;
  if (style.v == VAlign::middle) by = y + cap / 2;
  if (style.v == VAlign::top) by = y + cap;
  set_rgb(cr, style.color);
  cairo_move_to(cr, bx, by);
  cairo_show_text(cr, s.c_str());
  cairo_new_path(cr);
  return ext.x_advance;
}

void Canvas::draw_image(const Image& img, double x, double y, double w, double h) {
  check(!img.empty(), "world", "draw_image with an empty image");
  cairo_surface_t* src = cairo_image_surface_create(CAIRO_FORMAT_RGB24, img.width, img.height);
  cairo_surface_flush(src);
  unsigned char* data = cairo_image_surface_get_data(src);
  const int stride = cairo_image_surface_get_stride(src);
  for (int yy = 0; yy < img.height; ++yy) {
    auto* row = reinterpret_cast<uint32_t*>(data + static_cast<size_t>(yy) * stride);
    for (int xx = 0; xx < img.width; ++xx) {
      const uint8_t* p = img.at(xx, yy);
      row[xx] = 0xff000000u | (uint32_t(p[0]) << 16) | (uint32_t(p[1]) << 8) | p[2];
    }
  }
  cairo_surface_mark_dirty(src);
  cairo_t* cr = impl_->cr;
  cairo_save(cr);
  cairo_translate(cr, x, y);
  cairo_scale(cr, w / img.width, h / img.height);
  cairo_set_source_surface(cr, src, 0, 0);
  cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_BILINEAR);
  cairo_rectangle(cr, 0, 0, img.width, img.height);
  cairo_fill(cr);
  cairo_restore(cr);
  cairo_surface_destroy(src);
}

Image Canvas::to_image() {
  cairo_surface_flush(impl_->surface);
  const unsigned char* data = cairo_image_surface_get_data(impl_->surface);
  const int stride = cairo_image_surface_get_stride(impl_->surface);
  Image img(width_, height_);
  for (int y = 0; y < height_; ++y) {
    const auto* row = reinterpret_cast<const uint32_t*>(data + static_cast<size_t>(y) * stride);
    uint8_t* out = img.at(0, y);
    for (int x = 0; x < width_; ++x) {
      const uint32_t v = row[x];
      out[3 * x] = static_cast<uint8_t>(v >> 16);
      out[3 * x + 1] = static_cast<uint8_t>(v >> 8);
      out[3 * x + 2] = static_cast<uint8_t>(v);
    }
  }
  return img;
}

}  // namespace insightv::world
