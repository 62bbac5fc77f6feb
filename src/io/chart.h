// io/chart.h — PNG line charts and grouped bar charts, drawn with cairo (no Python, no plotting
// library): axes with "nice" ticks, grid, labels, title, legend, Okabe–Ito colours.
//
//   chart::LineChartSpec spec;
//   spec.title = "SFT loss"; spec.x_label = "step"; spec.y_label = "loss"; spec.smooth = true;
//   spec.series.push_back({"loss", steps, losses});
//   chart::write_line_chart("out/loss.png", spec);          // temp file + fsync + rename
//
//   chart::BarChartSpec bars;
//   bars.series_names = {"baseline", "insight-v"};
//   bars.groups.push_back({"MMMU", {41.2, 44.9}, {39.0, 42.5}, {43.4, 47.3}});  // values, 95% CI
//   Image img = chart::render_bar_chart(bars);
//
// Input rules: NaN/inf points are skipped (a line breaks there); a series without points, x/y of
// different lengths, or a chart with nothing finite to draw is an Error ("[chart] ..."). A
// single point or a constant series still draws (the axis range is padded). Text never leaves
// the image: long titles, legend entries and group labels are rotated and/or cut with "…".
// Rendering is deterministic (hinting off, fixed font), so the same spec gives the same bytes.
// Torch-free and thread-safe (every call has its own cairo surface).
// Not here: reading metrics files (train/charts.h), interactive or vector output.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "io/image.h"

namespace insightv::chart {

struct Series {
  std::string name;          // legend text; empty = no legend entry
  std::vector<double> x, y;  // same length; non-finite points are skipped
};

struct LineChartSpec {
  std::string title, x_label, y_label;
  std::vector<Series> series;
  int width = 800, height = 480;
  bool smooth = false;    // draw the raw line faint and a trailing moving average over it
  int smooth_window = 0;  // points in the moving average; 0 = about a tenth of the series
};

// One group of bars (one bar per series), e.g. one benchmark with one bar per model.
struct BarGroup {
  std::string label;
  std::vector<double> values;             // one per series; NaN = no bar
  std::vector<double> err_low, err_high;  // empty, or one per series: the error bar's ends as
                                          // absolute values (e.g. a 95% CI), NaN = none
};

struct BarChartSpec {
  std::string title, y_label;
  std::vector<std::string> series_names;  // legend; may be empty when each group has one value
  std::vector<BarGroup> groups;
  double y_min = 0, y_max = NAN;  // NaN = from the data (y_min is lowered to fit negative bars)
  int width = 900, height = 480;
  bool value_labels = true;       // the value above each bar, when it fits
};

Image render_line_chart(const LineChartSpec& spec);
Image render_bar_chart(const BarChartSpec& spec);
void write_line_chart(const std::string& png_path, const LineChartSpec& spec);
void write_bar_chart(const std::string& png_path, const BarChartSpec& spec);

// ---- pieces, public for tests and for callers that want the same look ----

struct Rgb {
  uint8_t r = 0, g = 0, b = 0;
};
// Okabe–Ito colour-blind-safe palette, black excluded: blue, orange, bluish green, vermillion,
// reddish purple, sky blue, yellow; then it repeats. Series i gets series_color(i).
Rgb series_color(size_t i);

// Tick marks at multiples of step = {1, 2, 5} × 10^k covering [lo, hi] with about `target`
// intervals. lo/hi are widened to multiples of step; values run lo, lo+step, ..., hi.
// lo == hi (or a tiny range) is padded first, so there are always at least two ticks.
struct Ticks {
  double lo = 0, hi = 1, step = 1;
  std::vector<double> values;
};
Ticks nice_ticks(double lo, double hi, int target = 5);
// A tick label with as many decimals as `step` needs ("0.25", "1e+06" for huge values).
std::string format_tick(double v, double step);
// Trailing moving average over the finite values (non-finite entries stay NaN).
std::vector<double> moving_average(const std::vector<double>& y, int window);

}  // namespace insightv::chart
