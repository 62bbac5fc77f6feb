// pipeline/openai_backend.cpp — see openai_backend.h.
#include "pipeline/openai_backend.h"

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <map>
#include <mutex>
#include <thread>

#include "io/base64.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/rng.h"

namespace insightv::pipeline {

json openai_request_body(const ChatRequest& req, const std::string& model,
                         const std::string& image_data_uri) {
  json messages = json::array();
  for (const ChatMessage& m : *req.messages) {
    if (m.has_image && !image_data_uri.empty()) {
      messages.push_back({{"role", m.role},
                          {"content", json::array({{{"type", "image_url"}, {"image_url", {{"url", image_data_uri}}}},
                                                   {{"type", "text"}, {"text", m.text}}})}});
    } else {
      messages.push_back({{"role", m.role}, {"content", m.text}});
    }
  }
  return {{"model", model.empty() ? "default" : model},
          {"messages", messages},
          {"temperature", req.sampling.temperature},
          {"top_p", req.sampling.top_p},
          {"max_tokens", req.sampling.max_tokens},
          {"repetition_penalty", req.sampling.repetition_penalty},
          {"seed", req.seed & 0x7fffffffULL}};
}

struct OpenAiBackend::Impl {
  OpenAiOptions opts;
  std::string host, base_path, key;
  int port = 80;
  // In-flight limit.
  std::mutex mu;
  std::condition_variable cv;
  int in_flight = 0;
  // Keep-alive connections not in use.
  std::vector<std::unique_ptr<httplib::Client>> idle;
  // Encoded images by path.
  std::map<std::string, std::string> images;
  std::atomic<int64_t> retries{0};

  std::unique_ptr<httplib::Client> take_client() {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (!idle.empty()) {
        auto c = std::move(idle.back());
        idle.pop_back();
        return c;
      }
    }
    auto c = std::make_unique<httplib::Client>(host, port);
    c->set_keep_alive(true);
    c->set_tcp_nodelay(true);  // no Nagle + delayed-ACK stall (~40 ms) on small requests
    const auto secs = [](double s) { return std::chrono::microseconds(static_cast<int64_t>(s * 1e6)); };
    c->set_connection_timeout(secs(opts.connect_timeout_s));
    c->set_read_timeout(secs(opts.timeout_s));
    c->set_write_timeout(secs(opts.timeout_s));
    if (!key.empty()) c->set_bearer_token_auth(key);
    return c;
  }
  void give_back(std::unique_ptr<httplib::Client> c) {
    std::lock_guard<std::mutex> lock(mu);
    idle.push_back(std::move(c));
  }

  std::string image_uri(const std::string& path) {
    if (path.empty()) return {};
    {
      std::lock_guard<std::mutex> lock(mu);
      auto it = images.find(path);
      if (it != images.end()) return it->second;
    }
    std::string uri = "data:image/png;base64," + base64_encode(read_file(path));
    std::lock_guard<std::mutex> lock(mu);
    if (images.size() > 256) images.clear();
    images[path] = uri;
    return uri;
  }
};

OpenAiBackend::OpenAiBackend(const std::string& url, OpenAiOptions opts)
    : url_(url), impl_(std::make_unique<Impl>()) {
  impl_->opts = opts;
  check(url.rfind("http://", 0) == 0, "openai", "unsupported URL '" + url + "'",
        "use http://HOST:PORT/v1 (this build has no TLS)");
  std::string rest = url.substr(7);
  const size_t slash = rest.find('/');
  std::string hostport = rest.substr(0, slash);
  impl_->base_path = slash == std::string::npos ? "" : rest.substr(slash);
  while (!impl_->base_path.empty() && impl_->base_path.back() == '/') impl_->base_path.pop_back();
  // A bare server address (what `insightv serve` and vLLM print) means the usual /v1 root.
  if (impl_->base_path.empty()) impl_->base_path = "/v1";
  const size_t colon = hostport.rfind(':');
  impl_->host = hostport.substr(0, colon);
  if (colon != std::string::npos) impl_->port = std::atoi(hostport.substr(colon + 1).c_str());
  check(!impl_->host.empty() && impl_->port > 0, "openai", "bad URL '" + url + "'",
        "use http://HOST:PORT/v1");
  if (const char* k = std::getenv(opts.api_key_env.c_str())) impl_->key = k;
}

OpenAiBackend::~OpenAiBackend() = default;

int64_t OpenAiBackend::retries() const { return impl_->retries.load(); }

std::string OpenAiBackend::chat(const ChatRequest& req) {
  Impl& im = *impl_;
  const std::string body = openai_request_body(req, im.opts.model, im.image_uri(req.image_path)).dump();
  const std::string path = im.base_path + "/chat/completions";
  {
    std::unique_lock<std::mutex> lock(im.mu);
    im.cv.wait(lock, [&] { return im.in_flight < std::max(1, im.opts.concurrency); });
    ++im.in_flight;
  }
  struct Release {
    Impl& im;
    ~Release() {
      std::lock_guard<std::mutex> lock(im.mu);
      --im.in_flight;
      im.cv.notify_one();
    }
  } release{im};

  Rng jitter(mix_seed(req.seed, 0x0a1ULL));
  std::string last_error;
  for (int attempt = 0;; ++attempt) {
    auto client = im.take_client();
    auto res = client->Post(path, body, "application/json");
    double wait_s = im.opts.backoff_s * static_cast<double>(1LL << std::min(attempt, 20));
    if (res) {
      const int status = res->status;
      im.give_back(std::move(client));
      if (status == 200) {
        // A 200 whose body is not a chat completion (a proxy's HTML page, a torn body) is a
        // server fault like a 500: retried, and reported if it persists.
        try {
          check_json_depth(res->body, "response body");
          const json j = json::parse(res->body);
          const json& content = j.at("choices").at(0).at("message").at("content");
          return content.is_string() ? content.get<std::string>() : content.dump();
        } catch (const std::exception& e) {
          last_error = std::string("unexpected response (") + e.what() + "): " + res->body.substr(0, 120);
        }
      } else {
        last_error = "HTTP " + std::to_string(status) + " " + res->body.substr(0, 200);
        if (status != 429 && status < 500)
          throw Error("openai", "POST " + url_ + path + ": " + last_error,
                      "check the model name, the request and $" + im.opts.api_key_env);
        if (res->has_header("Retry-After")) wait_s = std::atof(res->get_header_value("Retry-After").c_str());
      }
    } else {
      last_error = "connection error: " + httplib::to_string(res.error());
    }
    if (attempt >= im.opts.max_retries)
      throw Error("openai", "POST " + url_ + path + ": " + last_error + " after " +
                                std::to_string(attempt + 1) + " tries",
                  "is the server up, and an OpenAI-compatible chat-completions endpoint? raise --retries or --timeout");
    ++im.retries;
    wait_s = std::min(wait_s, im.opts.max_backoff_s) * jitter.uniform(0.5, 1.0);
    std::this_thread::sleep_for(std::chrono::microseconds(static_cast<int64_t>(wait_s * 1e6)));
  }
}

std::unique_ptr<ChatBackend> make_openai_backend(const std::string& url, const BackendOptions& o) {
  OpenAiOptions oo;
  oo.concurrency = o.concurrency;
  oo.timeout_s = o.timeout_s;
  oo.max_retries = o.max_retries;
  if (!o.model.empty()) oo.model = o.model;
  return std::make_unique<OpenAiBackend>(url, oo);
}

}  // namespace insightv::pipeline
