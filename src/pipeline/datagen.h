// pipeline/datagen.h — `insightv datagen`: N progressive reasoning paths per task from one
// backend, crash-safe, resumable, shardable, with a progress bar and a final report.
//
//   DatagenConfig cfg;  cfg.tasks = "world/train"; cfg.backend = "teacher"; cfg.out = "paths";
//   DatagenReport r = run_datagen(cfg);          // appends to paths/paths.jsonl
//   merge_shards("paths");                       // paths.shard-*-of-N.jsonl → paths.jsonl
//
// Items are (task, sample) pairs; the output JSONL is the per-item ledger: a record is
// appended (one write, fsync'ed every `sync_every` records and at the end) only when its path
// is complete, so after a kill -9 at any moment the file holds whole records plus at most one
// torn last line. A rerun of the same command cuts the torn tail, skips the items it finds,
// and does the rest: no duplicated, lost or truncated records. Each path's seed depends only
// on (seed, task id, sample), so the records do not depend on concurrency, sharding or
// restarts (elapsed_ms aside). --shard i/N keeps the tasks whose index % N == i and writes
// paths.shard-i-of-N.jsonl; merge_shards() joins the shards (sorted, de-duplicated).
// Not here: judging and scoring (pipeline/assess.h).
#pragma once

#include <string>

#include "io/json.h"
#include "pipeline/chat_backend.h"
#include "pipeline/protocol.h"

namespace insightv::pipeline {

struct DatagenConfig {
  std::string tasks;             // folder holding tasks.jsonl, or the JSONL itself
  std::string backend = "teacher";
  std::string out;               // output folder
  int paths = 4;                 // N paths per question (PAPER.md: UNCONFIRMED; default 4)
  int shard_index = 0, shard_count = 1;
  int concurrency = 1;           // paths generated at once (threads)
  uint64_t seed = 1;
  int limit = 0;                 // first `limit` tasks only (0 = all)
  int sync_every = 64;           // fsync the output every this many records
  bool progress = true;
  ProtocolOptions protocol;
  BackendOptions backend_options;
};

struct DatagenReport {
  int64_t items = 0, skipped_existing = 0, generated = 0;
  double seconds = 0, paths_per_s = 0, mean_steps = 0;
  int64_t retries = 0, repaired = 0, error_steps = 0, no_answer = 0;
  json to_json() const;
};

// "i/N" → (i, N); throws on a malformed or out-of-range value.
void parse_shard(const std::string& spec, int* index, int* count);
// The output file of a config: out/paths.jsonl or out/paths.shard-i-of-N.jsonl.
std::string datagen_output_path(const DatagenConfig& cfg);
// Seed of one path.
uint64_t path_seed(uint64_t seed, const std::string& task_id, int sample);

DatagenReport run_datagen(const DatagenConfig& cfg);

// Joins out/paths.shard-*.jsonl (and an existing paths.jsonl) into out/paths.jsonl, sorted
// by (task_id, sample), each item once. Returns the number of records written.
int64_t merge_shards(const std::string& out_dir);

// Reads a paths file written by datagen (a torn last line is dropped).
std::vector<json> read_paths(const std::string& path);

}  // namespace insightv::pipeline
