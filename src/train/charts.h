// train/charts.h — PNG charts of a training run, drawn from its metrics.jsonl.
//
//   write_training_charts("runs/sft");   // runs/sft/loss.png (+ rewards.png for a DPO run)
//
//   auto rows = read_jsonl("runs/dpo/metrics.jsonl");
//   chart::Series m = metric_series(rows, "margin");   // x = "step", y = "margin"
//
// The trainers call write_training_charts at the end of run() when they have an out_dir; the
// file they read includes the history of resumed runs. When a resumed run logs a step again, the
// later row wins (a step's points are kept in order, never doubled back).
// Torch-free. Not here: drawing (io/chart.h).
#pragma once

#include <string>
#include <vector>

#include "io/chart.h"
#include "io/json.h"

namespace insightv {

// The series of `y_key` against `x_key` (the row's 1-based index when rows lack x_key). Rows
// without a numeric y_key give NaN (a gap). Throws Error when no row has y_key, naming the
// columns that exist.
chart::Series metric_series(const std::vector<json>& rows, const std::string& y_key,
                            const std::string& x_key = "step", const std::string& source = "metrics");

// Writes OUT/loss.png (loss per step, raw and smoothed) and, when the rows carry DPO rewards,
// OUT/rewards.png (chosen and rejected rewards and their margin). Returns the files written;
// none when OUT/metrics.jsonl is missing or holds no finite loss (a warning is logged).
std::vector<std::string> write_training_charts(const std::string& out_dir);

}  // namespace insightv
