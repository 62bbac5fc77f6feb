// Unit tests of io/chart (ticks, smoothing, line and bar charts measured in pixels, bad input)
// and train/charts (metrics columns, resumed-run rows). With INSIGHTV_CHART_EXAMPLES=DIR set,
// Chart.ExamplesRender also writes the docs' example charts there (see docs/charts/README.md).
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <functional>

#include <gtest/gtest.h>

#include "io/chart.h"
#include "io/image.h"
#include "support/subprocess.h"
#include "train/charts.h"
#include "util/error.h"
#include "util/fs.h"

using namespace insightv;
using namespace insightv::chart;

namespace {

bool near(const uint8_t* p, Rgb c, int tol = 12) {
  const int dr = p[0] - c.r, dg = p[1] - c.g, db = p[2] - c.b;
  return dr * dr + dg * dg + db * db <= tol * tol;
}

int count_color(const Image& img, Rgb c) {
  int n = 0;
  for (int y = 0; y < img.height; ++y)
    for (int x = 0; x < img.width; ++x) n += near(img.at(x, y), c);
  return n;
}

// The longest vertical run of colour c in each column.
std::vector<int> column_runs(const Image& img, Rgb c) {
  std::vector<int> best(img.width, 0);
  for (int x = 0; x < img.width; ++x)
    for (int y = 0, run = 0; y < img.height; ++y) {
      run = near(img.at(x, y), c, 0) ? run + 1 : 0;
      best[x] = std::max(best[x], run);
    }
  return best;
}

// Round trip through PNG bytes, as a reader of the file would see it.
Image via_png(const Image& img) { return decode_image(encode_png(img), "chart.png"); }

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

LineChartSpec two_series() {
  LineChartSpec s;
  s.title = "Training";
  s.x_label = "step";
  s.y_label = "value";
  s.width = 640;
  s.height = 400;
  Series a{"loss", {}, {}}, b{"margin", {}, {}};
  for (int i = 1; i <= 50; ++i) {
    a.x.push_back(i), a.y.push_back(2.0 * std::exp(-i / 15.0) + 0.1 * std::sin(i));
    b.x.push_back(i), b.y.push_back(0.03 * i);
  }
  s.series = {a, b};
  return s;
}

BarChartSpec benchmark_bars() {
  BarChartSpec s;
  s.title = "Accuracy by benchmark (95% CI)";
  s.y_label = "accuracy (%)";
  s.series_names = {"LLaVA-NeXT", "Insight-V (reasoning + summary)", "Insight-V + DPO"};
  s.y_max = 100;
  s.groups = {{"MMMU", {36.9, 42.0, 43.2}, {34.0, 39.1, 40.2}, {39.8, 44.9, 46.1}},
              {"ChartQA", {69.5, 77.4, 78.1}, {67.9, 75.9, 76.6}, {71.1, 78.9, 79.6}},
              {"MathVista (testmini, long label)", {45.9, 49.8, 50.6}, {43.7, 47.6, 48.4}, {48.1, 52.0, 52.8}},
              {"VisWorld", {51.0, 63.5, 66.0}, {}, {}}};
  return s;
}

}  // namespace

TEST(Chart, NiceTicksUseOneTwoFiveTimesAPowerOfTen) {
  Ticks t = nice_ticks(0, 10, 5);
  EXPECT_DOUBLE_EQ(t.step, 2);
  EXPECT_EQ(t.values, (std::vector<double>{0, 2, 4, 6, 8, 10}));
  t = nice_ticks(0, 97, 5);
  EXPECT_DOUBLE_EQ(t.step, 20);
  EXPECT_DOUBLE_EQ(t.hi, 100);
  EXPECT_EQ(t.values.size(), 6u);
  t = nice_ticks(0.0013, 0.0091, 4);
  EXPECT_DOUBLE_EQ(t.step, 0.002);
  EXPECT_DOUBLE_EQ(t.lo, 0);
  EXPECT_NEAR(t.hi, 0.010, 1e-15);
  t = nice_ticks(-3, 7, 5);
  EXPECT_DOUBLE_EQ(t.step, 2);
  EXPECT_DOUBLE_EQ(t.lo, -4);
  EXPECT_DOUBLE_EQ(t.hi, 8);
  t = nice_ticks(0, 1, 5);  // 0.2 / 0.1 is 2.0000000000000004: still a step of 0.2
  EXPECT_DOUBLE_EQ(t.step, 0.2);
  EXPECT_EQ(t.values.size(), 6u);
  t = nice_ticks(1200, 87000, 4);  // rough step 21450 → 20000, not 50000
  EXPECT_DOUBLE_EQ(t.step, 20000);
  EXPECT_DOUBLE_EQ(t.hi, 100000);
  t = nice_ticks(-1.2, 2, 6);  // rough 0.53 → 0.5
  EXPECT_DOUBLE_EQ(t.step, 0.5);
  EXPECT_DOUBLE_EQ(t.lo, -1.5);
}

