// tools/dpo_iterate.cpp — `insightv dpo-iterate`: R rounds of sample → assess → pair → DPO of
// the reasoning agent, in one process (pipeline/dpo_iterate.h).
//   insightv dpo-iterate --reason DIR --summary DIR --tasks DIR --rounds 3 --paths 4 --out DIR
#include <cstdio>

#include "pipeline/dpo_iterate.h"
#include "tools/verbs.h"

namespace insightv::cli {

VerbFn add_dpo_iterate(CLI::App& app, const GlobalOptions&) {
  auto c = std::make_shared<pipeline::DpoIterateConfig>();
  CLI::App* cmd = app.add_subcommand(
      "dpo-iterate",
      "Iterative DPO of the reasoning agent: each round samples chains from the current policy, has the summary "
      "agent answer them, judges and scores them, builds preference pairs and trains (the round's start is the "
      "reference). Rerun the same command to resume.");
  cmd->add_option("--reason", c->reason, "the reasoning agent's checkpoint folder (the round-1 policy)")->required();
  cmd->add_option("--summary", c->summary, "the summary agent's checkpoint folder (judges the chains)")->required();
  cmd->add_option("--tasks", c->tasks, "VisWorld task folder or tasks.jsonl with ground truth")->required();
  cmd->add_option("--out", c->out, "output folder (round-k/, report.json, report.md)")->required();
  cmd->add_option("--rounds", c->rounds, "rounds R")->check(CLI::PositiveNumber);
  cmd->add_option("--paths", c->paths, "chains K sampled per question per round")->check(CLI::Range(2, 64));
  cmd->add_option("--questions", c->questions, "questions per round (0 = every task; rounds take successive slices)");
  cmd->add_option("--question-offset", c->question_offset, "round 1 starts at this task index");
  cmd->add_option("--concurrency", c->concurrency, "questions in flight while sampling")->check(CLI::PositiveNumber);
  cmd->add_option("--temperature", c->reason_params.sampling.temperature, "reasoning agent's sampling temperature");
  cmd->add_option("--max-new-tokens", c->reason_params.max_new_tokens, "longest chain, in tokens");
  cmd->add_option("--pair-margin", c->pair_margin, "a correct rejected chain must score this much below the chosen");
  cmd->add_option("--epochs", c->epochs, "DPO epochs over a round's pairs");
  cmd->add_option("--batch", c->dpo.train.batch_size, "pairs per DPO step");
  cmd->add_option("--lr", c->dpo.train.optim.lr, "DPO learning rate");
  cmd->add_option("--beta", c->dpo.dpo.beta, "DPO beta");
  cmd->add_option("--gamma", c->dpo.dpo.gamma, "weight of the SFT term on the chosen chain");
  cmd->add_option("--max-length", c->dpo.train.max_length, "longest training sequence (tokens, images expanded)");
  cmd->add_flag("--bf16", c->bf16, "bf16 matmuls for sampling and DPO (fp32 master weights)");
  cmd->add_option("--seed", c->seed, "seed of sampling and training");
  cmd->add_flag("!--no-progress", c->progress, "no progress bars");
  auto wait = std::make_shared<bool>(false);
  add_wait_flag(cmd, *wait);
  c->dpo.train.optim.lr = 5e-6;
  return [c, wait] {
    const OutputLock lock = lock_output(c->out, "dpo-iterate", *wait);
    c->dpo.train.bf16 = c->bf16;
    const pipeline::DpoIterateReport r = pipeline::run_dpo_iterate(*c);
    std::fputs(r.to_markdown().c_str(), stdout);
    std::printf("final model: %s\n", r.final_model.c_str());
    return 0;
  };
}

}  // namespace insightv::cli
