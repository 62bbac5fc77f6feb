// eval/local_model.h — the systems of eval/systems.h on local checkpoint folders: each distinct
// checkpoint is loaded once and served by one continuous-batching engine (infer/batch_engine.h),
// so the harness's worker threads decode their items together in one batch.
//
//   LocalSystemSpec s; s.kind = "direct"; s.model = "runs/nano/direct";
//   std::unique_ptr<LocalSystem> sys = make_local_system(s, SystemParams{});
//   SystemReply r = sys->answer(item, item_seed(0, item.id));   // from many threads
//
// multi-agent runs infer/agents.h's AgentRunner (reasoning agent, then summary agent, best-of-N
// with `chains`); the single-model kinds run a ChatSystem over a local ChatModel.
// The tokenizer comes from `tokenizer` or else the (reasoning) checkpoint folder.
// Torch-free header; answer() is thread-safe. Destroying the system drains its engines.
#pragma once

#include <memory>
#include <string>

#include "eval/systems.h"

namespace insightv::eval {

struct LocalSystemSpec {
  std::string kind;                          // one of system_kinds()
  std::string model, reason, summary;        // model: single-model kinds; reason+summary: multi-agent
  std::string tokenizer;                     // folder with tokenizer.json; empty = the checkpoint's
  std::string template_name = "llava_llama_3";
  bool bf16 = false;                         // bf16 matmuls in batched decode steps
  std::string dtype = "f32";                 // weights and compute after load: f32 | bf16 | f16
  int max_rows = 64;                         // rows decoded together per engine
};

class LocalSystem : public System {
 public:
  // Tokens generated so far by every engine of this system.
  virtual int64_t engine_tokens() const = 0;
};

// Loads the checkpoints and starts the engines. Error when a folder or the tokenizer is missing.
std::unique_ptr<LocalSystem> make_local_system(const LocalSystemSpec& spec, const SystemParams& params);

}  // namespace insightv::eval
