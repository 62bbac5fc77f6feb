// tools/serve.cpp — `insightv serve`: the OpenAI-compatible HTTP server over continuous-batching
// engines (one per distinct checkpoint). SIGTERM/SIGINT stop accepting, drain in-flight
// requests, and exit 0. Prints "listening on http://HOST:PORT" once bound (port 0: any).
// The web page (chat at /, --data's browser at /data, --report's viewer at /report) comes
// with it unless --no-web.
#include <torch/torch.h>

#include <cstdlib>
#include <cstdio>

#include "infer/batch_engine.h"
#include "server/http_server.h"
#include "tools/agent_setup.h"
#include "tools/web_setup.h"
#include "util/log.h"

namespace insightv::cli {

VerbFn add_serve(CLI::App& app, const GlobalOptions&) {
  struct Options {
    AgentFlags agents;
    ServerOptions server;
    EngineOptions engine;
    int max_body_mb = 32;
    WebFlags web;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("serve", "OpenAI-compatible HTTP server for the agents (or one model)");
  add_agent_flags(cmd, opt->agents);
  cmd->add_option("--host", opt->server.host, "address to listen on");
  cmd->add_option("--port", opt->server.port, "port (0: any free port)");
  cmd->add_option("--name", opt->server.model_name, "model name reported by /v1/models");
  cmd->add_option("--max-batch", opt->engine.max_rows, "rows decoded together per engine");
  cmd->add_option("--queue", opt->engine.queue_capacity, "waiting requests per engine before 429");
  cmd->add_option("--max-prompt-tokens", opt->engine.max_prompt_tokens, "longest prompt after image expansion");
  cmd->add_flag("--bf16", opt->engine.bf16, "bf16 matmuls for batched decode steps");
  cmd->add_option("--max-tokens", opt->server.limits.max_tokens, "largest max_tokens a request may ask for");
  cmd->add_option("--max-n", opt->server.limits.max_n, "largest n (chains / samples) per request");
  cmd->add_option("--max-body-mb", opt->max_body_mb, "largest request body, MiB (413 beyond)");
  cmd->add_option("--max-image-pixels", opt->server.limits.max_image_pixels, "largest image, width x height");
  cmd->add_option("--timeout-s", opt->server.request_timeout_s, "per-request timeout, seconds (504 beyond)");
  cmd->add_option("--http-threads", opt->server.http_threads, "connections served at once");
  cmd->add_option("--read-deadline-s", opt->server.read_deadline_s,
                  "close connections that send no whole request within this many seconds (slow clients; 0: off)");
  cmd->add_option("--api-key", opt->server.api_key,
                  "require \"Authorization: Bearer KEY\" on /v1/* (the model API; default: $INSIGHTV_API_KEY, or none)");
  cmd->add_flag("--allow-local-files", opt->server.limits.allow_local_files,
                "accept local image paths in image_url (off: data: URIs only)");
  add_web_flags(cmd, opt->web, /*data_positional=*/false);
  cmd->add_flag("--no-web", opt->web.no_web, "do not serve the web page (/, /data, /report); the API only");
  return [opt]() {
    opt->engine.max_prompt_tokens = opt->engine.max_prompt_tokens > 0 ? opt->engine.max_prompt_tokens : 0;
    opt->server.max_body_bytes = static_cast<size_t>(opt->max_body_mb) << 20;
    if (opt->server.api_key.empty())
      if (const char* k = std::getenv("INSIGHTV_API_KEY")) opt->server.api_key = k;
    opt->server.web_pages = !opt->web.no_web;
    const WebSources web = load_web_sources(opt->web);
    LoadedAgents loaded = load_agents(opt->agents);
    const Tokenizer& tok = *loaded.tokenizer;
    Detokenize detok = make_detokenizer(tok);
    std::vector<std::unique_ptr<BatchEngine>> engines;
    ServingSetup setup;
    setup.tokenizer = &tok;
    setup.two_agent = loaded.two_agent();
    setup.data = web.data;
    setup.report = web.report;
    setup.agent = agent_options(opt->agents);
    setup.chat = setup.agent.summary;
    setup.chat.sampling.temperature = opt->agents.summary_temperature;
    auto engine_for = [&](MultimodalLM lm) {
      engines.push_back(std::make_unique<BatchEngine>(lm, detok, opt->engine));
      AgentModel m = agent_model(*engines.back());
      m.template_name = opt->agents.template_name;
      return m;
    };
    if (setup.two_agent) {
      setup.reason = engine_for(loaded.reason.model);
      setup.summary = loaded.summary.model.get() == loaded.reason.model.get() ? setup.reason
                                                                                : engine_for(loaded.summary.model);
    } else {
      setup.single = engine_for(loaded.single.model);
    }
    setup.stats = [&engines]() {
      json all = json::array();
      for (const auto& e : engines) {
        const EngineStats s = e->stats();
        all.push_back({{"steps", s.steps}, {"tokens", s.tokens}, {"queued", s.queued}, {"running_rows", s.running_rows},
                       {"mean_batch", s.steps ? static_cast<double>(s.row_steps) / s.steps : 0.0}});
      }
      return all;
    };
    HttpServer server(setup, opt->server);
    const int port = server.bind();
    std::printf("listening on http://%s:%d (%s)\n", opt->server.host.c_str(), port,
                setup.two_agent ? "two-agent" : "single-model");
    std::fflush(stdout);
    serve_until_signal(server);
    for (auto& e : engines) e->shutdown();
    std::printf("stopped\n");
    return 0;
  };
}

}  // namespace insightv::cli
