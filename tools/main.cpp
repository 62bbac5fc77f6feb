// tools/main.cpp — the `insightv` command: parses the verb, runs it, maps errors to exit codes.
//   exit 0: success; 1: the work failed (an insightv::Error, printed as one line);
//   2: bad usage (unknown verb or flag; usage is printed).
#include <cstdio>
#include <exception>
#include <map>
#include <set>
#include <string>

#include "model/runtime.h"
#include "io/output_lock.h"
#include "tools/verbs.h"
#include "util/error.h"
#include "util/log.h"

namespace {

using insightv::cli::VerbFn;

int run(int argc, char** argv) {
  insightv::cli::GlobalOptions global;
  CLI::App app{"insightv — Insight-V long-chain visual reasoning: data, agents, training, serving.",
               "insightv"};
  app.set_version_flag("--version", std::string("insightv ") + INSIGHTV_VERSION);
  app.option_defaults()->always_capture_default();
  app.add_option("--threads", global.threads, "CPU threads for tensor work (0 = one per core)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--log-level", global.log_level, "debug | info | warn | error | off")
      ->check(CLI::IsMember({"debug", "info", "warn", "warning", "error", "off"}));
  app.require_subcommand(1);
  app.fallthrough();  // global flags may also follow the verb

  std::map<CLI::App*, VerbFn> verbs;
  auto add = [&](VerbFn fn) { verbs[app.get_subcommands({}).back()] = std::move(fn); };
  add(insightv::cli::add_ask(app, global));
  add(insightv::cli::add_doctor(app, global));
  add(insightv::cli::add_inspect(app, global));
  add(insightv::cli::add_model(app, global));
  add(insightv::cli::add_serve(app, global));
  add(insightv::cli::add_tokenize(app, global));
  add(insightv::cli::add_train(app, global));
  add(insightv::cli::add_generate(app, global));
  add(insightv::cli::add_world(app, global));
  add(insightv::cli::add_datagen(app, global));
  add(insightv::cli::add_assess(app, global));
  add(insightv::cli::add_dpo_iterate(app, global));
  add(insightv::cli::add_pipeline(app, global));
  add(insightv::cli::add_plot(app, global));
  add(insightv::cli::add_eval(app, global));
  add(insightv::cli::add_browse(app, global));

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string msg = e.what();
    const auto extra = app.remaining();
    if (app.get_subcommands().empty() && !extra.empty() && extra.front().rfind("-", 0) != 0)
      msg = "unknown verb '" + extra.front() + "'";
    std::fprintf(stderr, "insightv: error: %s\n\n", msg.c_str());
    // The usage of the verb that failed to parse, or of the whole tool.
    const CLI::App* where = &app;
    for (const CLI::App* sub : app.get_subcommands()) where = sub;
    std::fprintf(stderr, "%s\n", where->help().c_str());
    return 2;
  }

  insightv::set_process_command_line(argc, argv);
  insightv::set_log_level(insightv::parse_log_level(global.log_level));
  insightv::set_threads(global.threads);
  for (CLI::App* sub : app.get_subcommands()) {
    auto it = verbs.find(sub);
    if (it != verbs.end()) return it->second();
  }
  std::fprintf(stderr, "insightv: error: no verb given\n\n%s\n", app.help().c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  // Verbs that run tensor work get a passive OpenMP wait policy (a re-exec, ~0.3 s); light ones
  // (tokenize, world, inspect, help) start once.
  static const std::set<std::string> kTensorVerbs = {"doctor", "train", "serve", "ask", "datagen", "assess",
                                                     "model", "eval", "pipeline", "dpo-iterate", "generate"};
  for (int i = 1; i < argc; ++i)
    if (kTensorVerbs.count(argv[i])) {
      insightv::ensure_passive_openmp(argv);
      break;
    }
  try {
    return run(argc, argv);
  } catch (const insightv::Error& e) {
    std::fprintf(stderr, "insightv: error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "insightv: internal error: %s\n", e.what());
    return 1;
  }
}
