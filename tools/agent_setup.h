// tools/agent_setup.h — what `ask` and `serve` share: loading checkpoints and the tokenizer,
// and the per-agent sampling flags. CLI glue only; the logic is in infer/agents.h.
#pragma once

#include <memory>
#include <string>

#include "infer/agents.h"
#include "infer/agent_defaults.h"
#include "model/checkpoint.h"
#include "tools/verbs.h"

namespace insightv::cli {

struct AgentFlags {
  std::string reason, summary, single, tokenizer_dir, template_name = "llava_llama_3";
  std::string dtype = "f32";  // parameters and compute: f32 | bf16 | f16 (model/checkpoint.h)
  int chains = 1;
  float reason_temperature = static_cast<float>(agent_defaults::kReasonTemperature),
        summary_temperature = static_cast<float>(agent_defaults::kSummaryTemperature),
        top_p = static_cast<float>(agent_defaults::kTopP);
  int reason_max_tokens = agent_defaults::kReasonMaxTokens, summary_max_tokens = agent_defaults::kSummaryMaxTokens;
  uint64_t seed = 0;
};

// Binds --reason/--summary/--model/--tokenizer/--template/--dtype and the sampling flags.
void add_agent_flags(CLI::App* cmd, AgentFlags& f);
// The sampling flags as AgentOptions.
AgentOptions agent_options(const AgentFlags& f);

// Loaded checkpoints (loaded once when --summary names the --reason folder) and tokenizer.
struct LoadedAgents {
  Checkpoint reason, summary;   // two-agent mode (summary may share reason's model)
  Checkpoint single;            // single-model mode
  std::unique_ptr<Tokenizer> tokenizer;
  bool two_agent() const { return !single.model; }
};
LoadedAgents load_agents(const AgentFlags& f);

}  // namespace insightv::cli
