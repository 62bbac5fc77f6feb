// eval/eval.h — the evaluation job: run a system on a benchmark, score it, write the report.
//
//   EvalConfig cfg;
//   cfg.benchmark = "vw/test"; cfg.out = "runs/eval/direct";
//   cfg.system.kind = "direct"; cfg.system.model = "runs/nano/direct";
//   EvalResult r = run_eval(cfg);            // r.overall.acc, r.by_category["clock"], ...
//
// Files in cfg.out:
//   eval.json        the configuration and its hash (system, model folders with their weights'
//                    size and mtime, generation params, benchmark path). A rerun with another
//                    configuration in the same folder is an Error; force = true starts over.
//   responses.jsonl  the ledger: one line per answered item {id, prompt, responses, answer,
//                    extracted, correct, category, difficulty, tokens}, appended as items finish.
//                    A rerun (or a run after kill -9) answers only the items missing from it.
//   results.json / results.md   accuracy overall, per category and per difficulty with 95%
//                    Wilson intervals; written atomically at the end.
// Each item is sampled with a seed from (seed, item id), so results do not depend on
// `concurrency`. Endpoints ("openai:URL") need a ChatModelFactory (eval/ must not include
// pipeline/: tools/eval.cpp adapts pipeline's backend); local folders need nothing.
// Not thread-safe to run twice on one `out` at the same time.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "eval/benchmark.h"
#include "eval/metrics.h"
#include "eval/systems.h"

namespace insightv::eval {

struct SystemSpec {
  std::string kind;  // direct | summary-only | cot | multi-turn | multi-agent
  std::string model, reason, summary, endpoint;
  int chains = 1;
  std::string tokenizer;                       // empty: the checkpoint's folder
  std::string template_name = "llava_llama_3";
};

struct EvalConfig {
  std::string benchmark;
  SystemSpec system;
  std::string out;
  int64_t limit = 0;         // > 0: the first `limit` items
  int concurrency = 16;      // items in flight
  uint64_t seed = 0;
  bool progress = true;
  bool bf16 = false;
  std::string dtype = "f32";  // local checkpoints' weights and compute: f32 | bf16 | f16
  double temperature = 0, reason_temperature = agent_defaults::kReasonTemperature,
         summary_temperature = agent_defaults::kSummaryTemperature;
  int max_new_tokens = 32, reason_max_tokens = agent_defaults::kReasonMaxTokens;
  double top_p = agent_defaults::kTopP;
  bool force = false;        // discard a previous run's files in `out` and start over
  bool image_last = false;   // the image after the question (SystemParams::image_last)
};

// The ChatModel for an endpoint (cfg.system.endpoint), made by the caller.
using ChatModelFactory = std::function<std::unique_ptr<ChatModel>(const EvalConfig& cfg)>;

// The generation settings of every system from the config. cot's single response holds the
// chain and the answer: it is sampled with `temperature` and reason_max_tokens + max_new_tokens.
SystemParams system_params(const EvalConfig& cfg);
// The configuration that keys the ledger (hash = its dump's FNV-1a).
json config_identity(const EvalConfig& cfg);

EvalResult run_eval(const EvalConfig& cfg, const ChatModelFactory& endpoint_factory = nullptr);

}  // namespace insightv::eval
