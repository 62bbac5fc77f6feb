// eval/eval.cpp — see eval.h.
#include "eval/eval.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <thread>

#include "eval/local_model.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/log.h"
#include "util/progress.h"

namespace insightv::eval {

namespace {

std::string absolute(const std::string& p) {
  if (p.empty() || p[0] == '/') return p;
  char buf[4096];
  if (::getcwd(buf, sizeof buf) == nullptr) return p;
  return join_path(buf, p);
}

// A checkpoint folder's identity: config.json's hash and each weights file's size and mtime.
json folder_fingerprint(const std::string& dir) {
  json j = {{"path", absolute(dir)}};
  if (file_exists(join_path(dir, "config.json"))) j["config"] = hex64(fnv1a64(read_file(join_path(dir, "config.json"))));
  std::vector<std::string> names;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      const std::string n = e->d_name;
      if (n.size() > 12 && n.compare(n.size() - 12, 12, ".safetensors") == 0) names.push_back(n);
    }
    closedir(d);
  }
  std::sort(names.begin(), names.end());
  json w = json::object();
  for (const auto& n : names) {
    struct stat st {};
    if (::stat(join_path(dir, n).c_str(), &st) == 0)
      w[n] = {{"size", static_cast<int64_t>(st.st_size)}, {"mtime", static_cast<int64_t>(st.st_mtime)}};
  }
  j["weights"] = w;
  return j;
}

// Cuts a torn last line (no trailing newline) left by a killed run, so appends start clean.
void cut_torn_tail(const std::string& path) {
  if (!file_exists(path)) return;
  const std::string text = read_file(path);
  if (text.empty() || text.back() == '\n') return;
  const size_t nl = text.rfind('\n');
  const size_t keep = nl == std::string::npos ? 0 : nl + 1;
  IV_LOG(warn) << "[eval] " << path << ": dropping a torn last record (" << (text.size() - keep)
               << " bytes) left by an interrupted run";
  check(::truncate(path.c_str(), static_cast<off_t>(keep)) == 0, "eval", "cannot truncate '" + path + "'",
        "is the file writable?");
}

// The keys (dotted paths) whose values differ between two configurations.
void diff_keys(const json& a, const json& b, const std::string& prefix, std::string& out) {
  if (!a.is_object() || !b.is_object()) {
    if (a != b) out += (out.empty() ? "" : ", ") + (prefix.empty() ? std::string("format") : prefix);
    return;
  }
  for (auto it = b.begin(); it != b.end(); ++it) {
    const std::string key = prefix.empty() ? it.key() : prefix + "." + it.key();
    diff_keys(a.contains(it.key()) ? a[it.key()] : json(), it.value(), key, out);
  }
  for (auto it = a.begin(); it != a.end(); ++it)
    if (!b.contains(it.key())) out += (out.empty() ? "" : ", ") + (prefix.empty() ? it.key() : prefix + "." + it.key());
}

// Opens `out` for this config: checks or writes eval.json, handles force.
void prepare_out(const EvalConfig& cfg, const json& identity, const std::string& hash) {
  make_dirs(cfg.out);
  const std::string meta = join_path(cfg.out, "eval.json");
  const std::string ledger = join_path(cfg.out, "responses.jsonl");
  if (cfg.force) {
    for (const char* f : {"responses.jsonl", "results.json", "results.md", "eval.json"})
      std::remove(join_path(cfg.out, f).c_str());
  } else if (file_exists(meta)) {
    const json old = read_json_file(meta);
    if (old.value("hash", "") != hash) {
      std::string diff;
      diff_keys(old.contains("config") ? old["config"] : json::object(), identity, "", diff);
      throw Error("eval",
                  cfg.out + " holds responses of a different configuration (changed: " +
                      (diff.empty() ? std::string("format") : diff) + ")",
                  "use another --out, or pass --force to discard them and start over");
    }
  } else if (file_exists(ledger)) {
    throw Error("eval", cfg.out + " has responses.jsonl but no eval.json",
                "use another --out, or pass --force to discard them and start over");
  }
  write_json_file(meta, {{"hash", hash}, {"config", identity}});
}

}  // namespace

