// server/http_server.h — the OpenAI-compatible HTTP front of the agents and the batch engine.
//
// Routes: POST /v1/chat/completions (two-agent: content = answer, reasoning_content = chain;
// single-model: plain chat), POST /v1/completions (single-model mode), GET /v1/models,
// GET /health, and the web page (server/web_routes.h: /, /data, /report, /api/*).
// stream: true → server-sent events (reasoning_content deltas, then content
// deltas, then [DONE]). Every handler catches everything: bad input → 400, body too big → 413,
// queue full → 429, timeout → 504, anything else → 500, each with an OpenAI error body; a
// client that disconnects (streaming or not) has its rows cancelled. With an API key, /v1/*
// without "Authorization: Bearer KEY" get 401. Connections that deliver no whole request within
// read_deadline_s are closed (slowloris; server/connection_guard.h).
//
//   HttpServer server(setup, ServerOptions{});   // setup: tokenizer + AgentModels (engine-backed)
//   int port = server.bind();                     // options.port 0 → any free port
//   std::thread t([&] { server.serve(); });       // blocks until stop()
//   server.stop(); t.join();                      // stop accepting; in-flight requests finish
//
// What it is not: the batching (infer/batch_engine.h) or the prompts (infer/agents.h). The
// request mapping in two-agent mode: temperature/top_p/seed → the reasoning agent, max_tokens
// and stop → the answer (summary agent), n → the number of chains (choices), with the majority
// answer, its agreement and the vote under "insightv" (streamed as a last chunk with no
// choices when stream_options.include_insightv is true).
// Without a model (tokenizer null: `insightv browse`) the /v1 routes answer 503 no_model and
// only the web page and its data/report routes work.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "infer/agents.h"
#include "server/data_index.h"
#include "server/openai_api.h"
#include "server/report_folder.h"

namespace insightv {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8000;                      // 0: any free port (bind() returns it)
  size_t max_body_bytes = 32u << 20;    // larger bodies get 413
  RequestLimits limits;
  int request_timeout_s = 600;          // per request, queueing included
  int http_threads = 128;               // concurrent connections served
  double read_deadline_s = 20;          // a connection must deliver a whole request within this
                                        // (slow clients are closed; server/connection_guard.h); 0: off
  std::string api_key;                  // non-empty: /v1/* needs "Authorization: Bearer KEY"
  std::string model_name = "insightv";  // what /v1/models lists
  bool web_pages = true;                 // serve the web page at /, /data, /report
};

struct ServingSetup {
  const Tokenizer* tokenizer = nullptr;  // not owned; must outlive the server; null: no model
  bool two_agent = true;
  AgentModel reason, summary;            // two-agent mode
  AgentModel single;                     // single-model mode
  AgentOptions agent;                    // per-agent defaults (two-agent mode)
  GenerationParams chat;                 // defaults in single-model mode
  std::function<json()> stats;           // extra fields for /health (optional)
  std::shared_ptr<const DataIndex> data;       // the data browser's folder (optional)
  std::shared_ptr<const ReportFolder> report;  // the report viewer's folder (optional)
};

class HttpServer {
 public:
  HttpServer(ServingSetup setup, ServerOptions options);
  ~HttpServer();
  int bind();    // binds host:port; returns the port. Throws Error when it cannot.
  void serve();  // serves until stop(); returns after in-flight requests finished
  void stop();   // thread-safe, async-signal-unsafe (call from a normal thread)
  int port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace insightv
