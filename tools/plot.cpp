// tools/plot.cpp — `insightv plot`: a PNG line chart of columns of any metrics JSONL.
//   insightv plot --metrics runs/dpo/metrics.jsonl --y loss --out loss.png [--smooth]
//   insightv plot --metrics runs/dpo/metrics.jsonl --y chosen_reward,rejected_reward,margin
//                 --out rewards.png --title "DPO rewards"
#include <cstdio>

#include "io/chart.h"
#include "io/json.h"
#include "tools/verbs.h"
#include "train/charts.h"
#include "util/error.h"

namespace insightv::cli {

namespace {

struct PlotOptions {
  std::string metrics, out, title, x = "step", y_label;
  std::vector<std::string> y;
  int width = 800, height = 480;
  bool smooth = false;
};

int run_plot(const PlotOptions& o) {
  check(!o.y.empty(), "plot", "--y names no column", "e.g. --y loss or --y chosen_reward,rejected_reward");
  const std::vector<json> rows = read_jsonl(o.metrics, JsonlOptions{/*allow_truncated_tail=*/true});
  check(!rows.empty(), "plot", o.metrics + " has no rows", "plot a file the run has written to");
  chart::LineChartSpec spec;
  spec.title = o.title;
  spec.x_label = o.x;
  spec.y_label = !o.y_label.empty() ? o.y_label : o.y.size() == 1 ? o.y[0] : "";
  spec.width = o.width;
  spec.height = o.height;
  spec.smooth = o.smooth;
  for (const auto& key : o.y) spec.series.push_back(metric_series(rows, key, o.x, o.metrics));
  chart::write_line_chart(o.out, spec);
  std::printf("%s\n", o.out.c_str());
  return 0;
}

}  // namespace

VerbFn add_plot(CLI::App& app, const GlobalOptions&) {
  auto o = std::make_shared<PlotOptions>();
  CLI::App* cmd = app.add_subcommand("plot", "Draw a PNG line chart of columns of a metrics JSONL");
  cmd->add_option("--metrics", o->metrics, "JSONL file, one object per line (e.g. OUT/metrics.jsonl)")->required();
  cmd->add_option("--y", o->y, "columns to draw, comma-separated: loss,margin,...")->required()->delimiter(',');
  cmd->add_option("--out", o->out, "PNG file to write")->required();
  cmd->add_option("--title", o->title, "chart title");
  cmd->add_option("--x", o->x, "x column (rows without it are numbered 1, 2, ...)");
  cmd->add_option("--y-label", o->y_label, "y axis label (default: the column, when there is one)");
  cmd->add_option("--width", o->width, "image width in pixels");
  cmd->add_option("--height", o->height, "image height in pixels");
  cmd->add_flag("--smooth", o->smooth, "draw a moving average over each (faint) raw line");
  return [o] { return run_plot(*o); };
}

}  // namespace insightv::cli
