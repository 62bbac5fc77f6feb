// server/report_folder.h — the report viewer's source: a pipeline output folder's report.md,
// report.json and charts/*.png (what `insightv pipeline`'s report stage writes).
//
//   ReportFolder r = ReportFolder::open("runs/nano");
//   json j = r.info();                         // {"markdown": "...", "report": {...}, "charts": ["a.png", ...]}
//   std::string png = r.chart("sft_loss.png");  // only names listed in info()["charts"]
//
// The chart names are listed once at open(); a request can name only one of them, so no path
// from a request ever reaches the file system. Immutable after open(); thread-safe.
#pragma once

#include <string>
#include <vector>

#include "io/json.h"

namespace insightv {

class ReportFolder {
 public:
  // Throws Error when `dir` has neither report.md nor report.json.
  static ReportFolder open(const std::string& dir);
  json info() const;  // markdown (read now: the report may be rewritten by a rerun), report.json, charts
  std::string chart(const std::string& name) const;  // throws Error for a name not listed
  const std::vector<std::string>& charts() const { return charts_; }

 private:
  std::string dir_;
  std::vector<std::string> charts_;
};

}  // namespace insightv
