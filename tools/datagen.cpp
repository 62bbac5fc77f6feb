// tools/datagen.cpp — `insightv datagen`: progressive reasoning paths from a backend.
//   insightv datagen --tasks DIR|FILE --backend teacher|local:DIR|openai:URL --paths N --out DIR
//                    [--shard i/N] [--concurrency K] [--seed S] [--max-steps 16] [--strict-json]
//   insightv datagen merge --out DIR        (paths.shard-*.jsonl → paths.jsonl)
// Rerunning the same command after a crash resumes where it stopped (pipeline/datagen.h).
#include <cstdio>

#include "pipeline/datagen.h"
#include "tools/verbs.h"
#include "util/error.h"
#include "util/fs.h"

namespace insightv::cli {

namespace {
// Each shard job locks its own file in the shared --out (io/output_lock.h): "<prefix>i-of-N.lock".
const std::string kShardLockPrefix = ".insightv.shard-";
std::string shard_lock_name(int64_t index, int64_t count) {
  return kShardLockPrefix + std::to_string(index) + "-of-" + std::to_string(count) + ".lock";
}

struct DatagenCliOptions {
  pipeline::DatagenConfig cfg;
  std::string shard = "0/1", teacher_json;
  bool no_progress = false, strict_json = false;
  std::string merge_out;
  bool wait = false;
};
}  // namespace

VerbFn add_datagen(CLI::App& app, const GlobalOptions&) {
  auto o = std::make_shared<DatagenCliOptions>();
  auto& c = o->cfg;
  CLI::App* cmd = app.add_subcommand("datagen", "Generate progressive reasoning paths (PAPER.md §1.1)");
  cmd->require_subcommand(0, 1);
  cmd->add_option("--tasks", c.tasks, "task folder (holding tasks.jsonl) or a tasks.jsonl");
  cmd->add_option("--backend", c.backend, "teacher | local:CHECKPOINT_DIR | openai:http://HOST:PORT/v1");
  cmd->add_option("--paths", c.paths, "paths per question")->check(CLI::PositiveNumber);
  cmd->add_option("--out", c.out, "output folder");
  cmd->add_option("--shard", o->shard, "i/N: this job does the tasks whose index % N == i");
  cmd->add_option("--concurrency", c.concurrency, "paths in flight")->check(CLI::PositiveNumber);
  cmd->add_option("--seed", c.seed, "sampling seed (each path: seed, task id, sample)");
  cmd->add_option("--limit", c.limit, "first N tasks only (0 = all)");
  cmd->add_option("--max-steps", c.protocol.max_steps, "steps per path at most");
  cmd->add_option("--max-tries", c.protocol.max_tries, "tries per step on invalid JSON");
  cmd->add_option("--temperature", c.protocol.sampling.temperature, "sampling temperature");
  cmd->add_option("--top-p", c.protocol.sampling.top_p, "nucleus sampling mass");
  cmd->add_option("--repetition-penalty", c.protocol.sampling.repetition_penalty, "repetition penalty");
  cmd->add_option("--max-tokens", c.protocol.sampling.max_tokens, "tokens per call at most");
  cmd->add_option("--timeout", c.backend_options.timeout_s, "openai: seconds per request");
  cmd->add_option("--retries", c.backend_options.max_retries, "openai: retries on 429/5xx/connection errors");
  cmd->add_option("--model", c.backend_options.model, "openai: the request's model name");
  cmd->add_option("--teacher", o->teacher_json, "teacher: JSON of TeacherOptions overrides, e.g. '{\"miscount_rate\":0.2}'");
  cmd->add_flag("--strict-json", o->strict_json, "no JSON repair: any invalid reply is re-prompted (the paper's code)");
  cmd->add_option("--sync-every", c.sync_every, "fsync the output every N records");
  cmd->add_flag("--no-progress", o->no_progress, "no progress bar");
  add_wait_flag(cmd, o->wait);
  CLI::App* merge = cmd->add_subcommand("merge", "Join paths.shard-*.jsonl of a folder into paths.jsonl");
  merge->add_option("--out", o->merge_out, "the folder the shards were written to")->required();
  add_wait_flag(merge, o->wait);

  return [o, merge, cmd] {
    if (merge->parsed()) {
      // The merge writes paths.jsonl (the folder's main lock) and reads every shard: none may be running.
      const OutputLock lock = lock_output(o->merge_out, "datagen", o->wait);
      const auto running = held_output_locks(o->merge_out, kShardLockPrefix);
      if (!running.empty())
        throw Error("datagen", "a shard is still being written in " + o->merge_out + ": " +
                                   output_lock_holder(running.front()),
                    "wait for every shard to finish, then merge");
      const int64_t n = pipeline::merge_shards(o->merge_out);
      std::printf("merged %lld paths into %s\n", static_cast<long long>(n),
                  join_path(o->merge_out, "paths.jsonl").c_str());
      return 0;
    }
    auto& cfg = o->cfg;
    check(!cfg.tasks.empty() && !cfg.out.empty(), "datagen", "--tasks and --out are required",
          "e.g. insightv datagen --tasks world/train --backend teacher --out paths");
    pipeline::parse_shard(o->shard, &cfg.shard_index, &cfg.shard_count);
    // One writer per output file: shards of one folder run together, two copies of a shard do not.
    const OutputLock lock =
        cfg.shard_count > 1 ? lock_output(cfg.out, "datagen", o->wait, shard_lock_name(cfg.shard_index, cfg.shard_count))
                            : lock_output(cfg.out, "datagen", o->wait);
    cfg.progress = !o->no_progress;
    cfg.protocol.repair = !o->strict_json;
    if (!o->teacher_json.empty()) cfg.backend_options.teacher = parse_json(o->teacher_json, "--teacher");
    cfg.backend_options.concurrency = cfg.concurrency;
    const pipeline::DatagenReport r = pipeline::run_datagen(cfg);
    std::printf("datagen: %lld paths generated (%lld already there, %lld in this job) to %s\n"
                "  %.1f paths/s, %.2f steps/path, %lld retries, %lld repaired replies, "
                "%lld Error steps, %lld without an answer\n",
                static_cast<long long>(r.generated), static_cast<long long>(r.skipped_existing),
                static_cast<long long>(r.items), pipeline::datagen_output_path(cfg).c_str(),
                r.paths_per_s, r.mean_steps, static_cast<long long>(r.retries),
                static_cast<long long>(r.repaired), static_cast<long long>(r.error_steps),
                static_cast<long long>(r.no_answer));
    (void)cmd;
    return 0;
  };
}

}  // namespace insightv::cli
