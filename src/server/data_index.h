// server/data_index.h — the data browser's in-memory index of a datagen/assess output folder:
// which paths exist, their task, family, bucket, score, injected mistakes and final answer,
// with filtering and offset/limit paging; one path's full record is read from disk on demand.
//
//   DataIndex idx = DataIndex::open({"runs/nano"});          // a pipeline folder, or assess/ or datagen/
//   PathQuery q; q.family = "shapes"; q.bucket = "wrong"; q.offset = 50; q.limit = 25;
//   json page = idx.query(q);        // {"total": 412, "offset": 50, "limit": 25, "rows": [...]}
//   json one = idx.path(1234);       // the record + its task + per-step verdicts
//   std::string png = idx.task_image("shapes-train-000000", &type);
//
// Folder layouts read (the formats `insightv datagen` and `insightv assess` write):
//   DIR/assess/assessed.jsonl (else DIR/datagen/paths.jsonl) with tasks in DIR/world/*/tasks.jsonl
//   (the `insightv pipeline` layout); DIR/assessed.jsonl or DIR/paths.jsonl with tasks in
//   DIR/../world/*/ or DIR/tasks.jsonl; or any tasks folder/file given as `tasks`.
// Memory: about 100 bytes per path plus its final answer; the steps stay on disk. A query scans
// the compact rows (no file access): 100,000 paths in a few milliseconds (bench_data_browser).
// Images: only the image a task record names, inside its tasks folder, by task id.
// Immutable after open(): every method is const and thread-safe. Not here: HTTP (web_routes).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "io/json.h"

namespace insightv {

struct DataSource {
  std::string dir;    // pipeline folder, assess folder or datagen folder
  std::string tasks;  // optional: a tasks folder (tasks.jsonl + images/) or a tasks.jsonl
};

struct PathQuery {
  std::string family;                        // "" = any
  std::string bucket;                        // high | mid | low | wrong | unscored | "" = any
  std::string mistake;                       // "" = any, "none" = clean, "injected" = any kind, or a kind
  std::optional<double> min_score, max_score;  // path_score range, inclusive (unscored paths fail it)
  std::string task;                          // substring of the task id, "" = any
  size_t offset = 0, limit = 50;
};

class DataIndex {
 public:
  static constexpr size_t kMaxLimit = 500;

  // Reads the folder's files into the index. Throws Error naming what is missing.
  static DataIndex open(const DataSource& src);

  size_t size() const { return paths_.size(); }
  // Counts for the filter menus: families, buckets, mistake kinds; the files read; the
  // assessment report (assess/report.json) when there is one; load time.
  json summary() const;
  // Rows [offset, offset + limit) of the paths that pass the filter, in file order; `total` is
  // the number that pass. Throws Error on a bad bucket or a limit above kMaxLimit.
  json query(const PathQuery& q) const;
  // One path (0-based position in the file): its record, its task (question, options, answer,
  // solution, family, difficulty, image_url) and a verdict per step. Throws Error when out of range.
  json path(size_t index) const;
  // The image bytes of a task, by id; sets *content_type. Throws Error when the id is unknown
  // or the task names no readable image inside its folder.
  std::string task_image(const std::string& task_id, std::string* content_type) const;

  // The pipeline folder the data came from ("" when not a pipeline layout): its report.md.
  const std::string& pipeline_root() const { return root_; }

  // The verifier's meaning of a step score (pipeline/scoring.cpp): 100 verified, 30 shares
  // nothing with the task, below 50 a claim the scene contradicts.
  static std::string step_verdict(double score);

 private:
  struct TaskRow {
    std::string id, family, question, answer, image;  // image: path as the record names it
    int difficulty = 0;
    uint32_t file = 0;       // index into task_files_
    uint64_t offset = 0;     // the record's bytes in that file
    uint32_t length = 0;
  };
  struct PathRow {
    uint64_t offset = 0;
    uint32_t length = 0;
    int32_t task = -1;        // index into tasks_, -1 when the task is unknown
    int32_t sample = 0;
    float score = -1;         // path_score, -1 when unscored
    uint32_t mistakes = 0;    // bit k: mistake_kinds_[k] was injected
    uint16_t family = 0;      // index into families_
    uint16_t steps = 0;
    uint8_t bucket = 4;       // 0 high, 1 mid, 2 low, 3 wrong, 4 unscored
    int8_t correct = -1;      // answer_correct: 1, 0, or -1 when not assessed
    std::string task_id, final_answer;
  };

  static std::string read_range(const std::string& file, uint64_t offset, uint32_t length);
  json row_json(size_t i) const;

  std::string root_, paths_file_;
  std::vector<std::string> task_files_;
  std::vector<TaskRow> tasks_;
  std::unordered_map<std::string, int32_t> task_by_id_;
  std::vector<std::string> families_, mistake_kinds_;
  std::vector<PathRow> paths_;
  json assess_report_;
  double load_seconds_ = 0;
};

}  // namespace insightv
