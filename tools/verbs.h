// tools/verbs.h — the CLI's verbs. Each tools/<verb>.cpp adds its subcommand to the app and
// returns the function that runs it; main() parses, sets up threads and logging, runs the
// chosen verb and maps errors to exit codes. Verbs are thin: the logic lives in the library.
#pragma once

#include <cstdio>
#include <functional>
#include <string>

#include <CLI/CLI.hpp>

#include "io/output_lock.h"

namespace insightv::cli {

// Options every verb shares (bound in main.cpp).
struct GlobalOptions {
  int threads = 0;              // 0 = one per core
  std::string log_level = "info";
};

// --dtype for the verbs that load a checkpoint for inference: the parameters' dtype after load
// (and so the compute dtype). Checked here; model/checkpoint.h parse_compute_dtype converts it.
inline void add_dtype_flag(CLI::App* cmd, std::string& dtype) {
  cmd->add_option("--dtype", dtype,
                  "weights and compute: f32 (default) | bf16 (half the memory; norms, softmax, logits in fp32) | "
                  "f16 (refused: no f16 CPU kernels in this LibTorch)")
      ->check(CLI::IsMember({"f32", "fp32", "float32", "bf16", "bfloat16", "f16", "fp16", "float16"}));
}

// --wait for the verbs that write resumable state into an output folder: one writer per output
// (io/output_lock.h). Without it a second writer fails at once; with it, it waits its turn.
inline void add_wait_flag(CLI::App* cmd, bool& wait) {
  cmd->add_flag("--wait", wait,
                "if another process is writing the output folder, wait for it to finish instead of failing");
}

// Locks `dir` for this verb (see add_wait_flag); `name` is the lock file (datagen shards have their own).
inline OutputLock lock_output(const std::string& dir, const std::string& component, bool wait,
                              const std::string& name = ".insightv.lock") {
  OutputLockOptions opts;
  opts.wait = wait;
  opts.name = name;
  opts.on_wait = [](const std::string& who) { std::fprintf(stderr, "insightv: waiting: %s\n", who.c_str()); };
  return OutputLock::acquire(dir, component, opts);
}

// A verb's entry point; returns the process exit code.
using VerbFn = std::function<int()>;

// Each registers its subcommand on `app` and returns its runner.
VerbFn add_ask(CLI::App& app, const GlobalOptions& global);
VerbFn add_doctor(CLI::App& app, const GlobalOptions& global);
VerbFn add_inspect(CLI::App& app, const GlobalOptions& global);
VerbFn add_model(CLI::App& app, const GlobalOptions& global);
VerbFn add_serve(CLI::App& app, const GlobalOptions& global);
VerbFn add_tokenize(CLI::App& app, const GlobalOptions& global);
VerbFn add_train(CLI::App& app, const GlobalOptions& global);
VerbFn add_generate(CLI::App& app, const GlobalOptions& global);
VerbFn add_world(CLI::App& app, const GlobalOptions& global);
VerbFn add_datagen(CLI::App& app, const GlobalOptions& global);
VerbFn add_assess(CLI::App& app, const GlobalOptions& global);
VerbFn add_dpo_iterate(CLI::App& app, const GlobalOptions& global);
VerbFn add_pipeline(CLI::App& app, const GlobalOptions& global);
VerbFn add_plot(CLI::App& app, const GlobalOptions& global);
VerbFn add_eval(CLI::App& app, const GlobalOptions& global);
VerbFn add_browse(CLI::App& app, const GlobalOptions& global);

}  // namespace insightv::cli
