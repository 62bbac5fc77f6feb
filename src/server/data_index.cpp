// server/data_index.cpp — reading datagen/assess folders into compact rows; filters and pages.
#include "server/data_index.h"

#include <dirent.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>

#include "util/error.h"
#include "util/fs.h"

namespace insightv {

namespace {

const char* const kBuckets[] = {"high", "mid", "low", "wrong", "unscored"};

int bucket_code(const std::string& b) {
  for (int i = 0; i < 5; ++i)
    if (b == kBuckets[i]) return i;
  return -1;
}

std::vector<std::string> sub_folders(const std::string& dir) {
  std::vector<std::string> out;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      const std::string name = e->d_name;
      if (name != "." && name != ".." && is_directory(join_path(dir, name))) out.push_back(join_path(dir, name));
    }
    closedir(d);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// tasks.jsonl files under a world folder: WORLD/tasks.jsonl and WORLD/<split>/tasks.jsonl.
void world_task_files(const std::string& world, std::vector<std::string>* out) {
  if (file_exists(join_path(world, "tasks.jsonl"))) out->push_back(join_path(world, "tasks.jsonl"));
  for (const std::string& split : sub_folders(world))
    if (file_exists(join_path(split, "tasks.jsonl"))) out->push_back(join_path(split, "tasks.jsonl"));
}

// "bar_chart-train-000001" → "bar_chart": the family when no task record says it.
std::string family_from_id(const std::string& id) {
  for (const char* split : {"-train-", "-test-", "-val-"}) {
    const size_t at = id.find(split);
    if (at != std::string::npos) return id.substr(0, at);
  }
  const size_t dash = id.rfind('-');
  return dash == std::string::npos || dash == 0 ? id : id.substr(0, dash);
}

std::string str(const json& j, const char* key) {
  if (!j.contains(key)) return "";
  const json& v = j[key];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  return v.dump();
}

// Calls f(line, offset) for every line of a file (without its newline).
template <class F>
void for_each_line(const std::string& path, F&& f) {
  std::ifstream in(path, std::ios::binary);
  check(in.good(), "data", "cannot open " + path);
  std::string line;
  uint64_t offset = 0;
  while (std::getline(in, line)) {
    const uint64_t at = offset;
    offset += line.size() + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    try {
      f(line, at);
    } catch (const json::exception&) {
      // a record with a field of the wrong type: left out of the index, like a torn line
    }
  }
}

}  // namespace

std::string DataIndex::step_verdict(double s) {
  if (s >= 85) return "verified";
  if (s == 30) return "irrelevant";
  if (s < 50) return "false claim";
  return "doubtful";
}

std::string DataIndex::read_range(const std::string& file, uint64_t offset, uint32_t length) {
  std::ifstream in(file, std::ios::binary);
  check(in.good(), "data", "cannot open " + file, "was the folder moved while the server runs?");
  std::string s(length, '\0');
  in.seekg(static_cast<std::streamoff>(offset));
  in.read(s.data(), length);
  check(in.gcount() == static_cast<std::streamsize>(length), "data", file + " is shorter than when it was indexed",
        "was the file rewritten while the server runs? restart the server");
  return s;
}

DataIndex DataIndex::open(const DataSource& src) {
  const auto t0 = std::chrono::steady_clock::now();
  DataIndex d;
  const std::string& dir = src.dir;
  check(is_directory(dir), "data", "no such folder: " + dir,
        "give a pipeline output folder (with assess/ and world/) or an assess or datagen folder");
  // The paths: assessed when there is an assessment, else datagen's raw paths.
  for (const std::string& candidate :
       {join_path(dir, "assess/assessed.jsonl"), join_path(dir, "datagen/paths.jsonl"), join_path(dir, "assessed.jsonl"),
        join_path(dir, "paths.jsonl")})
    if (file_exists(candidate)) {
      d.paths_file_ = candidate;
      break;
    }
  check(!d.paths_file_.empty(), "data", "no assess/assessed.jsonl, datagen/paths.jsonl, assessed.jsonl or paths.jsonl in " + dir,
        "run `insightv datagen` / `insightv assess` (or `insightv pipeline`) into it first");
  const bool pipeline_layout = d.paths_file_ == join_path(dir, "assess/assessed.jsonl") ||
                               d.paths_file_ == join_path(dir, "datagen/paths.jsonl");
  if (pipeline_layout) d.root_ = dir;
  const std::string paths_dir = parent_dir(d.paths_file_);
  if (file_exists(join_path(paths_dir, "report.json")) && d.paths_file_.find("assessed.jsonl") != std::string::npos)
    d.assess_report_ = read_json_file(join_path(paths_dir, "report.json"));

  // The tasks the paths answer.
  if (!src.tasks.empty()) {
    if (is_directory(src.tasks)) world_task_files(src.tasks, &d.task_files_);
    else d.task_files_.push_back(src.tasks);
    check(!d.task_files_.empty(), "data", "no tasks.jsonl in " + src.tasks);
  } else if (pipeline_layout) {
    world_task_files(join_path(dir, "world"), &d.task_files_);
  } else {
    world_task_files(join_path(parent_dir(dir), "world"), &d.task_files_);
    if (d.task_files_.empty() && file_exists(join_path(dir, "tasks.jsonl"))) d.task_files_.push_back(join_path(dir, "tasks.jsonl"));
  }
  std::map<std::string, uint16_t> family_ids;
  auto family_id = [&](const std::string& f) {
    auto it = family_ids.find(f);
    if (it != family_ids.end()) return it->second;
    const auto id = static_cast<uint16_t>(d.families_.size());
    d.families_.push_back(f);
    family_ids[f] = id;
    return id;
  };
  for (uint32_t fi = 0; fi < d.task_files_.size(); ++fi)
    for_each_line(d.task_files_[fi], [&](const std::string& line, uint64_t offset) {
      const json t = json::parse(line, nullptr, false);
      if (!t.is_object() || !t.contains("id")) return;  // a torn tail or a stray line
      TaskRow r;
      r.id = str(t, "id");
      r.family = t.contains("family") ? str(t, "family") : family_from_id(r.id);
      r.question = str(t, "question");
      r.answer = str(t, "answer");
      r.image = str(t, "image");
      r.difficulty = t.value("difficulty", 0);
      r.file = fi;
      r.offset = offset;
      r.length = static_cast<uint32_t>(line.size());
      d.task_by_id_.emplace(r.id, static_cast<int32_t>(d.tasks_.size()));
      d.tasks_.push_back(std::move(r));
    });

  std::map<std::string, uint32_t> kind_bits;
  for_each_line(d.paths_file_, [&](const std::string& line, uint64_t offset) {
    const json p = json::parse(line, nullptr, false);
    if (!p.is_object() || !p.contains("task_id")) return;  // datagen's torn tail after a kill
    PathRow r;
    r.offset = offset;
    r.length = static_cast<uint32_t>(line.size());
    r.task_id = str(p, "task_id");
    r.sample = p.value("sample", 0);
    r.final_answer = str(p, "final_answer");
    if (r.final_answer.size() > 200) r.final_answer = r.final_answer.substr(0, 200) + "…";
    if (p.contains("steps") && p["steps"].is_array()) r.steps = static_cast<uint16_t>(std::min<size_t>(p["steps"].size(), 65535));
    if (p.contains("path_score") && p["path_score"].is_number()) r.score = p["path_score"].get<float>();
    if (p.contains("answer_correct") && p["answer_correct"].is_boolean()) r.correct = p["answer_correct"].get<bool>();
    const int b = bucket_code(str(p, "bucket"));
    r.bucket = static_cast<uint8_t>(b < 0 ? 4 : b);
    if (p.contains("provenance") && p["provenance"].is_object() && p["provenance"].contains("mistakes") &&
        p["provenance"]["mistakes"].is_array())
      for (const json& m : p["provenance"]["mistakes"]) {
        const std::string kind = m.is_object() ? str(m, "kind") : "";
        if (kind.empty()) continue;
        auto it = kind_bits.find(kind);
        if (it == kind_bits.end()) {
          if (d.mistake_kinds_.size() >= 31) continue;  // more kinds than bits: counted as injected only
          it = kind_bits.emplace(kind, static_cast<uint32_t>(d.mistake_kinds_.size())).first;
          d.mistake_kinds_.push_back(kind);
        }
        r.mistakes |= 1u << it->second;
      }
    auto t = d.task_by_id_.find(r.task_id);
    if (t != d.task_by_id_.end()) r.task = t->second;
    r.family = family_id(r.task >= 0 ? d.tasks_[r.task].family : family_from_id(r.task_id));
    d.paths_.push_back(std::move(r));
  });
  d.load_seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return d;
}

json DataIndex::summary() const {
  std::vector<int64_t> fam(families_.size()), buckets(5), kinds(mistake_kinds_.size());
  int64_t clean = 0, with_task = 0;
  for (const PathRow& r : paths_) {
    ++fam[r.family];
    ++buckets[r.bucket];
    clean += r.mistakes == 0;
    with_task += r.task >= 0;
    for (size_t k = 0; k < mistake_kinds_.size(); ++k) kinds[k] += (r.mistakes >> k) & 1u;
  }
  json families = json::object(), b = json::object(), m = json::object();
  for (size_t i = 0; i < families_.size(); ++i) families[families_[i]] = fam[i];
  for (int i = 0; i < 5; ++i) b[kBuckets[i]] = buckets[i];
  for (size_t k = 0; k < mistake_kinds_.size(); ++k) m[mistake_kinds_[k]] = kinds[k];
  json out = {{"paths", paths_.size()},     {"tasks", tasks_.size()},       {"paths_with_task", with_task},
              {"families", families},      {"buckets", b},                 {"mistakes", m},
              {"clean", clean},            {"paths_file", paths_file_},    {"task_files", task_files_},
              {"assessed", paths_file_.find("assessed.jsonl") != std::string::npos},
              {"load_seconds", load_seconds_}, {"pipeline_root", root_}};
  if (!assess_report_.is_null()) out["assess_report"] = assess_report_;
  return out;
}

json DataIndex::row_json(size_t i) const {
  const PathRow& r = paths_[i];
  json mistakes = json::array();
  for (size_t k = 0; k < mistake_kinds_.size(); ++k)
    if ((r.mistakes >> k) & 1u) mistakes.push_back(mistake_kinds_[k]);
  json row = {{"index", i},          {"task_id", r.task_id},         {"sample", r.sample},
              {"family", families_[r.family]}, {"bucket", kBuckets[r.bucket]}, {"steps", r.steps},
              {"final_answer", r.final_answer}, {"mistakes", mistakes}};
  row["path_score"] = r.score >= 0 ? json(r.score) : json(nullptr);
  row["answer_correct"] = r.correct < 0 ? json(nullptr) : json(r.correct == 1);
  if (r.task >= 0) row["answer"] = tasks_[r.task].answer;
  return row;
}

json DataIndex::query(const PathQuery& q) const {
  check(q.limit >= 1 && q.limit <= kMaxLimit, "data", "limit must be between 1 and " + std::to_string(kMaxLimit));
  int bucket = -1;
  if (!q.bucket.empty()) {
    bucket = bucket_code(q.bucket);
    check(bucket >= 0, "data", "unknown bucket '" + q.bucket + "'", "use high, mid, low, wrong or unscored");
  }
  int family = -2;  // -2: any; -1: a family no path has
  if (!q.family.empty()) {
    family = -1;
    for (size_t i = 0; i < families_.size(); ++i)
      if (families_[i] == q.family) family = static_cast<int>(i);
  }
  int64_t kind_mask = -1;  // -1 any; 0 clean; else these bits
  if (q.mistake == "none") kind_mask = 0;
  else if (q.mistake == "injected") kind_mask = 0xffffffffll;
  else if (!q.mistake.empty()) {
    kind_mask = -2;  // a kind no path has: nothing passes
    for (size_t k = 0; k < mistake_kinds_.size(); ++k)
      if (mistake_kinds_[k] == q.mistake) kind_mask = 1ll << k;
  }
  const bool scored_only = q.min_score || q.max_score;
  const float lo = q.min_score ? static_cast<float>(*q.min_score) : 0.f;
  const float hi = q.max_score ? static_cast<float>(*q.max_score) : 1e9f;
  size_t total = 0;
  json rows = json::array();
  for (size_t i = 0; i < paths_.size(); ++i) {
    const PathRow& r = paths_[i];
    if (family != -2 && r.family != family) continue;
    if (bucket >= 0 && r.bucket != bucket) continue;
    if (scored_only && (r.score < 0 || r.score < lo || r.score > hi)) continue;
    if (kind_mask == -2) continue;
    if (kind_mask == 0 && r.mistakes != 0) continue;
    if (kind_mask > 0 && (r.mistakes & static_cast<uint32_t>(kind_mask)) == 0) continue;
    if (!q.task.empty() && r.task_id.find(q.task) == std::string::npos) continue;
    if (total >= q.offset && total < q.offset + q.limit) rows.push_back(row_json(i));
    ++total;
  }
  return {{"total", total}, {"offset", q.offset}, {"limit", q.limit}, {"rows", rows}};
}

json DataIndex::path(size_t index) const {
  check(index < paths_.size(), "data",
        "no path " + std::to_string(index) + " (the folder has " + std::to_string(paths_.size()) + ")");
  const PathRow& r = paths_[index];
  json out = row_json(index);
  out["record"] = parse_json(read_range(paths_file_, r.offset, r.length), paths_file_);
  json verdicts = json::array();
  const json& rec = out["record"];
  if (rec.contains("step_scores") && rec["step_scores"].is_array())
    for (const json& s : rec["step_scores"])
      if (s.is_number()) verdicts.push_back({{"score", s.get<double>()}, {"verdict", step_verdict(s.get<double>())}});
  out["verdicts"] = verdicts;
  if (r.task >= 0) {
    const TaskRow& t = tasks_[r.task];
    json task = parse_json(read_range(task_files_[t.file], t.offset, t.length), task_files_[t.file]);
    task.erase("scene");  // the scene graph is the verifier's, not the reader's
    out["task"] = task;
    if (!t.image.empty()) out["image_url"] = "/api/data/images/" + t.id;
  }
  return out;
}

std::string DataIndex::task_image(const std::string& task_id, std::string* content_type) const {
  auto it = task_by_id_.find(task_id);
  check(it != task_by_id_.end(), "data", "no task '" + task_id + "' in this folder");
  const TaskRow& t = tasks_[it->second];
  // The record's image path is relative to its tasks folder and must stay inside it.
  check(!t.image.empty() && t.image[0] != '/' && t.image.find("..") == std::string::npos, "data",
        "task '" + task_id + "' names no image inside its folder");
  const std::string path = join_path(parent_dir(task_files_[t.file]), t.image);
  check(file_exists(path), "data", "the image of task '" + task_id + "' is missing: " + t.image);
  const std::string ext = t.image.size() >= 4 ? t.image.substr(t.image.size() - 4) : "";
  *content_type = ext == ".jpg" || ext == "jpeg" ? "image/jpeg" : "image/png";
  return read_file(path);
}

}  // namespace insightv
