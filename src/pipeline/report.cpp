// pipeline/report.cpp — see report.h.
#include "pipeline/report.h"

#include <cstdio>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <vector>

#include "io/chart.h"
#include "pipeline/run_pipeline.h"
#include "train/charts.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/log.h"

namespace insightv::pipeline {

namespace {

struct PaperRow {
  const char* system;   // our eval folder name
  const char* label;    // the paper's row
  const char* table;
  double paper_avg;     // PAPER.md §4.4–4.5, Avg column
};

const PaperRow kRows[] = {
    {"baseline", "Baseline (base model, direct answer)", "T3", 59.2},
    {"direct_sft", "Vanilla – Direct SFT (one model, chain + answer)", "T3", 60.6},
    {"multi_turn", "Multi-turn supervised (one model, two turns)", "T3", 61.0},
    {"summary_only", "Summary agent only (no chain)", "T3", 59.8},
    {"multi_agent", "Multi-agent (reasoning + summary agents)", "T3/T4", 62.1},
    {"dpo_1", "+ DPO (1 round)", "T4", 62.7},
    {"dpo_iterative", "+ Iterative DPO (all rounds)", "T4", 63.3},
};

std::string pct(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f", 100.0 * v);
  return b;
}

std::string fixed(double v, int digits) {
  char b[32];
  std::snprintf(b, sizeof b, "%.*f", digits, v);
  return b;
}

json read_or_null(const std::string& path) { return file_exists(path) ? read_json_file(path) : json(); }

// {acc, ci_low, ci_high, n, correct} from one of eval's accuracy objects.
std::string acc_cell(const json& a) {
  if (!a.is_object() || !a.contains("acc")) return "n/a";
  return pct(a["acc"].get<double>()) + " [" + pct(a.value("ci_low", 0.0)) + ", " + pct(a.value("ci_high", 0.0)) +
         "] (n=" + std::to_string(a.value("n", 0)) + ")";
}

std::string short_acc(const json& a) {
  if (!a.is_object() || !a.contains("acc")) return "n/a";
  return pct(a["acc"].get<double>());
}

double acc_of(const json& r) {
  return r.is_object() && r.contains("overall") ? r["overall"].value("acc", -1.0) : -1.0;
}

// Accuracy bars: one group per `groups` entry, one series per system (or one series overall).
void accuracy_bars(const std::string& path, const std::string& title, const std::vector<std::string>& series,
                   const std::vector<std::string>& groups, const std::function<json(size_t s, size_t g)>& cell) {
  chart::BarChartSpec spec;
  spec.title = title;
  spec.y_label = "accuracy (%)";
  spec.series_names = series;
  spec.y_min = 0;
  spec.y_max = 100;
  spec.value_labels = series.size() <= 2;
  spec.width = std::max(900, static_cast<int>(groups.size() * series.size() * 18 + 200));
  for (size_t g = 0; g < groups.size(); ++g) {
    chart::BarGroup bg;
    bg.label = groups[g];
    for (size_t s = 0; s < series.size(); ++s) {
      const json a = cell(s, g);
      const bool ok = a.is_object() && a.contains("acc");
      bg.values.push_back(ok ? 100 * a["acc"].get<double>() : 0.0);
      bg.err_low.push_back(ok ? 100 * a.value("ci_low", 0.0) : 0.0);
      bg.err_high.push_back(ok ? 100 * a.value("ci_high", 0.0) : 0.0);
    }
    spec.groups.push_back(std::move(bg));
  }
  chart::write_bar_chart(path, spec);
}

// One line per run of `metric` against its step, from <run>/metrics.jsonl; runs without it are left out.
bool metric_lines(const std::string& path, const std::string& title, const std::string& metric,
                  const std::vector<std::pair<std::string, std::string>>& runs) {
  chart::LineChartSpec spec;
  spec.title = title;
  spec.x_label = "step";
  spec.y_label = metric;
  spec.smooth = true;
  for (const auto& [name, dir] : runs) {
    const std::string f = join_path(dir, "metrics.jsonl");
    if (!file_exists(f)) continue;
    JsonlOptions o;
    o.allow_truncated_tail = true;
    const auto rows = read_jsonl(f, o);
    if (rows.empty()) continue;
    try {
      chart::Series sr = metric_series(rows, metric, "step", f);
      sr.name = name;
      spec.series.push_back(std::move(sr));
    } catch (const Error& e) {
      IV_LOG(warn) << "report: " << e.what();
    }
  }
  if (spec.series.empty()) return false;
  chart::write_line_chart(path, spec);
  return true;
}

}  // namespace

json write_pipeline_report(const std::string& out, const json& preset) {
  std::map<std::string, json> results;
  for (const PaperRow& row : kRows) results[row.system] = read_or_null(join_path(out, "eval/" + std::string(row.system) + "/results.json"));

  std::ostringstream md;
  md << "# Insight-V at nano scale — pipeline report\n\n"
     << "Preset `" << preset.value("name", "?") << "`: " << preset.value("train_tasks", 0) << " VisWorld train tasks, "
     << preset.value("test_tasks", 0) << " held-out test tasks (7 families, difficulties 1–3), every model trained from "
     << "scratch on this machine. Accuracy is on the test split with 95% Wilson intervals.\n\n";

  // Main table: the paper's Tables 3 and 4 beside ours.
  md << "## Tables 3 and 4, side by side\n\n"
     << "The paper's column is its average over MMMU, ChartQA, MathVista and MMStar (PAPER.md §4.4–4.5); ours is "
        "VisWorld test accuracy, so compare the order of the rows, not the values.\n\n"
     << "| system | paper (avg %) | ours: accuracy % [95% CI] | ours: perception family % |\n|---|---|---|---|\n";
  json table = json::array();
  for (const PaperRow& row : kRows) {
    const json& r = results[row.system];
    json perception = r.is_object() && r.contains("by_category") && r["by_category"].contains("perception")
                          ? r["by_category"]["perception"] : json();
    std::string label = row.label;
    if (std::string(row.system) == "dpo_iterative")
      label = "+ Iterative DPO (" + std::to_string(preset.value("dpo_rounds", 3)) + " rounds; paper: 3)";
    md << "| " << label << " | " << fixed(row.paper_avg, 1) << " (" << row.table << ") | "
       << (r.is_object() ? acc_cell(r["overall"]) : "not run") << " | " << short_acc(perception) << " |\n";
    table.push_back({{"system", row.system}, {"paper_avg", row.paper_avg}, {"ours", r.is_object() ? r["overall"] : json()},
                     {"perception", perception}});
  }

  // Does the paper's ordering hold?
  md << "\n## Does the paper's ordering hold here?\n\n";
  json checks = json::array();
  auto check_order = [&](const char* better, const char* worse, const char* claim) {
    const double a = acc_of(results[better]), b = acc_of(results[worse]);
    std::string verdict;
    if (a < 0 || b < 0) verdict = "not measured";
    else {
      const json& ra = results[better]["overall"];
      const json& rb = results[worse]["overall"];
      const bool overlap = ra.value("ci_low", 0.0) <= rb.value("ci_high", 1.0) && rb.value("ci_low", 0.0) <= ra.value("ci_high", 1.0);
      verdict = a > b ? (overlap ? "holds, but within the confidence intervals" : "holds")
                      : (overlap ? "does not hold (the difference is within the confidence intervals)" : "does not hold");
      verdict += " (" + pct(a) + " vs " + pct(b) + ")";
    }
    md << "- " << claim << ": **" << verdict << "**\n";
    checks.push_back({{"claim", claim}, {"verdict", verdict}});
  };
  check_order("multi_agent", "direct_sft", "multi-agent above direct SFT (Table 3)");
  check_order("multi_agent", "baseline", "multi-agent above the baseline (Table 3)");
  check_order("multi_agent", "multi_turn", "multi-agent above multi-turn (Table 3)");
  check_order("dpo_1", "multi_agent", "one DPO round above SFT only (Table 4)");
  check_order("dpo_iterative", "dpo_1", "iterative DPO above one round (Table 4)");

  // Per family and per difficulty.
  std::set<std::string> families;
  std::set<std::string> difficulties;
  for (const auto& [name, r] : results) {
    if (!r.is_object()) continue;
    if (r.contains("by_category")) for (auto it = r["by_category"].begin(); it != r["by_category"].end(); ++it) families.insert(it.key());
    if (r.contains("by_difficulty")) for (auto it = r["by_difficulty"].begin(); it != r["by_difficulty"].end(); ++it) difficulties.insert(it.key());
  }
  auto grid = [&](const char* title, const char* key, const std::set<std::string>& cols) {
    md << "\n## " << title << "\n\n| system |";
    for (const auto& f : cols) md << " " << f << " |";
    md << "\n|---|";
    for (size_t i = 0; i < cols.size(); ++i) md << "---|";
    md << "\n";
    for (const PaperRow& row : kRows) {
      const json& r = results[row.system];
      if (!r.is_object()) continue;
      md << "| " << row.system << " |";
      for (const auto& f : cols) md << " " << (r.contains(key) && r[key].contains(f) ? short_acc(r[key][f]) : "n/a") << " |";
      md << "\n";
    }
  };
  grid("Accuracy (%) by family", "by_category", families);
  grid("Accuracy (%) by difficulty", "by_difficulty", difficulties);

  // The grounding probe (eval/probe.h) of the base model: does its answer depend on the image?
  const std::string probe_md = join_path(out, "eval/probe_base/probe.md");
  json probe = read_or_null(join_path(out, "eval/probe_base/probe.json"));
  if (file_exists(probe_md)) {
    md << "\n## Grounding probe (base model)\n\nCross-entropy of the answer's first token (the option letter, or "
          "the first token of a free answer) with each test task's own image and with the image of another task "
          "of the same family (fixed seeded pairing). A model that ignores the image has a gap near 0; first-token "
          "accuracy is greedy, per difficulty. With another `answer_style` than letter, the whole reply the model "
          "was trained to give is scored instead (said above the table). From `insightv eval --probe`.\n\n"
       << read_file(probe_md);
  }
  const json vision = read_or_null(join_path(out, "vision/vision.json"));
  if (vision.is_object() && vision.contains("heldout") && vision["heldout"].is_object()) {
    const json& h = vision["heldout"];
    // A held-out figure as a percentage, or with `digits` decimals; "n/a" when the stage did not report it.
    auto a = [&](const char* head, const char* key, int digits = -1) {
      if (!h.contains(head) || !h[head].contains(key)) return std::string("n/a");
      const double v = h[head][key].get<double>();
      return digits < 0 ? pct(v) : fixed(v, digits);
    };
    md << "\n## Vision stage\n\nThe tower alone, on " << h.value("images", 0)
       << " held-out generated images: per-patch colour " << a("color", "accuracy") << " % (on coloured patches "
       << a("color", "accuracy_non_none") << " %), shape " << a("shape", "accuracy") << " % (on objects "
       << a("shape", "accuracy_non_none") << " %), printed number " << a("number", "accuracy") << " % (on numbers "
       << a("number", "accuracy_non_none") << " %); clock hour " << a("hour", "accuracy") << " %, minute "
       << a("minute", "accuracy") << " %.";
    md << " Variance share (the part of the object patches' features that the label explains; a decoder "
          "learning from scratch reads a label roughly in proportion to it, docs/vision.md): colour "
       << a("color", "variance_share", 3) << ", shape " << a("shape", "variance_share", 3) << ".\n";
  }

  // DPO rounds.
  const json dpo = read_or_null(join_path(out, "dpo/report.json"));
  if (dpo.is_object()) {
    md << "\n## Iterative DPO rounds\n\nEach round samples chains from the current reasoning agent on new train "
          "questions; the summary agent answers each chain, the answer is judged against the ground truth and the "
          "verifier scores the steps; pairs train the policy against the round's starting point.\n\n";
    const std::string path = join_path(out, "dpo/report.md");
    if (file_exists(path)) md << read_file(path);
  }

  // Charts.
  const std::string charts = join_path(out, "charts");
  std::vector<std::string> sys_present;
  for (const PaperRow& row : kRows)
    if (results[row.system].is_object()) sys_present.push_back(row.system);
  std::vector<std::string> fam(families.begin(), families.end()), dif(difficulties.begin(), difficulties.end());
  std::vector<std::string> written;
  try {
    if (!sys_present.empty()) {
      accuracy_bars(join_path(charts, "accuracy_by_system.png"), "VisWorld test accuracy by system (95% CI)",
                    {"accuracy"}, sys_present, [&](size_t, size_t g) { return results[sys_present[g]]["overall"]; });
      written.push_back("accuracy_by_system.png");
      auto by = [&](const char* key, const std::vector<std::string>& cols) {
        return [&, key](size_t s, size_t g) {
          const json& r = results[sys_present[s]];
          return r.contains(key) && r[key].contains(cols[g]) ? r[key][cols[g]] : json();
        };
      };
      if (!fam.empty()) {
        accuracy_bars(join_path(charts, "accuracy_by_family.png"), "Accuracy by family", sys_present, fam,
                      by("by_category", fam));
        written.push_back("accuracy_by_family.png");
      }
      if (!dif.empty()) {
        std::vector<std::string> labels;
        for (const auto& d : dif) labels.push_back("difficulty " + d);
        accuracy_bars(join_path(charts, "accuracy_by_difficulty.png"), "Accuracy by difficulty", sys_present, labels,
                      by("by_difficulty", dif));
        written.push_back("accuracy_by_difficulty.png");
      }
    }
    std::vector<std::pair<std::string, std::string>> sft_runs;
    for (const char* s : {"base", "reason", "summary", "cot", "multi_turn", "summary_only"})
      sft_runs.push_back({s, join_path(out, s)});
    if (metric_lines(join_path(charts, "sft_loss.png"), "SFT training loss per stage", "loss", sft_runs))
      written.push_back("sft_loss.png");
    std::vector<std::pair<std::string, std::string>> dpo_runs;
    for (int r = 1; r <= 16; ++r) {
      const std::string d = join_path(out, "dpo/round-" + std::to_string(r) + "/model");
      if (file_exists(d)) dpo_runs.push_back({"round " + std::to_string(r), d});
    }
    if (metric_lines(join_path(charts, "dpo_margin.png"), "DPO reward margin per step, by round", "margin", dpo_runs))
      written.push_back("dpo_margin.png");
    if (metric_lines(join_path(charts, "dpo_loss.png"), "DPO loss per step, by round", "loss", dpo_runs))
      written.push_back("dpo_loss.png");
  } catch (const Error& e) {
    IV_LOG(warn) << "report: a chart failed: " << e.what();
  }
  if (!written.empty()) {
    md << "\n## Charts\n\n";
    for (const auto& w : written) md << "![" << w << "](charts/" << w << ")\n\n";
  }

  // Stages: training and timings.
  md << "\n## Stages\n\n| stage | seconds | peak memory (MiB) | summary |\n|---|---|---|---|\n";
  double total = 0;
  json stages = json::object();
  for (const std::string& s : pipeline_stage_names()) {
    const json rec = read_or_null(join_path(out, s + "/stage.json"));
    if (!rec.is_object()) continue;
    const double sec = rec.value("seconds", 0.0);
    total += sec;
    stages[s] = rec;
    std::string note;
    const json& sum = rec["summary"];
    if (sum.is_object() && sum.contains("last_loss"))
      note = std::to_string(sum.value("examples", 0)) + " examples, " + std::to_string(sum.value("steps", 0)) +
             " steps, loss " + fixed(sum.value("first_loss", 0.0), 3) + " → " + fixed(sum.value("last_loss", 0.0), 3) +
             ", " + fixed(sum.value("tokens_per_s", 0.0), 0) + " tokens/s";
    else if (s == "assess" && sum.is_object())
      note = std::to_string(sum.value("paths", 0)) + " paths, accept rate " + fixed(sum.value("accept_rate", 0.0), 3);
    else if (s == "datagen" && sum.is_object())
      note = std::to_string(sum.value("generated", 0)) + " paths generated";
    // The stage's own peak; a record from before per-stage peaks (or a kernel that refused the
    // reset) holds the process's peak so far, marked "≤".
    std::string peak = "—";
    if (rec.contains("peak_rss_mib"))
      peak = (rec.value("peak_rss_scope", "process") == "stage" ? "" : "≤ ") + fixed(rec.value("peak_rss_mib", 0.0), 0);
    md << "| " << s << " | " << fixed(sec, 0) << " | " << peak << " | " << note << " |\n";
  }
  md << "| **total** | **" << fixed(total, 0) << "** | | (" << fixed(total / 60.0, 1)
     << " min, stage times of the runs that produced these outputs) |\n";

  json summary{{"table", table}, {"checks", checks}, {"total_seconds", total}, {"preset", preset}};
  if (probe.is_object()) summary["probe_base"] = probe;
  if (vision.is_object()) summary["vision"] = vision;
  write_file_atomic(join_path(out, "report.md"), md.str());
  write_json_file(join_path(out, "report.json"), {{"summary", summary}, {"results", results}, {"stages", stages}});
  return summary;
}

}  // namespace insightv::pipeline
