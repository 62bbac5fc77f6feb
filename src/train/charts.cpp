// train/charts.cpp — metrics.jsonl columns to chart series; the end-of-training charts.
#include "train/charts.h"

#include <cmath>
#include <set>

#include "util/error.h"
#include "util/fs.h"
#include "util/log.h"

namespace insightv {

chart::Series metric_series(const std::vector<json>& rows, const std::string& y_key, const std::string& x_key,
                            const std::string& source) {
  chart::Series s;
  s.name = y_key;
  bool seen = false;
  for (size_t i = 0; i < rows.size(); ++i) {
    const json& row = rows[i];
    if (!row.is_object()) continue;
    const auto y = row.find(y_key);
    if (y == row.end()) continue;
    seen = true;
    const auto x = row.find(x_key);
    const double xv = x != row.end() && x->is_number() ? x->get<double>() : static_cast<double>(i + 1);
    const double yv = y->is_number() ? y->get<double>() : NAN;
    // A resumed run logs the steps after its last checkpoint again: the later rows win.
    while (!s.x.empty() && s.x.back() >= xv) {
      s.x.pop_back();
      s.y.pop_back();
    }
    s.x.push_back(xv);
    s.y.push_back(yv);
  }
  if (!seen) {
    std::set<std::string> names;
    for (const json& row : rows)
      if (row.is_object())
        for (const auto& item : row.items()) names.insert(item.key());
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
    throw Error("plot", "no row of " + source + " has '" + y_key + "'",
                names.empty() ? "the file has no JSON object rows" : "columns: " + list);
  }
  return s;
}

namespace {
bool any_finite(const chart::Series& s) {
  for (double v : s.y)
    if (std::isfinite(v)) return true;
  return false;
}
bool has_key(const std::vector<json>& rows, const std::string& key) {
  for (const json& row : rows)
    if (row.is_object() && row.contains(key)) return true;
  return false;
}
}  // namespace

std::vector<std::string> write_training_charts(const std::string& out_dir) {
  const std::string path = join_path(out_dir, "metrics.jsonl");
  std::vector<std::string> written;
  if (!file_exists(path)) return written;
  const std::vector<json> rows = read_jsonl(path, JsonlOptions{/*allow_truncated_tail=*/true});
  if (!has_key(rows, "loss")) return written;
  const bool dpo = has_key(rows, "chosen_reward");
  chart::LineChartSpec loss;
  loss.title = dpo ? "DPO loss" : "SFT loss";
  loss.x_label = "step";
  loss.y_label = "loss";
  loss.smooth = true;
  loss.series.push_back(metric_series(rows, "loss", "step", path));
  if (!any_finite(loss.series[0])) {
    IV_LOG(warn) << "[train] " << path << " has no finite loss; no loss.png written";
    return written;
  }
  written.push_back(join_path(out_dir, "loss.png"));
  chart::write_line_chart(written.back(), loss);
  if (dpo) {
    chart::LineChartSpec rewards;
    rewards.title = "DPO rewards";
    rewards.x_label = "step";
    rewards.y_label = "reward (β · log-ratio)";
    for (const char* key : {"chosen_reward", "rejected_reward", "margin"})
      if (has_key(rows, key)) rewards.series.push_back(metric_series(rows, key, "step", path));
    bool finite = false;
    for (const auto& s : rewards.series) finite = finite || any_finite(s);
    if (finite) {
      written.push_back(join_path(out_dir, "rewards.png"));
      chart::write_line_chart(written.back(), rewards);
    }
  }
  return written;
}

}  // namespace insightv