SystemParams system_params(const EvalConfig& cfg) {
  SystemParams p;
  p.answer.temperature = cfg.temperature;
  p.answer.max_tokens = cfg.max_new_tokens;
  p.reason.temperature = cfg.reason_temperature;
  p.reason.max_tokens = cfg.reason_max_tokens;
  p.summary.temperature = cfg.summary_temperature;
  p.summary.max_tokens = cfg.max_new_tokens;
  p.answer.top_p = p.reason.top_p = p.summary.top_p = cfg.top_p;
  if (cfg.system.kind == "cot") p.answer.max_tokens = cfg.reason_max_tokens + cfg.max_new_tokens;
  p.chains = cfg.system.chains;
  p.image_last = cfg.image_last;
  return p;
}

json config_identity(const EvalConfig& cfg) {
  const SystemSpec& s = cfg.system;
  json models = json::object();
  if (!s.endpoint.empty()) models["endpoint"] = s.endpoint;
  else if (s.kind == "multi-agent") models = {{"reason", folder_fingerprint(s.reason)}, {"summary", folder_fingerprint(s.summary)}};
  else models["model"] = folder_fingerprint(s.model);
  if (!s.tokenizer.empty()) models["tokenizer"] = absolute(s.tokenizer);
  json id = {{"format", 1},
            {"system", s.kind},
            {"models", models},
            {"template", s.template_name},
            {"chains", s.chains},
            {"benchmark", absolute(cfg.benchmark)},
            {"params",
             {{"seed", cfg.seed},
              {"bf16", cfg.bf16},
              {"temperature", cfg.temperature},
              {"reason_temperature", cfg.reason_temperature},
              {"summary_temperature", cfg.summary_temperature},
              {"top_p", cfg.top_p},
              {"max_new_tokens", cfg.max_new_tokens},
              {"reason_max_tokens", cfg.reason_max_tokens}}}};
  // Only a non-default dtype is recorded, so runs made before --dtype existed still resume.
  if (cfg.dtype != "f32" && cfg.dtype != "fp32" && cfg.dtype != "float32") id["params"]["dtype"] = cfg.dtype;
  if (cfg.image_last) id["params"]["image_last"] = true;  // likewise only when set
  return id;
}

