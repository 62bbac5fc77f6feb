// tools/agent_setup.cpp — checkpoint/tokenizer loading and sampling flags for ask and serve.
#include <torch/torch.h>

#include "tools/agent_setup.h"

#include "util/error.h"
#include "util/fs.h"
#include "util/log.h"

namespace insightv::cli {

void add_agent_flags(CLI::App* cmd, AgentFlags& f) {
  cmd->add_option("--reason", f.reason, "reasoning agent checkpoint folder");
  cmd->add_option("--summary", f.summary, "summary agent checkpoint folder (default: the --reason one)");
  cmd->add_option("--model", f.single, "single-model mode: one checkpoint, plain chat (no agents)");
  cmd->add_option("--tokenizer", f.tokenizer_dir, "folder with tokenizer.json (default: the checkpoint's)");
  cmd->add_option("--template", f.template_name, "chat template: llava_llama_3 | chatml");
  add_dtype_flag(cmd, f.dtype);
  cmd->add_option("--chains", f.chains, "best-of-N: reasoning chains sampled in one batch; majority answer")
      ->check(CLI::Range(1, 64));
  cmd->add_option("--reason-temperature", f.reason_temperature, "reasoning agent temperature");
  cmd->add_option("--summary-temperature", f.summary_temperature, "summary agent temperature");
  cmd->add_option("--top-p", f.top_p, "nucleus sampling for both agents");
  cmd->add_option("--reason-max-tokens", f.reason_max_tokens, "longest reasoning chain, in tokens");
  cmd->add_option("--summary-max-tokens", f.summary_max_tokens, "longest answer, in tokens");
  cmd->add_option("--seed", f.seed, "sampling seed");
}

AgentOptions agent_options(const AgentFlags& f) {
  AgentOptions o;
  o.chains = f.chains;
  o.reason.sampling.temperature = f.reason_temperature;
  o.summary.sampling.temperature = f.summary_temperature;
  o.reason.sampling.top_p = o.summary.sampling.top_p = f.top_p;
  o.reason.sampling.seed = o.summary.sampling.seed = f.seed;
  o.reason.max_new_tokens = f.reason_max_tokens;
  o.summary.max_new_tokens = f.summary_max_tokens;
  return o;
}

LoadedAgents load_agents(const AgentFlags& f) {
  LoadedAgents a;
  check(!f.single.empty() || !f.reason.empty(), "agents", "no model given",
        "pass --reason CKPT [--summary CKPT], or --model CKPT for single-model mode");
  check(f.single.empty() || (f.reason.empty() && f.summary.empty()), "agents",
        "--model (single-model mode) cannot be combined with --reason/--summary");
  LoadOptions lo;
  lo.dtype = parse_compute_dtype(f.dtype);
  auto load = [&lo](const std::string& dir) {
    Checkpoint c = load_checkpoint(dir, lo);
    IV_LOG(info) << "loaded " << dir << " (" << compute_dtype_name(lo.dtype) << ", "
                 << parameter_bytes(*c.model) / (1024.0 * 1024.0) << " MiB of parameters)";
    return c;
  };
  std::string tok_dir = f.tokenizer_dir;
  if (!f.single.empty()) {
    a.single = load(f.single);
    if (tok_dir.empty()) tok_dir = f.single;
  } else {
    a.reason = load(f.reason);
    a.summary = f.summary.empty() || f.summary == f.reason ? a.reason : load(f.summary);
    if (tok_dir.empty()) tok_dir = f.reason;
  }
  check(file_exists(join_path(tok_dir, "tokenizer.json")), "agents", "no tokenizer.json in " + tok_dir,
        "pass --tokenizer DIR (model init --tokenizer copies one into the checkpoint)");
  a.tokenizer = std::make_unique<Tokenizer>(Tokenizer::load(tok_dir));
  for (const Checkpoint* c : {&a.single, &a.reason, &a.summary})
    if (c->model)
      check(a.tokenizer->vocab_size() <= c->config.text.vocab_size, "agents",
            "tokenizer has " + std::to_string(a.tokenizer->vocab_size()) + " tokens but the model's vocabulary is " +
                std::to_string(c->config.text.vocab_size),
            "use the tokenizer the model was trained with (model init --vocab-size)");
  return a;
}

}  // namespace insightv::cli
