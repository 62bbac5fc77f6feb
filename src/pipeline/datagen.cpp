// pipeline/datagen.cpp — see datagen.h.
#include "pipeline/datagen.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <dirent.h>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "util/error.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/log.h"
#include "util/progress.h"
#include "util/rng.h"

namespace insightv::pipeline {
namespace {

std::string item_key(const std::string& task_id, int sample) {
  return task_id + "#" + std::to_string(sample);
}

}  // namespace

json DatagenReport::to_json() const {
  return {{"items", items},           {"skipped_existing", skipped_existing},
          {"generated", generated},   {"seconds", seconds},
          {"paths_per_s", paths_per_s}, {"mean_steps", mean_steps},
          {"retries", retries},       {"repaired", repaired},
          {"error_steps", error_steps}, {"no_answer", no_answer}};
}

void parse_shard(const std::string& spec, int* index, int* count) {
  const size_t slash = spec.find('/');
  bool ok = slash != std::string::npos;
  if (ok) {
    try {
      *index = std::stoi(spec.substr(0, slash));
      *count = std::stoi(spec.substr(slash + 1));
    } catch (const std::exception&) {
      ok = false;
    }
  }
  check(ok && *count >= 1 && *index >= 0 && *index < *count, "datagen",
        "bad shard '" + spec + "'", "use i/N with 0 <= i < N, e.g. --shard 0/4");
}

std::string datagen_output_path(const DatagenConfig& cfg) {
  if (cfg.shard_count <= 1) return join_path(cfg.out, "paths.jsonl");
  return join_path(cfg.out, "paths.shard-" + std::to_string(cfg.shard_index) + "-of-" +
                                std::to_string(cfg.shard_count) + ".jsonl");
}

uint64_t path_seed(uint64_t seed, const std::string& task_id, int sample) {
  return mix_seed(mix_seed(seed, fnv1a64(task_id)), static_cast<uint64_t>(sample));
}

std::vector<json> read_paths(const std::string& path) {
  JsonlOptions o;
  o.allow_truncated_tail = true;
  return read_jsonl(path, o);
}

DatagenReport run_datagen(const DatagenConfig& cfg) {
  check(!cfg.out.empty(), "datagen", "no output folder", "pass --out DIR");
  check(cfg.paths >= 1, "datagen", "--paths must be >= 1");
  const auto t0 = std::chrono::steady_clock::now();
  const std::vector<world::Task> tasks = world::read_tasks(cfg.tasks);
  const std::string root = world::tasks_root(cfg.tasks);
  make_dirs(cfg.out);
  const std::string out_path = datagen_output_path(cfg);

  cut_torn_jsonl_tail(out_path);
  std::set<std::string> done;
  if (file_exists(out_path))
    for (const json& j : read_paths(out_path))
      done.insert(item_key(j.at("task_id").get<std::string>(), j.at("sample").get<int>()));

  struct Item { size_t task; int sample; };
  std::vector<Item> todo;
  DatagenReport rep;
  const size_t n_tasks = cfg.limit > 0 ? std::min<size_t>(tasks.size(), cfg.limit) : tasks.size();
  for (size_t i = 0; i < n_tasks; ++i) {
    if (static_cast<int>(i % cfg.shard_count) != cfg.shard_index) continue;
    for (int s = 0; s < cfg.paths; ++s) {
      ++rep.items;
      if (done.count(item_key(tasks[i].id, s))) ++rep.skipped_existing;
      else todo.push_back({i, s});
    }
  }

  std::unique_ptr<ChatBackend> backend = make_backend(cfg.backend, cfg.backend_options);
  AppendFile out(out_path);
  std::mutex out_mu;
  ProgressOptions po;
  po.enabled = cfg.progress;
  Progress bar("datagen", rep.items, "paths", po);
  bar.set(rep.skipped_existing);
  std::atomic<size_t> next{0};
  std::atomic<int64_t> steps{0}, retries{0}, repaired{0}, errors{0}, no_answer{0}, made{0};
  std::exception_ptr failure;
  int since_sync = 0;

  auto worker = [&]() {
    try {
      for (size_t k; (k = next.fetch_add(1)) < todo.size();) {
        const world::Task& t = tasks[todo[k].task];
        const std::string image = t.image.empty() ? "" : join_path(root, t.image);
        const ReasoningPath p = run_protocol(*backend, t, image, todo[k].sample,
                                             path_seed(cfg.seed, t.id, todo[k].sample), cfg.protocol);
        const std::string line = path_to_json(p).dump() + "\n";
        {
          std::lock_guard<std::mutex> lock(out_mu);
          out.write(line);
          if (++since_sync >= cfg.sync_every) out.sync(), since_sync = 0;
        }
        steps += static_cast<int64_t>(p.steps.size());
        retries += p.retries;
        repaired += p.repaired;
        errors += p.error_steps;
        no_answer += p.final_answer == "No available answer";
        ++made;
        bar.add(1);
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(out_mu);
      if (!failure) failure = std::current_exception();
      next = todo.size();  // stop the others
    }
  };
  const int threads = std::max(1, std::min<int>(cfg.concurrency, static_cast<int>(todo.size())));
  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) pool.emplace_back(worker);
  worker();
  for (auto& th : pool) th.join();
  out.sync();
  bar.finish();
  if (failure) std::rethrow_exception(failure);

  rep.generated = made;
  rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  rep.paths_per_s = rep.seconds > 0 ? static_cast<double>(made) / rep.seconds : 0;
  rep.mean_steps = made > 0 ? static_cast<double>(steps) / static_cast<double>(made) : 0;
  rep.retries = retries;
  rep.repaired = repaired;
  rep.error_steps = errors;
  rep.no_answer = no_answer;
  return rep;
}

int64_t merge_shards(const std::string& out_dir) {
  std::vector<std::string> files;
  if (DIR* d = ::opendir(out_dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      const std::string name = e->d_name;
      if (name.rfind("paths.shard-", 0) == 0 && name.size() > 6 &&
          name.substr(name.size() - 6) == ".jsonl")
        files.push_back(join_path(out_dir, name));
    }
    ::closedir(d);
  }
  check(!files.empty(), "datagen", "no paths.shard-*.jsonl in '" + out_dir + "'",
        "run `insightv datagen --shard i/N --out " + out_dir + "` first");
  std::sort(files.begin(), files.end());
  const std::string merged = join_path(out_dir, "paths.jsonl");
  if (file_exists(merged)) files.push_back(merged);
  std::map<std::pair<std::string, int>, json> rows;
  for (const std::string& f : files)
    for (json& j : read_paths(f))
      rows.emplace(std::make_pair(j.at("task_id").get<std::string>(), j.at("sample").get<int>()),
                   std::move(j));
  std::string text;
  for (const auto& kv : rows) text += kv.second.dump() + "\n";
  write_file_atomic(merged, text);
  return static_cast<int64_t>(rows.size());
}

}  // namespace insightv::pipeline