TEST(Chart, NiceTicksPadAConstantRange) {
  Ticks t = nice_ticks(5, 5, 5);
  EXPECT_LT(t.lo, 5);
  EXPECT_GT(t.hi, 5);
  EXPECT_GE(t.values.size(), 2u);
  t = nice_ticks(0, 0, 5);
  EXPECT_LT(t.lo, 0);
  EXPECT_GT(t.hi, 0);
}

TEST(Chart, TickLabelsHaveTheDecimalsTheStepNeeds) {
  EXPECT_EQ(format_tick(0.4, 0.2), "0.4");
  EXPECT_EQ(format_tick(0.25, 0.05), "0.25");
  EXPECT_EQ(format_tick(1500, 500), "1500");
  EXPECT_EQ(format_tick(-1e-17, 0.1), "0.0");  // no "-0.0"
  EXPECT_EQ(format_tick(2e7, 1e7), "2e+07");
}

TEST(Chart, MovingAverageTrailsAndSkipsNonFinite) {
  const auto m = moving_average({1, 2, 3, 4}, 2);
  EXPECT_EQ(m, (std::vector<double>{1, 1.5, 2.5, 3.5}));
  const auto g = moving_average({1, NAN, 3, 5}, 2);
  EXPECT_DOUBLE_EQ(g[0], 1);
  EXPECT_TRUE(std::isnan(g[1]));
  EXPECT_DOUBLE_EQ(g[2], 3);
  EXPECT_DOUBLE_EQ(g[3], 4);
}

TEST(Chart, LineChartHasTheRequestedSizeAndEachSeriesColour) {
  const Image img = via_png(render_line_chart(two_series()));
  EXPECT_EQ(img.width, 640);
  EXPECT_EQ(img.height, 400);
  EXPECT_GT(count_color(img, series_color(0)), 150);
  EXPECT_GT(count_color(img, series_color(1)), 150);
  EXPECT_EQ(count_color(img, series_color(2)), 0);
}

TEST(Chart, SmoothedLineChartDrawsTheAverageInTheSeriesColour) {
  LineChartSpec s = two_series();
  s.smooth = true;
  const Image img = render_line_chart(s);
  EXPECT_GT(count_color(img, series_color(0)), 150);
  EXPECT_GT(count_color(img, series_color(1)), 150);
}

TEST(Chart, LineChartIsDeterministic) {
  EXPECT_EQ(encode_png(render_line_chart(two_series())), encode_png(render_line_chart(two_series())));
}

TEST(Chart, SinglePointsConstantSeriesAndNonFinitePointsStillDraw) {
  LineChartSpec s;
  s.series = {{"one", {3}, {0.5}}};
  EXPECT_GT(count_color(render_line_chart(s), series_color(0)), 10);  // a dot
  s.series = {{"flat", {1, 2, 3, 4}, {2, 2, 2, 2}}};
  EXPECT_GT(count_color(render_line_chart(s), series_color(0)), 100);
  s.series = {{"gaps", {1, 2, 3, 4, 5, 6}, {1, NAN, 3, INFINITY, 2, 4}}};
  EXPECT_GT(count_color(render_line_chart(s), series_color(0)), 100);
}

TEST(Chart, BarHeightsAreProportionalToTheValues) {
  BarChartSpec s;
  s.series_names = {"accuracy"};
  s.groups = {{"a", {10}, {}, {}}, {"b", {20}, {}, {}}};
  const Image img = via_png(render_bar_chart(s));
  EXPECT_EQ(img.width, 900);
  EXPECT_EQ(img.height, 480);
  // Bars are the runs of columns whose colour run is taller than a legend swatch.
  const auto runs = column_runs(img, series_color(0));
  std::vector<int> bars;
  for (int x = 0; x < img.width; ++x) {
    if (runs[x] <= 20) continue;
    if (x == 0 || runs[x - 1] <= 20) bars.push_back(0);
    bars.back() = std::max(bars.back(), runs[x]);
  }
  ASSERT_EQ(bars.size(), 2u);
  EXPECT_GT(bars[0], 50);
  EXPECT_NEAR(bars[1], 2.0 * bars[0], 2.0);
}

TEST(Chart, GroupedBarsShowEverySeriesAndKeepTextInsideTheImage) {
  BarChartSpec s = benchmark_bars();
  s.width = 520;  // narrow: the group labels must turn and be cut
  s.groups[1].label = "a very long benchmark name that cannot possibly fit under its bars";
  const Image img = via_png(render_bar_chart(s));
  EXPECT_EQ(img.width, 520);
  for (size_t i = 0; i < 3; ++i) EXPECT_GT(count_color(img, series_color(i)), 500) << i;
  // Nothing is drawn in the outer margin.
  for (int x = 0; x < img.width; ++x)
    for (int y : {0, 1, 2, img.height - 3, img.height - 2, img.height - 1})
      ASSERT_TRUE(near(img.at(x, y), {255, 255, 255}, 0)) << x << "," << y;
  for (int y = 0; y < img.height; ++y)
    for (int x : {0, 1, 2, img.width - 3, img.width - 2, img.width - 1})
      ASSERT_TRUE(near(img.at(x, y), {255, 255, 255}, 0)) << x << "," << y;
}

