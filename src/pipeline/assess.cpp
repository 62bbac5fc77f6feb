// pipeline/assess.cpp — see assess.h.
#include "pipeline/assess.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>

#include "data/llava_json.h"
#include "data/system_formats.h"
#include "pipeline/datagen.h"
#include "pipeline/scoring.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/progress.h"
#include "util/rng.h"

namespace insightv::pipeline {
namespace {

struct Scored {
  ReasoningPath path;
  bool correct = false;
  double score = 0;
  std::vector<double> step_scores;
  std::string bucket;
};

bool injected(const ReasoningPath& p) {
  return p.provenance.is_object() && p.provenance.contains("mistakes") &&
         !p.provenance["mistakes"].empty();
}

json provenance_of(const Scored& s) {
  return {{"task_id", s.path.task_id}, {"sample", s.path.sample}, {"backend", s.path.backend},
          {"path_score", s.score},     {"bucket", s.bucket},      {"answer_correct", s.correct}};
}

}  // namespace

std::string thoughts_text(const ReasoningPath& p) {
  std::string chain;
  for (const PathStep& st : p.steps) chain += st.title + ": " + st.content + "\n";
  return data::thoughts_block(chain);
}

std::vector<PathStep> steps_from_chain(const std::string& chain) {
  std::string text = chain;
  for (const char* tag : {"<thoughts>", "</thoughts>"})
    for (size_t at; (at = text.find(tag)) != std::string::npos;) text.erase(at, std::string(tag).size());
  std::vector<PathStep> steps;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    start = end + 1;
    const size_t a = line.find_first_not_of(" \t\r");
    if (a == std::string::npos) continue;
    line = line.substr(a, line.find_last_not_of(" \t\r") - a + 1);
    PathStep st;
    st.next_action = "continue";
    const size_t colon = line.find(": ");
    if (colon != std::string::npos && colon > 0) {
      st.title = line.substr(0, colon);
      st.content = line.substr(colon + 2);
    } else {
      st.title = "Step";
      st.content = line;
    }
    steps.push_back(std::move(st));
  }
  if (!steps.empty()) steps.back().next_action = "final_answer";
  return steps;
}

std::pair<int, int> select_preference_pair(const std::vector<bool>& correct, const std::vector<double>& scores,
                                           double margin) {
  int chosen = -1, rejected = -1;
  const int n = static_cast<int>(std::min(correct.size(), scores.size()));
  for (int i = 0; i < n; ++i)
    if (correct[i] && (chosen < 0 || scores[i] > scores[chosen])) chosen = i;
  if (chosen < 0) return {-1, -1};
  for (int i = 0; i < n; ++i)
    if (!correct[i] && (rejected < 0 || scores[i] < scores[rejected])) rejected = i;
  if (rejected < 0)
    for (int i = 0; i < n; ++i)
      if (correct[i] && scores[i] <= scores[chosen] - margin && (rejected < 0 || scores[i] < scores[rejected]))
        rejected = i;
  if (rejected < 0) return {-1, -1};
  return {chosen, rejected};
}

double auroc(const std::vector<double>& pos, const std::vector<double>& neg) {
  if (pos.empty() || neg.empty()) return 0.5;
  std::vector<std::pair<double, int>> all;
  for (double v : pos) all.push_back({v, 1});
  for (double v : neg) all.push_back({v, 0});
  std::sort(all.begin(), all.end());
  // Mann–Whitney U with average ranks for ties.
  double rank_sum = 0;
  for (size_t i = 0; i < all.size();) {
    size_t j = i;
    while (j < all.size() && all[j].first == all[i].first) ++j;
    const double avg = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2.0;
    for (size_t k = i; k < j; ++k)
      if (all[k].second) rank_sum += avg;
    i = j;
  }
  const double np = static_cast<double>(pos.size()), nn = static_cast<double>(neg.size());
  return (rank_sum - np * (np + 1) / 2) / (np * nn);
}

std::string AssessReport::to_text() const {
  char buf[1024];
  std::string s;
  std::snprintf(buf, sizeof buf,
                "assess: %lld paths over %lld questions (judge %s, scorer %s)\n"
                "  answer accept rate %.1f%%, %.2f steps/path, buckets high %lld / mid %lld / "
                "low %lld / wrong %lld\n",
                j["paths"].get<long long>(), j["questions"].get<long long>(),
                j["judge"].get<std::string>().c_str(), j["scorer"].get<std::string>().c_str(),
                100.0 * j["accept_rate"].get<double>(), j["steps_per_path"].get<double>(),
                j["buckets"]["high"].get<long long>(), j["buckets"]["mid"].get<long long>(),
                j["buckets"]["low"].get<long long>(), j["buckets"]["wrong"].get<long long>());
  s += buf;
  s += "  score histogram (1-100, 10 bins):";
  for (const json& v : j["score_histogram"]) s += " " + std::to_string(v.get<long long>());
  s += "\n";
  if (j.contains("mistakes")) {
    const json& m = j["mistakes"];
    std::snprintf(buf, sizeof buf,
                  "  injected-mistake paths %lld: caught by the answer filter %lld, by the step "
                  "scorer %lld, missed %lld; clean paths %lld (%lld not High), AUROC clean vs "
                  "injected %.3f\n",
                  m["injected"].get<long long>(), m["caught_by_answer_filter"].get<long long>(),
                  m["caught_by_scorer"].get<long long>(), m["missed"].get<long long>(),
                  m["clean"].get<long long>(), m["clean_not_high"].get<long long>(),
                  m["auroc_clean_vs_injected"].get<double>());
    s += buf;
  }
  std::snprintf(buf, sizeof buf, "  wrote reason %lld, summary %lld (sound %lld, flawed %lld), pairs %lld to %s\n",
                j["reason_samples"].get<long long>(), j["summary_samples"].get<long long>(),
                j["summary_sound"].get<long long>(), j["summary_flawed"].get<long long>(),
                j["pairs"].get<long long>(), j["out"].get<std::string>().c_str());
  return s + buf;
}

