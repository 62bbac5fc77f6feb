// tests/support/live_server.h — an in-process OpenAI server on loopback over tiny models, for
// integration tests (raw HTTP, the openai npm client, load tests).
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "infer/batch_engine.h"
#include "server/http_server.h"

namespace insightv::test {

struct LiveServerOptions {
  bool two_agent = true;
  ServerOptions server;
  EngineOptions engine;
  int reason_max_tokens = 16, summary_max_tokens = 8;
  LiveServerOptions() {
    server.port = 0;
    server.request_timeout_s = 120;
  }
};

class LiveServer {
 public:
  explicit LiveServer(LiveServerOptions o = {});
  ~LiveServer();
  int port() const { return port_; }
  BatchEngine& engine(size_t i = 0) { return *engines_[i]; }

 private:
  std::unique_ptr<Tokenizer> tok_;
  std::vector<std::unique_ptr<BatchEngine>> engines_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace insightv::test
