// tools/pipeline.cpp — `insightv pipeline --preset nano --out DIR`: the whole of Insight-V at
// nano scale, resumable stage by stage (pipeline/run_pipeline.h).
#include <cstdio>
#include <string>

#include "pipeline/run_pipeline.h"
#include "tools/verbs.h"
#include "util/error.h"
#include "util/fs.h"

namespace insightv::cli {

VerbFn add_pipeline(CLI::App& app, const GlobalOptions&) {
  auto c = std::make_shared<pipeline::PipelineConfig>();
  auto bf16 = std::make_shared<std::string>("auto");
  CLI::App* cmd = app.add_subcommand(
      "pipeline",
      "The end-to-end Insight-V pipeline: VisWorld splits -> teacher reasoning data -> assessment -> base model -> "
      "reasoning and summary agents -> Table 3 baselines -> iterative DPO -> evaluation -> report.md with charts. "
      "Every stage is skipped when its outputs exist with the same settings; after an interruption, rerun the "
      "same command.");
  auto print_config = std::make_shared<bool>(false);
  CLI::Option* preset = cmd->add_option(
      "--preset", c->preset, "a shipped preset: nano (the full run, ~45 min on 2 cores) | tiny (a quick check)");
  cmd->add_option("--config", c->config_file,
                  "a preset file (YAML, as --print-config writes; `preset: nano` + the keys to change)")
      ->excludes(preset)
      ->check(CLI::ExistingFile);
  cmd->add_option("--set", c->settings, "KEY=VALUE: change one preset key (repeatable), e.g. --set base_steps=900");
  cmd->add_flag("--print-config", *print_config, "print the resolved preset as YAML (every key, commented) and exit");
  cmd->add_option("--out", c->out, "output folder (writes config.yaml and manifest.json beside the stages)");
  cmd->add_option("--seed", c->seed, "seed of every stage");
  cmd->add_option("--only", c->only, "run this stage alone (its inputs must exist)");
  cmd->add_option("--stop-after", c->stop_after, "stop after this stage");
  cmd->add_option("--bf16", *bf16, "bf16 matmuls in training and generation: auto | on | off")
      ->check(CLI::IsMember({"auto", "on", "off"}));
  cmd->add_flag("!--no-progress", c->progress, "no progress bars");
  add_wait_flag(cmd, c->wait_for_lock);
  cmd->footer("Presets: " + [] {
    std::string s;
    for (const auto& n : pipeline::preset_names()) s += (s.empty() ? "" : ", ") + n;
    return s;
  }() + " (shipped in the binary; presets/*.yaml in the source tree).");
  return [c, bf16, print_config] {
    if (*print_config) {
      std::fputs(pipeline::preset_to_yaml(pipeline::resolve_preset(*c)).c_str(), stdout);
      return 0;
    }
    check(!c->out.empty(), "pipeline", "no output folder", "pass --out DIR (or --print-config to see the preset)");
    c->bf16 = *bf16 == "auto" ? -1 : *bf16 == "on" ? 1 : 0;
    const pipeline::PipelineReport r = pipeline::run_pipeline(*c);
    std::printf("%-13s %8s %9s  %s\n", "stage", "seconds", "peak MiB", "status");
    for (const auto& s : r.stages) {
      const std::string peak = s.skipped ? "-" : std::to_string(static_cast<long>(s.peak_rss_mib));
      std::printf("%-13s %8.0f %9s  %s\n", s.name.c_str(), s.seconds, peak.c_str(),
                  s.skipped ? "up to date (skipped)" : "ran");
    }
    std::printf("wall time %.0f s\n", r.seconds);
    if (!r.report_md.empty()) std::printf("report: %s\n", r.report_md.c_str());
    return 0;
  };
}

}  // namespace insightv::cli
