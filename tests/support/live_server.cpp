// tests/support/live_server.cpp — see live_server.h.
#include <torch/torch.h>

#include "support/live_server.h"

#include "support/tiny_agents.h"

namespace insightv::test {

LiveServer::LiveServer(LiveServerOptions o) : tok_(std::make_unique<Tokenizer>(tiny_agent_tokenizer())) {
  const Tokenizer* tok = tok_.get();
  Detokenize detok = make_detokenizer(*tok);
  ServingSetup setup;
  setup.tokenizer = tok;
  setup.two_agent = o.two_agent;
  setup.agent.reason.max_new_tokens = o.reason_max_tokens;
  setup.agent.summary.max_new_tokens = o.summary_max_tokens;
  setup.chat = setup.agent.summary;
  const int reason_models = o.two_agent ? 2 : 1;
  for (int i = 0; i < reason_models; ++i)
    engines_.push_back(std::make_unique<BatchEngine>(tiny_multimodal_lm(tok->vocab_size(), 11 + i), detok, o.engine));
  if (o.two_agent) {
    setup.reason = agent_model(*engines_[0]);
    setup.summary = agent_model(*engines_[1]);
  } else {
    setup.single = agent_model(*engines_[0]);
  }
  server_ = std::make_unique<HttpServer>(setup, o.server);
  port_ = server_->bind();
  thread_ = std::thread([this] { server_->serve(); });
}

LiveServer::~LiveServer() {
  server_->stop();
  thread_.join();
  for (auto& e : engines_) e->shutdown();
}

}  // namespace insightv::test
