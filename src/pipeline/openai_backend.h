// pipeline/openai_backend.h — the "openai:URL" backend: an OpenAI-compatible chat-completions
// client with image input (vLLM, llama.cpp server, `insightv serve`).
//
//   OpenAiOptions o;  o.concurrency = 32;  o.timeout_s = 60;
//   OpenAiBackend b("http://127.0.0.1:8000/v1", o);   // POSTs to /v1/chat/completions
//   std::string reply = b.chat(req);                  // thread-safe; many threads at once
//
// Requests: {"model", "messages", "temperature", "top_p", "max_tokens", "repetition_penalty"
// (vLLM's extension), "seed"}; a message with has_image carries the request's image as a
// data:image/png;base64 URI before its text. The key comes from $OPENAI_API_KEY (optional).
// At most `concurrency` requests are in flight (callers beyond that wait). Connection errors,
// timeouts, 429 and 5xx are retried `max_retries` times with exponential back-off and jitter
// (Retry-After honoured, capped by max_backoff_s); other 4xx fail at once. Errors read
// "[openai] POST URL: HTTP 400 ... — hint". http:// only (no TLS in this build).
// Keeps a pool of keep-alive connections and a small cache of encoded images.
#pragma once

#include <memory>
#include <string>

#include "pipeline/chat_backend.h"

namespace insightv::pipeline {

struct OpenAiOptions {
  int concurrency = 8;
  double timeout_s = 120;
  double connect_timeout_s = 10;
  int max_retries = 5;
  double backoff_s = 0.5;       // first back-off; doubles each retry
  double max_backoff_s = 30;
  std::string model = "default";
  std::string api_key_env = "OPENAI_API_KEY";
};

// The JSON body of a chat-completions request (exposed for tests).
json openai_request_body(const ChatRequest& req, const std::string& model,
                         const std::string& image_data_uri);

class OpenAiBackend : public ChatBackend {
 public:
  OpenAiBackend(const std::string& url, OpenAiOptions opts);
  ~OpenAiBackend() override;
  std::string chat(const ChatRequest& req) override;
  std::string name() const override { return "openai:" + url_; }
  // Requests retried so far (for reports and tests).
  int64_t retries() const;

 private:
  struct Impl;
  std::string url_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace insightv::pipeline
