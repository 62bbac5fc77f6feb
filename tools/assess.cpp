// tools/assess.cpp — `insightv assess`: answer filter + step scorer over datagen's paths, then
// the reasoning set, the summary set and preference pairs (pipeline/assess.h).
//   insightv assess --in DIR --tasks DIR|FILE --out DIR [--judge rules|BACKEND]
//                   [--scorer verifier|BACKEND] [--high 85] [--mid 60] [--sound-to-flawed 1]
//                   [--answer-style letter|text|sentence]
#include <cstdio>

#include "pipeline/assess.h"
#include "tools/verbs.h"
#include "util/error.h"

namespace insightv::cli {

VerbFn add_assess(CLI::App& app, const GlobalOptions&) {
  auto c = std::make_shared<pipeline::AssessConfig>();
  CLI::App* cmd = app.add_subcommand("assess", "Judge and score reasoning paths; build reason/summary sets and pairs");
  cmd->add_option("--in", c->in, "datagen output folder (paths.jsonl) or a paths JSONL")->required();
  cmd->add_option("--tasks", c->tasks, "the task folder or tasks.jsonl the paths answer")->required();
  cmd->add_option("--out", c->out, "output folder")->required();
  cmd->add_option("--judge", c->judge, "rules | openai:URL | local:DIR (LLM judge with the paper's prompt)");
  cmd->add_option("--scorer", c->scorer, "verifier | openai:URL | local:DIR (LLM scorer)");
  cmd->add_option("--high", c->high_threshold, "score at or above: High bucket (UNCONFIRMED default)");
  cmd->add_option("--mid", c->mid_threshold, "score at or above: Mid bucket, else Low (UNCONFIRMED default)");
  cmd->add_option("--reason-per-question", c->reason_per_question, "top correct paths per question in the reasoning set");
  cmd->add_option("--sound-to-flawed", c->sound_to_flawed, "summary set: sound samples per flawed sample");
  cmd->add_option("--pair-margin", c->pair_margin, "a correct rejected path must score this much below the chosen");
  cmd->add_option("--seed", c->seed, "seed of the summary-set sampling");
  auto style = std::make_shared<std::string>("letter");
  cmd->add_option("--answer-style", *style,
                  "how the summary set's replies give the answer: letter (\"B\", the paper's) | text (the option's "
                  "text) | sentence (the family's answer sentence, e.g. \"The red object is a square.\")");
  cmd->add_option("--timeout", c->backend_options.timeout_s, "openai: seconds per request");
  cmd->add_option("--model", c->backend_options.model, "openai: the request's model name");
  auto wait = std::make_shared<bool>(false);
  add_wait_flag(cmd, *wait);
  return [c, wait, style] {
    c->answer_style = data::parse_answer_style(*style);
    const OutputLock lock = lock_output(c->out, "assess", *wait);
    const pipeline::AssessReport r = pipeline::run_assess(*c);
    std::fputs(r.to_text().c_str(), stdout);
    return 0;
  };
}

}  // namespace insightv::cli
