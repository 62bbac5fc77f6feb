// io/chart.cpp — line and grouped-bar charts (layout and marks); nice ticks; the palette.
#include "io/chart.h"

#include <cairo.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "io/chart_draw.h"
#include "util/error.h"

namespace insightv::chart {

using namespace draw;

namespace {
const Rgb kOkabeIto[] = {{0, 114, 178},   {230, 159, 0},   {0, 158, 115}, {213, 94, 0},
                         {204, 121, 167}, {86, 180, 233},  {240, 228, 66}};
}  // namespace

Rgb series_color(size_t i) { return kOkabeIto[i % (sizeof kOkabeIto / sizeof kOkabeIto[0])]; }

Ticks nice_ticks(double lo, double hi, int target) {
  check(std::isfinite(lo) && std::isfinite(hi), "chart",
        "axis range [" + std::to_string(lo) + ", " + std::to_string(hi) + "] is not finite");
  if (lo > hi) std::swap(lo, hi);
  pad_range(lo, hi);
  target = std::max(1, target);
  const double rough = (hi - lo) / target;
  const double mag = std::pow(10.0, std::floor(std::log10(rough)));
  // The nice step nearest the rough one (cut near the geometric midpoints of 1, 2, 5, 10).
  const double r = rough / mag, eps = 1e-9;
  const double nice = r < 1.5 - eps ? 1 : r < 3 - eps ? 2 : r < 7 - eps ? 5 : 10;
  Ticks t;
  t.step = nice * mag;
  const double k_lo = std::floor(lo / t.step + eps), k_hi = std::ceil(hi / t.step - eps);
  t.lo = k_lo * t.step;
  t.hi = k_hi * t.step;
  for (double k = k_lo; k <= k_hi + 0.5; k += 1) t.values.push_back(k * t.step == 0 ? 0.0 : k * t.step);
  return t;
}

std::string format_tick(double v, double step) {
  if (std::fabs(v) < std::fabs(step) * 1e-9) v = 0;
  char buf[64];
  if (std::fabs(v) >= 1e6 || (step < 1e-4 && v != 0)) {
    std::snprintf(buf, sizeof buf, "%.3g", v);
  } else {
    const int decimals = step >= 1 ? 0 : static_cast<int>(std::ceil(-std::log10(step) - 1e-9));
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  }
  return buf;
}

std::vector<double> moving_average(const std::vector<double>& y, int window) {
  window = std::max(1, window);
  std::vector<double> out(y.size(), NAN);
  double sum = 0;
  int count = 0;
  for (size_t i = 0; i < y.size(); ++i) {
    if (std::isfinite(y[i])) sum += y[i], ++count;
    if (i >= static_cast<size_t>(window) && std::isfinite(y[i - window])) sum -= y[i - window], --count;
    if (std::isfinite(y[i]) && count > 0) out[i] = sum / count;
  }
  return out;
}

// ---- line chart ------------------------------------------------------------------------------

namespace {

// Strokes y against x, breaking the line at non-finite points; isolated points get a dot.
void draw_polyline(Painter& p, const Scale& xs, const Scale& ys, const std::vector<double>& x,
                   const std::vector<double>& y, double width, Rgb c) {
  auto ok = [&](size_t i) { return std::isfinite(x[i]) && std::isfinite(y[i]); };
  cairo_t* cr = p.cr;
  p.set(c);
  cairo_set_line_width(cr, width);
  cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
  cairo_new_path(cr);
  bool open = false;
  for (size_t i = 0; i < x.size(); ++i) {
    if (!ok(i)) {
      open = false;
      continue;
    }
    if (open) {
      cairo_line_to(cr, xs(x[i]), ys(y[i]));
    } else {
      cairo_move_to(cr, xs(x[i]), ys(y[i]));
      open = true;
    }
  }
  cairo_stroke(cr);
  for (size_t i = 0; i < x.size(); ++i) {
    const bool alone = ok(i) && (i == 0 || !ok(i - 1)) && (i + 1 == x.size() || !ok(i + 1));
    if (!alone) continue;
    cairo_new_path(cr);
    cairo_arc(cr, xs(x[i]), ys(y[i]), width + 1.5, 0, 2 * M_PI);
    cairo_fill(cr);
  }
}

}  // namespace

Image render_line_chart(const LineChartSpec& spec) {
  check(!spec.series.empty(), "chart", "line chart '" + spec.title + "' has no series", "add at least one Series");
  double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
  for (const auto& s : spec.series) {
    check(!s.y.empty(), "chart", "series '" + s.name + "' has no points", "drop it or give it x and y values");
    check(s.x.size() == s.y.size(), "chart",
          "series '" + s.name + "' has " + std::to_string(s.x.size()) + " x values but " +
              std::to_string(s.y.size()) + " y values",
          "x and y must have the same length");
    for (size_t i = 0; i < s.x.size(); ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
      xlo = std::min(xlo, s.x[i]), xhi = std::max(xhi, s.x[i]);
      ylo = std::min(ylo, s.y[i]), yhi = std::max(yhi, s.y[i]);
    }
  }
  check(std::isfinite(xlo), "chart", "line chart '" + spec.title + "' has no finite point",
        "every value is NaN or infinite — did training diverge?");
  pad_range(xlo, xhi);
  pad_range(ylo, yhi);

  Painter p(spec.width, spec.height);
  std::vector<LegendEntry> entries;
  for (size_t i = 0; i < spec.series.size(); ++i)
    if (!spec.series[i].name.empty()) entries.push_back({spec.series[i].name, series_color(i)});
  Box box{0, header(p, spec.title, entries, spec.width, false), spec.width - kPad - 8.0, 0};
  box.bottom = spec.height - kPad - (spec.x_label.empty() ? 0 : kLabelPx + 8) - kTickPx - 10;
  check(box.h() >= 40, "chart", "image height " + std::to_string(spec.height) + " leaves no room for the plot",
        "make it taller or shorten the legend");

  const Ticks yt = nice_ticks(ylo, yhi, std::max(2, static_cast<int>(box.h() / 55)));
  box.left = kPad + (spec.y_label.empty() ? 0 : kLabelPx + 8) + widest_tick(p, yt) + 8;
  // Fewer x ticks until their labels fit side by side.
  Ticks xt;
  for (int target = std::max(2, static_cast<int>(box.w() / 90)); target >= 1; --target) {
    xt = nice_ticks(xlo, xhi, target);
    if ((widest_tick(p, xt) + 12) * (xt.values.size() - 1) <= box.w()) break;
  }
  box.right = std::min(box.right, spec.width - 4 - widest_tick(p, xt) / 2);  // the last label fits
  const Scale xs{xt.lo, xt.hi, box.left, box.right}, ys{yt.lo, yt.hi, box.bottom, box.top};

  draw_y_axis(p, box, yt, ys, spec.y_label);
  for (double v : xt.values) {
    const double x = std::round(xs(v)) + 0.5;
    p.line(x, box.top, x, box.bottom, 1, kGrid);
    p.line(x, box.bottom, x, box.bottom + 4, 1, kAxis);
    p.text(format_tick(v, xt.step), x, box.bottom + 7, kTickPx, kText, H::center, V::top);
  }
  p.line(box.left + 0.5, box.top, box.left + 0.5, box.bottom, 1, kAxis);
  p.line(box.left, box.bottom + 0.5, box.right, box.bottom + 0.5, 1, kAxis);
  if (!spec.x_label.empty())
    p.text(p.fit(spec.x_label, kLabelPx, false, box.w()), (box.left + box.right) / 2, spec.height - kPad,
           kLabelPx, kText, H::center, V::bottom);

  cairo_save(p.cr);
  cairo_rectangle(p.cr, box.left, box.top - 3, box.w() + 3, box.h() + 3);
  cairo_clip(p.cr);
  for (size_t i = 0; i < spec.series.size(); ++i) {
    const Series& s = spec.series[i];
    if (!spec.smooth) {
      draw_polyline(p, xs, ys, s.x, s.y, 2, series_color(i));
      continue;
    }
    const int window = spec.smooth_window > 0
                           ? spec.smooth_window
                           : std::clamp(static_cast<int>(s.y.size() / 10), 2, 200);
    draw_polyline(p, xs, ys, s.x, s.y, 1.2, tint(series_color(i), 0.35));
    draw_polyline(p, xs, ys, s.x, moving_average(s.y, window), 2.2, series_color(i));
  }
  cairo_restore(p.cr);
  return p.to_image();
}

// ---- bar chart -------------------------------------------------------------------------------

namespace {

std::string format_value(double v) {
  const double a = std::fabs(v);
  char buf[64];
  const int decimals = a >= 100 || a == 0 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3;
  if (a >= 1e6)
    std::snprintf(buf, sizeof buf, "%.3g", v);
  else
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

}  // namespace

Image render_bar_chart(const BarChartSpec& spec) {
  check(!spec.groups.empty(), "chart", "bar chart '" + spec.title + "' has no groups", "add at least one BarGroup");
  const size_t n_series = spec.series_names.empty() ? spec.groups[0].values.size() : spec.series_names.size();
  check(n_series > 0, "chart", "bar chart '" + spec.title + "' has no series", "give each group one value per series");
  double lo = INFINITY, hi = -INFINITY;
  for (const auto& g : spec.groups) {
    check(g.values.size() == n_series, "chart",
          "group '" + g.label + "' has " + std::to_string(g.values.size()) + " values for " +
              std::to_string(n_series) + " series",
          "give one value per series (NaN for a missing one)");
    for (const auto* err : {&g.err_low, &g.err_high})
      check(err->empty() || err->size() == n_series, "chart",
            "group '" + g.label + "' has " + std::to_string(err->size()) + " error-bar ends for " +
                std::to_string(n_series) + " series",
            "leave err_low/err_high empty or give one per series");
    for (const auto* vals : {&g.values, &g.err_low, &g.err_high})
      for (double v : *vals)
        if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  }
  check(std::isfinite(lo), "chart", "bar chart '" + spec.title + "' has no finite value",
        "every value is NaN or infinite");
  const bool fixed_lo = std::isfinite(spec.y_min) && spec.y_min <= lo;
  const bool fixed_hi = std::isfinite(spec.y_max) && spec.y_max > (fixed_lo ? spec.y_min : lo);
  lo = fixed_lo ? spec.y_min : std::min(lo, 0.0);
  if (fixed_hi) hi = spec.y_max;
  pad_range(lo, hi);
  if (!fixed_hi && spec.value_labels) hi += 0.08 * (hi - lo);  // headroom for the labels

  Painter p(spec.width, spec.height);
  std::vector<LegendEntry> entries;
  for (size_t i = 0; i < spec.series_names.size(); ++i)
    if (!spec.series_names[i].empty()) entries.push_back({spec.series_names[i], series_color(i)});
  Box box{0, header(p, spec.title, entries, spec.width, true), spec.width - kPad - 4.0, 0};

  auto axis_ticks = [&](double plot_h) {
    Ticks t = nice_ticks(lo, hi, std::max(2, static_cast<int>(plot_h / 55)));
    if (fixed_lo) t.lo = lo;
    if (fixed_hi) t.hi = hi;
    return t;
  };
  // Left margin from a first guess at the ticks; the final ticks may differ, so keep the wider.
  const double guess_h = spec.height - box.top - kPad - 30;
  double tick_w = widest_tick(p, axis_ticks(guess_h));

  // Group labels: horizontal when they fit their slot, else turned 40° and cut to fit.
  const double angle = 40 * M_PI / 180;
  std::vector<std::string> labels;
  bool rotate = false;
  auto layout_labels = [&](double left) {
    const double slot = (box.right - left) / spec.groups.size();
    labels.clear();
    rotate = false;
    for (const auto& g : spec.groups)
      if (p.text_width(g.label, kTickPx) > slot - 4) rotate = true;
    double bottom = kTickPx + 10;
    for (size_t i = 0; i < spec.groups.size(); ++i) {
      const double anchor = left + (i + 0.5) * slot;
      if (!rotate) {
        labels.push_back(spec.groups[i].label);
        continue;
      }
      const double max_w = std::min((0.3 * spec.height) / std::sin(angle), (anchor - kPad) / std::cos(angle));
      labels.push_back(p.fit(spec.groups[i].label, kTickPx, false, max_w));
      bottom = std::max(bottom, p.text_width(labels.back(), kTickPx) * std::sin(angle) + kTickPx + 10);
    }
    return bottom;
  };
  box.left = kPad + (spec.y_label.empty() ? 0 : kLabelPx + 8) + tick_w + 8;
  box.bottom = spec.height - kPad - layout_labels(box.left);
  check(box.h() >= 40, "chart", "image height " + std::to_string(spec.height) + " leaves no room for the plot",
        "make it taller, or shorten the legend and group labels");
  const Ticks yt = axis_ticks(box.h());
  if (widest_tick(p, yt) > tick_w) {
    box.left += widest_tick(p, yt) - tick_w;
    box.bottom = spec.height - kPad - layout_labels(box.left);
  }
  const Scale ys{yt.lo, yt.hi, box.bottom, box.top};
  draw_y_axis(p, box, yt, ys, spec.y_label);

  const double slot = box.w() / spec.groups.size();
  const double bar_w = slot * 0.8 / n_series;
  const double base = ys(std::clamp(0.0, yt.lo, yt.hi));
  for (size_t gi = 0; gi < spec.groups.size(); ++gi) {
    const BarGroup& g = spec.groups[gi];
    const double anchor = box.left + (gi + 0.5) * slot;
    if (rotate)
      p.text(labels[gi], anchor, box.bottom + 6, kTickPx, kText, H::right, V::top, false, -angle);
    else
      p.text(labels[gi], anchor, box.bottom + 7, kTickPx, kText, H::center, V::top);
    cairo_save(p.cr);
    cairo_rectangle(p.cr, box.left, box.top, box.w(), box.h());
    cairo_clip(p.cr);
    for (size_t s = 0; s < n_series; ++s) {
      const double v = g.values[s];
      const double x0 = anchor - slot * 0.4 + s * bar_w, cx = x0 + bar_w / 2;
      if (std::isfinite(v)) {
        // Whole pixels, no antialiasing: crisp edges and exact colours.
        const double l = std::round(x0 + (bar_w > 5 ? 1 : 0)), r = std::round(x0 + bar_w);
        const double top = std::round(ys(std::clamp(v, yt.lo, yt.hi))), b = std::round(base);
        cairo_set_antialias(p.cr, CAIRO_ANTIALIAS_NONE);
        p.fill_rect(l, std::min(top, b), std::max(1.0, r - l), std::fabs(b - top), series_color(s));
        cairo_set_antialias(p.cr, CAIRO_ANTIALIAS_DEFAULT);
      }
      const double e_lo = g.err_low.empty() ? NAN : g.err_low[s], e_hi = g.err_high.empty() ? NAN : g.err_high[s];
      if (std::isfinite(e_lo) || std::isfinite(e_hi)) {
        const double y0 = ys(std::isfinite(e_lo) ? e_lo : v), y1 = ys(std::isfinite(e_hi) ? e_hi : v);
        const double cap = std::min(10.0, bar_w * 0.4) / 2;
        p.line(cx, y0, cx, y1, 1.5, kText);
        if (std::isfinite(e_lo)) p.line(cx - cap, y0, cx + cap, y0, 1.5, kText);
        if (std::isfinite(e_hi)) p.line(cx - cap, y1, cx + cap, y1, 1.5, kText);
      }
      if (spec.value_labels && std::isfinite(v)) {
        const std::string text = format_value(v);
        double px = kValuePx;
        if (p.text_width(text, px) > bar_w + 4) px = 8;
        if (p.text_width(text, px) <= bar_w + 4) {
          // Above the bar (below a negative one), past the error bar's end, kept inside the plot.
          const double end = std::isfinite(e_hi) && v >= 0 ? std::max(v, e_hi)
                             : std::isfinite(e_lo) && v < 0 ? std::min(v, e_lo)
                                                          : v;
          double y = ys(std::clamp(end, yt.lo, yt.hi)) + (v >= 0 ? -3 : 3);
          y = std::clamp(y, box.top + px, box.bottom - px);
          p.text(text, cx, y, px, kText, H::center, v >= 0 ? V::bottom : V::top);
        }
      }
    }
    cairo_restore(p.cr);
  }
  p.line(box.left + 0.5, box.top, box.left + 0.5, box.bottom, 1, kAxis);
  p.line(box.left, std::round(base) + 0.5, box.right, std::round(base) + 0.5, 1, kAxis);
  return p.to_image();
}

// ---- files -----------------------------------------------------------------------------------

void write_line_chart(const std::string& png_path, const LineChartSpec& spec) {
  write_png_atomic(png_path, render_line_chart(spec));
}

void write_bar_chart(const std::string& png_path, const BarChartSpec& spec) {
  write_png_atomic(png_path, render_bar_chart(spec));
}

}  // namespace insightv::chart