EvalResult run_eval(const EvalConfig& cfg, const ChatModelFactory& endpoint_factory) {
  const auto t0 = std::chrono::steady_clock::now();
  const SystemSpec& spec = cfg.system;
  check_system_kind(spec.kind);
  check(!cfg.out.empty(), "eval", "no output folder", "pass --out DIR");
  check(cfg.concurrency >= 1, "eval", "concurrency must be >= 1");
  check(spec.chains >= 1, "eval", "chains must be >= 1");
  const bool endpoint = !spec.endpoint.empty();
  if (!endpoint) {
    if (spec.kind == "multi-agent")
      check(!spec.reason.empty() && !spec.summary.empty() && spec.model.empty(), "eval",
            "multi-agent takes --reason DIR --summary DIR", "or --endpoint openai:URL of `insightv serve --reason --summary`");
    else
      check(!spec.model.empty() && spec.reason.empty() && spec.summary.empty(), "eval",
            spec.kind + " takes one checkpoint: --model DIR", "or --endpoint openai:URL");
  }
  const std::vector<EvalItem> items = load_benchmark(cfg.benchmark, cfg.limit);
  const json identity = config_identity(cfg);
  const std::string hash = hex64(fnv1a64(identity.dump()));
  prepare_out(cfg, identity, hash);

  // The ledger: what earlier runs answered.
  const std::string ledger = join_path(cfg.out, "responses.jsonl");
  cut_torn_tail(ledger);
  std::map<std::string, json> done;
  if (file_exists(ledger)) {
    JsonlOptions o;
    o.allow_truncated_tail = true;
    JsonlReader r(ledger, o);
    while (r.next()) done[r.value().at("id").get<std::string>()] = r.value();
  }
  std::vector<size_t> todo;
  for (size_t i = 0; i < items.size(); ++i)
    if (!done.count(items[i].id)) todo.push_back(i);

  EvalResult res;
  res.system = spec.kind;
  res.benchmark = cfg.benchmark;
  res.cached = static_cast<int64_t>(items.size() - todo.size());
  IV_LOG(info) << "[eval] " << items.size() << " items, " << res.cached << " from " << ledger << ", "
               << todo.size() << " to answer";

  if (!todo.empty()) {
    const SystemParams params = system_params(cfg);
    std::unique_ptr<ChatModel> remote;
    std::unique_ptr<System> system;
    if (endpoint) {
      check(static_cast<bool>(endpoint_factory), "eval", "endpoint '" + spec.endpoint + "' needs a chat adapter",
            "run it through `insightv eval --endpoint`, or pass a ChatModelFactory to run_eval");
      remote = endpoint_factory(cfg);
      system = std::make_unique<ChatSystem>(spec.kind, *remote, params);
    } else {
      LocalSystemSpec ls;
      ls.kind = spec.kind;
      ls.model = spec.model;
      ls.reason = spec.reason;
      ls.summary = spec.summary;
      ls.tokenizer = spec.tokenizer;
      ls.template_name = spec.template_name;
      ls.bf16 = cfg.bf16;
      ls.dtype = cfg.dtype;
      ls.max_rows = std::max(64, cfg.concurrency * spec.chains);
      system = make_local_system(ls, params);
    }

    AppendFile out(ledger);
    std::mutex out_mu;
    ProgressOptions po;
    po.enabled = cfg.progress;
    Progress bar("eval " + spec.kind, static_cast<int64_t>(items.size()), "items", po);
    bar.set(res.cached);
    std::atomic<size_t> next{0};
    std::atomic<bool> failed{false};
    std::exception_ptr failure;
    std::atomic<int64_t> answered{0};
    auto worker = [&]() {
      try {
        for (size_t k; !failed && (k = next.fetch_add(1)) < todo.size();) {
          const EvalItem& it = items[todo[k]];
          const SystemReply r = system->answer(it, item_seed(cfg.seed, it.id));
          const data::MatchResult m = data::match_answer(r.answer, it.gold);
          const json row = {{"id", it.id},          {"prompt", r.prompt},       {"responses", r.responses},
                            {"answer", r.answer},   {"extracted", m.extracted}, {"correct", m.correct},
                            {"reason", m.reason},   {"category", it.category},  {"difficulty", it.difficulty},
                            {"tokens", r.generated_tokens}};
          {
            std::lock_guard<std::mutex> lock(out_mu);
            out.write(row.dump() + "\n");
            done[it.id] = row;
          }
          ++answered;
          bar.add(1);
        }
      } catch (...) {
        std::lock_guard<std::mutex> lock(out_mu);
        if (!failure) failure = std::current_exception();
        failed = true;
      }
    };
    std::vector<std::thread> pool;
    const int n_threads = std::min<int>(cfg.concurrency, static_cast<int>(todo.size()));
    for (int i = 0; i < n_threads; ++i) pool.emplace_back(worker);
    for (auto& t : pool) t.join();
    out.sync();
    bar.finish();
    res.answered = answered;
    if (failure) std::rethrow_exception(failure);
  }

  // Score every item of the benchmark from the ledger (rescored: the gold may have been fixed).
  Tally tally;
  for (const EvalItem& it : items) {
    const json& row = done.at(it.id);
    const bool ok = data::match_answer(row.at("answer").get<std::string>(), it.gold).correct;
    tally.add(it.category, it.difficulty, ok);
    res.generated_tokens += row.value("tokens", int64_t{0});
  }
  tally.fill(res);
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  write_json_file(join_path(cfg.out, "results.json"), res.to_json());
  write_file_atomic(join_path(cfg.out, "results.md"), res.to_markdown());
  return res;
}

}  // namespace insightv::eval
