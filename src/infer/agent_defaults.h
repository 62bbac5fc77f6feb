// infer/agent_defaults.h — the two agents' sampling defaults, stated once: the reasoning agent
// samples at VLMEvalKit's T 0.7, top-p 0.95 (PAPER.md §1.1), the summary agent at T 0.2, and a
// chain may run to 1,024 tokens. ask, serve, eval and dpo-iterate start from these; the pipeline's
// presets set their own budgets (nano: 192). Torch-free constants.
#pragma once

namespace insightv::agent_defaults {

constexpr double kReasonTemperature = 0.7;
constexpr double kSummaryTemperature = 0.2;
constexpr double kTopP = 0.95;
constexpr int kReasonMaxTokens = 1024;
constexpr int kSummaryMaxTokens = 512;  // serve/ask's summary reply; eval asks for a short answer

}  // namespace insightv::agent_defaults
