// tools/inspect.cpp — `insightv inspect PATH | --preset NAME`: validate and summarise.
#include <cstdio>

#include "model/config.h"
#include "model/inspect.h"
#include "tools/verbs.h"
#include "util/error.h"

namespace insightv::cli {

VerbFn add_inspect(CLI::App& app, const GlobalOptions&) {
  struct Options {
    std::string path, preset;
    bool tensors = false;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "inspect", "Validate a checkpoint folder or safetensors file (or size a preset) and print a JSON summary");
  cmd->add_option("path", opt->path, "checkpoint folder, .safetensors or .safetensors.index.json");
  cmd->add_option("--preset", opt->preset, "summarise a preset config instead (nano, llava-next-llama3-8b)");
  cmd->add_flag("--tensors", opt->tensors, "list every tensor");
  return [opt]() {
    json out;
    if (!opt->preset.empty())
      out = summarize_config(preset_config(opt->preset));
    else if (!opt->path.empty())
      out = inspect_path(opt->path, opt->tensors);
    else
      throw Error("inspect", "give a PATH or --preset NAME");
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
  };
}

}  // namespace insightv::cli