TEST(Chart, BadInputIsAnErrorNamingTheChart) {
  LineChartSpec l;
  EXPECT_NE(error_of([&] { render_line_chart(l); }).find("[chart] line chart '' has no series"), std::string::npos);
  l.series = {{"loss", {1, 2, 3}, {1, 2}}};
  EXPECT_NE(error_of([&] { render_line_chart(l); }).find("3 x values but 2 y values"), std::string::npos);
  l.series = {{"loss", {}, {}}};
  EXPECT_NE(error_of([&] { render_line_chart(l); }).find("'loss' has no points"), std::string::npos);
  l.series = {{"loss", {1, 2}, {NAN, NAN}}};
  EXPECT_NE(error_of([&] { render_line_chart(l); }).find("no finite point"), std::string::npos);
  l.series = {{"loss", {1, 2}, {1, 2}}};
  l.width = 10;
  EXPECT_NE(error_of([&] { render_line_chart(l); }).find("out of range"), std::string::npos);

  BarChartSpec b;
  EXPECT_NE(error_of([&] { render_bar_chart(b); }).find("has no groups"), std::string::npos);
  b.series_names = {"a", "b"};
  b.groups = {{"g", {1}, {}, {}}};
  EXPECT_NE(error_of([&] { render_bar_chart(b); }).find("group 'g' has 1 values for 2 series"), std::string::npos);
  b.groups = {{"g", {1, 2}, {0.5}, {}}};
  EXPECT_NE(error_of([&] { render_bar_chart(b); }).find("error-bar ends"), std::string::npos);
}

TEST(Chart, WritesAPngFileAtomically) {
  const std::string dir = test::make_temp_dir("chart");
  write_line_chart(dir + "/sub/line.png", two_series());
  write_bar_chart(dir + "/bars.png", benchmark_bars());
  EXPECT_EQ(read_image(dir + "/sub/line.png").width, 640);
  EXPECT_EQ(read_image(dir + "/bars.png").width, 900);
  for (const auto& e : std::filesystem::directory_iterator(dir))
    EXPECT_EQ(e.path().string().find(".tmp"), std::string::npos) << e.path();  // no temp left
}

TEST(Chart, ExamplesRender) {
  LineChartSpec line = two_series();
  line.title = "SFT loss (example)";
  line.y_label = "loss";
  line.series.resize(1);
  line.smooth = true;
  BarChartSpec bars = benchmark_bars();
  const Image a = render_line_chart(line), b = render_bar_chart(bars);
  EXPECT_FALSE(a.empty());
  EXPECT_FALSE(b.empty());
  if (const char* dir = std::getenv("INSIGHTV_CHART_EXAMPLES")) {
    write_line_chart(std::string(dir) + "/example_line.png", line);
    write_bar_chart(std::string(dir) + "/example_bar.png", bars);
  }
}

TEST(TrainCharts, MetricSeriesKeepsTheLaterRowsOfARepeatedStep) {
  std::vector<json> rows;
  for (int step : {1, 2, 3, 4, 3, 4, 5}) rows.push_back({{"step", step}, {"loss", step * 10 + rows.size()}});
  rows.push_back({{"step", 6}, {"loss", nullptr}});
  const Series s = metric_series(rows, "loss");
  EXPECT_EQ(s.x, (std::vector<double>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(s.y[2], 34);  // step 3's second row (index 4)
  EXPECT_EQ(s.y[3], 45);
  EXPECT_TRUE(std::isnan(s.y[5]));
}

TEST(TrainCharts, MetricSeriesNamesTheColumnsWhenOneIsMissing) {
  const std::vector<json> rows = {{{"step", 1}, {"loss", 2.0}, {"lr", 1e-3}}};
  const std::string e = error_of([&] { metric_series(rows, "margin", "step", "m.jsonl"); });
  EXPECT_NE(e.find("[plot] no row of m.jsonl has 'margin' — columns: loss, lr, step"), std::string::npos) << e;
}

TEST(TrainCharts, WritesLossAndRewardChartsFromMetrics) {
  const std::string dir = test::make_temp_dir("train-charts");
  EXPECT_TRUE(write_training_charts(dir).empty());  // no metrics yet: nothing, no error
  std::vector<json> rows;
  for (int i = 1; i <= 20; ++i)
    rows.push_back({{"step", i}, {"loss", 0.7 / i}, {"margin", 0.1 * i}, {"chosen_reward", 0.05 * i},
                    {"rejected_reward", -0.05 * i}});
  write_jsonl_atomic(dir + "/metrics.jsonl", rows);
  const auto written = write_training_charts(dir);
  EXPECT_EQ(written, (std::vector<std::string>{dir + "/loss.png", dir + "/rewards.png"}));
  const Image rewards = read_image(dir + "/rewards.png");
  for (size_t i = 0; i < 3; ++i) EXPECT_GT(count_color(rewards, series_color(i)), 100) << i;
}
