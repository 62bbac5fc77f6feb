// pipeline/report.h — the pipeline's report: the paper's Tables 3 and 4 side by side with the
// nano run's measured accuracies, per-family and per-difficulty tables, the DPO rounds, the
// training losses, and PNG charts.
//
//   json summary = write_pipeline_report("runs/nano", preset.to_json());
//   // runs/nano/report.md, report.json, charts/*.png
//
// Reads what the stages wrote: eval/<system>/results.json, dpo/report.json, <stage>/stage.json
// and the training runs' metrics.jsonl. The paper's numbers are PAPER.md §4.4–4.5 (averages over
// MMMU, ChartQA, MathVista, MMStar on the paper's base model); ours are VisWorld test accuracy,
// so only the ORDER of the rows is comparable, and the report says whether it holds.
#pragma once
#include <string>

#include "io/json.h"

namespace insightv::pipeline {

json write_pipeline_report(const std::string& out_dir, const json& preset);

}  // namespace insightv::pipeline