AssessReport run_assess(const AssessConfig& cfg) {
  check(cfg.mid_threshold <= cfg.high_threshold, "assess", "mid threshold above high threshold",
        "pass --mid below --high");
  const auto t0 = std::chrono::steady_clock::now();
  const std::vector<world::Task> tasks = world::read_tasks(cfg.tasks);
  const std::string root = world::tasks_root(cfg.tasks);
  const std::string in_file = is_directory(cfg.in) ? join_path(cfg.in, "paths.jsonl") : cfg.in;
  check(file_exists(in_file), "assess", "no paths file '" + in_file + "'",
        "run `insightv datagen` (and `insightv datagen merge` for shards) first");
  std::map<std::string, std::vector<Scored>> by_task;
  int64_t n_paths = 0;
  for (const json& j : read_paths(in_file)) {
    Scored s;
    s.path = path_from_json(j, in_file);
    by_task[s.path.task_id].push_back(std::move(s));
    ++n_paths;
  }
  make_dirs(cfg.out);
  auto judge = make_judge(cfg.judge, cfg.backend_options);
  auto scorer = make_scorer(cfg.scorer, cfg.backend_options);
  Rng rng(cfg.seed);

  std::vector<json> assessed, reason, pairs;
  std::vector<json> sound, flawed;
  std::vector<long long> hist(10, 0);
  std::map<std::string, long long> buckets = {{"high", 0}, {"mid", 0}, {"low", 0}, {"wrong", 0}};
  long long correct = 0, steps = 0, inj = 0, clean = 0, by_filter = 0, by_scorer = 0, missed = 0;
  long long clean_rejected = 0;  // clean paths that end up outside High (false alarms)
  std::vector<double> clean_scores, inj_scores;
  int64_t questions = 0;
  Progress bar("assess", static_cast<int64_t>(by_task.size()), "questions");
  for (const world::Task& t : tasks) {
    auto it = by_task.find(t.id);
    if (it == by_task.end()) continue;
    ++questions;
    std::vector<Scored>& ps = it->second;
    std::sort(ps.begin(), ps.end(), [](const Scored& a, const Scored& b) { return a.path.sample < b.path.sample; });
    std::vector<ReasoningPath> paths;
    for (Scored& s : ps) {
      s.correct = judge->correct(t, s.path.final_answer);
      paths.push_back(s.path);
    }
    std::vector<std::vector<double>> step_scores;
    const std::vector<double> scores = scorer->score(t, paths, &step_scores);
    const std::string image = data::relative_path(join_path(root, t.image), cfg.out);
    const std::string prompt = data::task_prompt(t);
    for (size_t i = 0; i < ps.size(); ++i) {
      Scored& s = ps[i];
      s.score = scores[i];
      if (i < step_scores.size()) s.step_scores = step_scores[i];
      s.bucket = !s.correct ? "wrong" : s.score >= cfg.high_threshold ? "high"
                                       : s.score >= cfg.mid_threshold ? "mid" : "low";
      ++buckets[s.bucket];
      correct += s.correct;
      steps += static_cast<long long>(s.path.steps.size());
      ++hist[std::min(9, static_cast<int>((s.score - 1) / 9.9))];
      if (!s.path.provenance.is_null()) {
        if (injected(s.path)) {
          ++inj;
          inj_scores.push_back(s.score);
          if (!s.correct) ++by_filter;
          else if (s.bucket != "high") ++by_scorer;
          else ++missed;
        } else {
          ++clean;
          clean_scores.push_back(s.score);
          clean_rejected += s.bucket != "high";
        }
      }
      json row = path_to_json(s.path);
      row["answer_correct"] = s.correct;
      row["step_scores"] = s.step_scores;
      row["path_score"] = s.score;
      row["bucket"] = s.bucket;
      assessed.push_back(row);
    }
    // Reasoning set: the top-scored correct paths.
    std::vector<const Scored*> ranked;
    for (const Scored& s : ps)
      if (s.correct && (!cfg.reason_high_only || s.bucket == "high")) ranked.push_back(&s);
    std::stable_sort(ranked.begin(), ranked.end(), [](const Scored* a, const Scored* b) { return a->score > b->score; });
    for (int k = 0; k < cfg.reason_per_question && k < static_cast<int>(ranked.size()); ++k) {
      const Scored& s = *ranked[k];
      json r{{"id", t.id + "-p" + std::to_string(s.path.sample)}, {"image", image},
             {"conversations", json::array({{{"from", "human"}, {"value", "<image>\n" + prompt + data::kReasoningSuffix}},
                                            {{"from", "gpt"}, {"value", thoughts_text(s.path)}}})}};
      r["provenance"] = provenance_of(s);
      reason.push_back(r);
    }
    // Summary candidates: the best high path is sound; one path per flawed bucket is flawed.
    auto summary_sample = [&](const Scored& s, bool is_sound) {
      json r{{"id", t.id + "-s" + std::to_string(s.path.sample)}, {"image", image},
             {"conversations", json::array({{{"from", "human"}, {"value", data::summary_question("<image>\n" + prompt, thoughts_text(s.path))}},
                                            {{"from", "gpt"}, {"value", data::answer_reply(t, cfg.answer_style)}}})}};
      r["provenance"] = provenance_of(s);
      r["provenance"]["sound"] = is_sound;
      return r;
    };
    if (!ranked.empty() && ranked[0]->bucket == "high") sound.push_back(summary_sample(*ranked[0], true));
    for (const char* b : {"mid", "low", "wrong"}) {
      for (const Scored& s : ps)
        if (s.bucket == b) {
          flawed.push_back(summary_sample(s, false));
          break;
        }
    }
    // Preference pair: chosen = correct & best; rejected = the worst wrong path, else the worst
    // correct path at least pair_margin below the chosen one.
    {
      std::vector<bool> ok;
      std::vector<double> sc;
      for (const Scored& s : ps) {
        ok.push_back(s.correct);
        sc.push_back(s.score);
      }
      const auto [ci, ri] = select_preference_pair(ok, sc, cfg.pair_margin);
      if (ci >= 0) {
        const Scored* chosen = &ps[static_cast<size_t>(ci)];
        const Scored* rejected = &ps[static_cast<size_t>(ri)];
        json pr{{"id", t.id}, {"image", image}, {"prompt", prompt + data::kReasoningSuffix},
                {"chosen", thoughts_text(chosen->path)}, {"rejected", thoughts_text(rejected->path)},
                {"answer", t.answer}};
        pr["provenance"] = {{"chosen", provenance_of(*chosen)}, {"rejected", provenance_of(*rejected)}};
        pairs.push_back(pr);
      }
    }
    bar.add(1);
  }
  bar.finish();

  // The sound:flawed mix of the summary set.
  rng.shuffle(flawed);
  rng.shuffle(sound);
  const double ratio = std::max(1e-9, cfg.sound_to_flawed);
  if (static_cast<double>(flawed.size()) * ratio >= static_cast<double>(sound.size()))
    flawed.resize(std::min(flawed.size(), static_cast<size_t>(std::ceil(sound.size() / ratio))));
  else
    sound.resize(std::min(sound.size(), static_cast<size_t>(std::ceil(flawed.size() * ratio))));
  std::vector<json> summary = sound;
  summary.insert(summary.end(), flawed.begin(), flawed.end());
  std::sort(summary.begin(), summary.end(), [](const json& a, const json& b) { return a["id"] < b["id"]; });

  write_jsonl_atomic(join_path(cfg.out, "assessed.jsonl"), assessed);
  write_json_file(join_path(cfg.out, "reason.json"), reason);
  write_json_file(join_path(cfg.out, "summary.json"), summary);
  write_jsonl_atomic(join_path(cfg.out, "pairs.jsonl"), pairs);

  AssessReport rep;
  json& j = rep.j;
  j = {{"paths", n_paths},
       {"questions", questions},
       {"judge", judge->name()},
       {"scorer", scorer->name()},
       {"accept_rate", n_paths ? static_cast<double>(correct) / n_paths : 0.0},
       {"steps_per_path", n_paths ? static_cast<double>(steps) / n_paths : 0.0},
       {"buckets", buckets},
       {"thresholds", {{"high", cfg.high_threshold}, {"mid", cfg.mid_threshold}}},
       {"score_histogram", hist},
       {"reason_samples", reason.size()},
       {"summary_samples", summary.size()},
       {"summary_sound", sound.size()},
       {"summary_flawed", flawed.size()},
       {"pairs", pairs.size()},
       {"out", cfg.out},
       {"seconds", std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()}};
  if (inj + clean > 0)
    j["mistakes"] = {{"injected", inj},
                     {"clean", clean},
                     {"caught_by_answer_filter", by_filter},
                     {"caught_by_scorer", by_scorer},
                     {"missed", missed},
                     {"clean_not_high", clean_rejected},
                     {"auroc_clean_vs_injected", auroc(clean_scores, inj_scores)}};
  write_json_file(join_path(cfg.out, "report.json"), j);
  return rep;
}

}  // namespace insightv::pipeline
