// server/http_server.cpp — routes, the request → agents mapping, SSE streaming, error mapping.
#include "server/http_server.h"

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "server/connection_guard.h"
#include "server/web_routes.h"
#include "util/error.h"
#include "util/log.h"

namespace insightv {

namespace {

using Clock = std::chrono::steady_clock;
using Emit = std::function<bool(const json&)>;  // a stream chunk; false: the client is gone

// Cancellation and deadline of one request, shared with the generation callbacks.
struct RequestCtl {
  std::atomic<bool> cancelled{false}, timed_out{false};
  Clock::time_point deadline;
  std::function<bool()> client_gone;  // non-streaming requests: has the client hung up?
  std::atomic<int64_t> next_probe_ns{0};
  bool alive() {
    if (cancelled) return false;
    const Clock::time_point now = Clock::now();
    if (now > deadline) {
      timed_out = true;
      cancelled = true;
    }
    const int64_t ns = now.time_since_epoch().count();
    int64_t due = next_probe_ns.load();
    if (client_gone && ns >= due && next_probe_ns.compare_exchange_strong(due, ns + 50'000'000) && client_gone()) {
      IV_LOG(info) << "client hung up: cancelling its request";
      cancelled = true;
    }
    return !cancelled;
  }
};

// Events from the generation thread to the connection's writer.
struct Channel {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::string> events;
  bool closed = false;
  std::atomic<bool> gone{false};
  bool push(std::string ev) {
    if (gone) return false;
    std::lock_guard<std::mutex> lock(mu);
    events.push_back(std::move(ev));
    cv.notify_one();
    return true;
  }
  void close() {
    std::lock_guard<std::mutex> lock(mu);
    closed = true;
    cv.notify_one();
  }
  // false when closed and drained; an empty `ev` is a timeout tick.
  bool pop(std::string& ev) {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait_for(lock, std::chrono::milliseconds(100), [&] { return closed || !events.empty(); });
    ev.clear();
    if (!events.empty()) {
      ev = std::move(events.front());
      events.pop_front();
      return true;
    }
    return !closed;
  }
};

// Never throws on invalid UTF-8 (replaced by U+FFFD).
std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

void send_json(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(dump(body), "application/json");
}

// The best-of-N vote: one group per normalised answer, largest first (ties: first seen).
json vote_groups(const AgentAnswer& a) {
  std::vector<std::pair<std::string, std::vector<size_t>>> groups;
  for (size_t i = 0; i < a.chains.size(); ++i) {
    const std::string key = normalize_answer(a.chains[i].answer);
    auto it = std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.first == key; });
    if (it == groups.end()) groups.push_back({key, {i}});
    else it->second.push_back(i);
  }
  std::stable_sort(groups.begin(), groups.end(), [](const auto& x, const auto& y) { return x.second.size() > y.second.size(); });
  json out = json::array();
  for (const auto& [key, chains] : groups)
    out.push_back({{"answer", a.chains[chains.front()].answer}, {"count", chains.size()}, {"chains", chains}});
  return out;
}

}  // namespace

struct HttpServer::Impl {
  ServingSetup setup;
  ServerOptions opt;
  httplib::Server svr;
  int port = -1;
  std::atomic<uint64_t> next_id{1};
  std::atomic<bool> serving{false}, stop_requested{false};
  int listen_fd = -1;
  std::unique_ptr<ConnectionGuard> guard;

  // Constant-time comparison of the request's bearer token with the key.
  bool authorized(const httplib::Request& rq) const {
    const std::string want = "Bearer " + opt.api_key;
    const std::string got = rq.get_header_value("Authorization");
    unsigned diff = got.size() != want.size();
    for (size_t i = 0; i < want.size(); ++i) diff |= static_cast<unsigned>(want[i] ^ (i < got.size() ? got[i] : 0));
    return diff == 0;
  }

  std::string new_id(const char* prefix) { return prefix + std::to_string(next_id++); }
  std::string model_name(const std::string& asked) const { return asked.empty() ? opt.model_name : asked; }

  // Runs `f`, mapping every exception to an OpenAI error response.
  template <class F>
  void guarded(httplib::Response& res, F&& f) {
    try {
      f();
    } catch (const ApiError& e) {
      send_json(res, e.status, error_body(e));
    } catch (const QueueFullError& e) {
      send_json(res, 429, error_body(429, e.what(), "queue_full"));
    } catch (const PromptTooLongError& e) {
      send_json(res, 400, error_body(ApiError(400, e.what(), "messages", "context_length_exceeded")));
    } catch (const std::exception& e) {
      IV_LOG(warn) << "request failed: " << e.what();
      send_json(res, 500, error_body(500, e.what(), "internal_error"));
    } catch (...) {
      send_json(res, 500, error_body(500, "unknown error", "internal_error"));
    }
  }

  // Non-streaming requests: the library does not say when the client hangs up, so the request
  // polls its own socket (found once by the peer's address) while it generates.
  void watch_client(RequestCtl& ctl, const httplib::Request& rq) {
    const int fd = find_connection(port, rq.remote_addr, rq.remote_port);
    if (fd >= 0) ctl.client_gone = [fd] { return peer_has_closed(fd); };
  }

  std::string mode() const {
    return setup.tokenizer == nullptr ? "browse" : setup.two_agent ? "two-agent" : "single-model";
  }

  void timeout_check(RequestCtl& ctl) {
    if (ctl.timed_out)
      throw ApiError(504, "request timed out after " + std::to_string(opt.request_timeout_s) + " s", "", "timeout",
                     "server_error");
  }

  void need_model() const {
    if (setup.tokenizer == nullptr)
      throw ApiError(503, "this server has no model loaded (insightv browse); start `insightv serve --reason CKPT "
                          "--summary CKPT` to chat", "", "no_model", "server_error");
  }

  json run_chat(const ChatRequest& req, const Emit& emit, RequestCtl& ctl) {
    need_model();
    const std::string id = new_id("chatcmpl-"), model = model_name(req.model);
    const SamplingOverrides& s = req.sampling;
    auto send = [&](size_t i, const json& delta, const std::string& finish = {}) {
      return ctl.alive() && (!emit || emit(chat_chunk(id, model, i, delta, finish)) || (ctl.cancelled = true, false));
    };
    if (emit)
      for (int i = 0; i < s.n; ++i) send(static_cast<size_t>(i), {{"role", "assistant"}, {"content", ""}});
    std::vector<ChatChoice> choices;
    Usage usage;
    json extra;
    try {
      if (setup.two_agent) {
        if (!req.images.empty() && !setup.reason.accepts_images)
          throw ApiError(400, "this model does not accept images", "messages", "images_not_supported");
        if (req.images.size() > 1)
          throw ApiError(400, "the two-agent pipeline takes one image per request", "messages", "too_many_images");
        AgentOptions o = setup.agent;
        o.chains = s.n;
        if (s.temperature) o.reason.sampling.temperature = *s.temperature;
        if (s.top_p) o.reason.sampling.top_p = *s.top_p;
        if (s.seed) o.reason.sampling.seed = o.summary.sampling.seed = *s.seed;
        if (s.max_tokens) o.summary.max_new_tokens = *s.max_tokens;
        o.summary.stop_strings = s.stop;
        AgentRunner runner(setup.reason, setup.summary, *setup.tokenizer, o);
        AgentCallbacks cb;
        cb.on_reasoning = [&](size_t i, const std::string& d) { return send(i, {{"reasoning_content", d}}); };
        cb.on_answer = [&](size_t i, const std::string& d) { return send(i, {{"content", d}}); };
        AgentAnswer a = runner.ask({req.question, req.images}, o, cb);
        for (const auto& c : a.chains)
          choices.push_back({c.answer, c.chain, openai_finish_reason(c.summary.finish_reason)});
        usage = {a.prompt_tokens, a.completion_tokens};
        extra = {{"answer", a.answer}, {"agreement", a.agreement}, {"best", a.best}, {"votes", vote_groups(a)}};
      } else {
        if (!req.images.empty() && !setup.single.accepts_images)
          throw ApiError(400, "this model does not accept images", "messages", "images_not_supported");
        GenerationParams p = setup.chat;
        if (s.temperature) p.sampling.temperature = *s.temperature;
        if (s.top_p) p.sampling.top_p = *s.top_p;
        if (s.seed) p.sampling.seed = *s.seed;
        if (s.max_tokens) p.max_new_tokens = *s.max_tokens;
        p.stop_strings = s.stop;
        ChatAnswer a = chat_once(setup.single, *setup.tokenizer, req.messages, req.images, p, s.n,
                                 [&](size_t i, const std::string& d) { return send(i, {{"content", d}}); });
        for (size_t i = 0; i < a.texts.size(); ++i)
          choices.push_back({a.texts[i], "", openai_finish_reason(a.results[i].finish_reason)});
        usage = {a.prompt_tokens, a.completion_tokens};
      }
    } catch (const Error&) {
      timeout_check(ctl);
      throw;
    }
    timeout_check(ctl);
    if (emit) {
      for (size_t i = 0; i < choices.size(); ++i) send(i, json::object(), choices[i].finish_reason);
      if (s.include_insightv && !extra.is_null() && ctl.alive()) {
        json v = chat_chunk(id, model, 0, json::object());
        v["choices"] = json::array();
        v["insightv"] = extra;
        emit(v);
      }
      if (s.include_usage) {
        json u = chat_chunk(id, model, 0, json::object());
        u["choices"] = json::array();
        u["usage"] = usage.to_json();
        if (ctl.alive()) emit(u);
      }
    }
    json out = chat_response(id, model, choices, usage);
    if (!extra.is_null()) out["insightv"] = extra;
    return out;
  }

  json run_completion(const CompletionRequest& req, RequestCtl& ctl) {
    need_model();
    if (setup.two_agent)
      throw ApiError(404, "/v1/completions is served in single-model mode (insightv serve --model CKPT)", "",
                     "unsupported_route");
    GenerationParams p = setup.chat;
    const SamplingOverrides& s = req.sampling;
    if (s.temperature) p.sampling.temperature = *s.temperature;
    if (s.top_p) p.sampling.top_p = *s.top_p;
    if (s.seed) p.sampling.seed = *s.seed;
    if (s.max_tokens) p.max_new_tokens = *s.max_tokens;
    p.stop_strings = s.stop;
    ChatAnswer a;
    try {
      a = complete_once(setup.single, *setup.tokenizer, req.prompt, p, s.n,
                        [&](size_t, const std::string&) { return ctl.alive(); });
    } catch (const Error&) {
      timeout_check(ctl);
      throw;
    }
    std::vector<ChatChoice> choices;
    for (size_t i = 0; i < a.texts.size(); ++i)
      choices.push_back({a.texts[i], "", openai_finish_reason(a.results[i].finish_reason)});
    return completion_response(new_id("cmpl-"), model_name(req.model), choices, {a.prompt_tokens, a.completion_tokens});
  }

  void stream_chat(httplib::Response& res, std::shared_ptr<ChatRequest> req) {
    auto ch = std::make_shared<Channel>();
    auto ctl = std::make_shared<RequestCtl>();
    ctl->deadline = Clock::now() + std::chrono::seconds(opt.request_timeout_s);
    res.set_header("Cache-Control", "no-cache");
    res.set_chunked_content_provider("text/event-stream", [this, ch, ctl, req](size_t, httplib::DataSink& sink) {
      std::thread worker([this, ch, ctl, req] {
        try {
          run_chat(*req, [ch](const json& chunk) { return ch->push("data: " + dump(chunk) + "\n\n"); }, *ctl);
        } catch (const ApiError& e) {
          ch->push("data: " + dump(error_body(e)) + "\n\n");
        } catch (const QueueFullError& e) {
          ch->push("data: " + dump(error_body(429, e.what(), "queue_full")) + "\n\n");
        } catch (const std::exception& e) {
          if (!ch->gone) ch->push("data: " + dump(error_body(500, e.what(), "internal_error")) + "\n\n");
        } catch (...) {
        }
        ch->close();
      });
      bool ok = true;
      std::string ev;
      while (ch->pop(ev)) {
        if (ok && ev.empty() && sink.is_writable && !sink.is_writable()) ok = false;
        if (ok && !ev.empty() && !sink.write(ev.data(), ev.size())) ok = false;
        if (!ok && !ch->gone) {
          ch->gone = true;  // the client disconnected: cancel its rows
          ctl->cancelled = true;
        }
      }
      worker.join();
      if (!ok) return false;
      static const std::string done = "data: [DONE]\n\n";
      sink.write(done.data(), done.size());
      sink.done();
      return true;
    });
  }

  void routes() {
    svr.set_pre_routing_handler([this](const httplib::Request& rq, httplib::Response& res) {
      guard->request_read(rq.remote_addr, rq.remote_port);
      const bool protected_path = rq.path.rfind("/v1/", 0) == 0;
      if (!opt.api_key.empty() && protected_path && !authorized(rq)) {
        res.set_header("WWW-Authenticate", "Bearer");
        send_json(res, 401, error_body(401, "missing or wrong API key (send Authorization: Bearer KEY)",
                                       "invalid_api_key"));
        return httplib::Server::HandlerResponse::Handled;
      }
      return httplib::Server::HandlerResponse::Unhandled;
    });
    svr.Post("/v1/chat/completions", [this](const httplib::Request& rq, httplib::Response& res) {
      guarded(res, [&] {
        need_model();
        auto req = std::make_shared<ChatRequest>(parse_chat_request(rq.body, opt.limits));
        if (req->sampling.stream) return stream_chat(res, req);
        RequestCtl ctl;
        ctl.deadline = Clock::now() + std::chrono::seconds(opt.request_timeout_s);
        watch_client(ctl, rq);
        send_json(res, 200, run_chat(*req, nullptr, ctl));
      });
    });
    svr.Post("/v1/completions", [this](const httplib::Request& rq, httplib::Response& res) {
      guarded(res, [&] {
        need_model();
        CompletionRequest req = parse_completion_request(rq.body, opt.limits);
        if (req.sampling.stream) throw ApiError(400, "stream is not supported on /v1/completions", "stream");
        RequestCtl ctl;
        ctl.deadline = Clock::now() + std::chrono::seconds(opt.request_timeout_s);
        watch_client(ctl, rq);
        send_json(res, 200, run_completion(req, ctl));
      });
    });
    svr.Get("/v1/models", [this](const httplib::Request&, httplib::Response& res) {
      guarded(res, [&] {
        send_json(res, 200, models_response(setup.tokenizer ? std::vector<std::string>{opt.model_name}
                                                            : std::vector<std::string>{}));
      });
    });
    svr.Get("/health", [this](const httplib::Request&, httplib::Response& res) {
      guarded(res, [&] {
        json h = {{"status", "ok"}, {"mode", mode()}};
        if (setup.stats) h["engine"] = setup.stats();
        h["slow_connections_closed"] = guard->closed();
        send_json(res, 200, h);
      });
    });
    WebContext web;
    web.pages = opt.web_pages;
    web.data = setup.data;
    web.report = setup.report;
    web.info = [this] {
      return json{{"mode", mode()},
                  {"model", setup.tokenizer ? json(opt.model_name) : json(nullptr)},
                  {"limits",
                   {{"max_image_pixels", opt.limits.max_image_pixels}, {"max_image_bytes", opt.limits.max_image_bytes},
                    {"max_body_bytes", opt.max_body_bytes}, {"max_n", opt.limits.max_n},
                    {"max_tokens", opt.limits.max_tokens}}},
                  {"defaults",
                   {{"temperature", setup.agent.reason.sampling.temperature},
                    {"max_tokens", setup.two_agent ? setup.agent.summary.max_new_tokens : setup.chat.max_new_tokens}}}};
    };
    add_web_routes(svr, std::move(web));
    // Bodies for errors httplib produces itself (404, 413, ...), when no handler wrote one.
    svr.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request& rq, httplib::Response& res) {
      if (!res.body.empty()) return httplib::Server::HandlerResponse::Handled;
      std::string msg = res.status == 404   ? "no route " + rq.method + " " + rq.path
                        : res.status == 413 ? std::string("request body too large")
                                            : "HTTP error " + std::to_string(res.status);
      send_json(res, res.status, error_body(res.status, msg, res.status == 413 ? "body_too_large" : ""));
      return httplib::Server::HandlerResponse::Handled;
    }));
    svr.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
      send_json(res, 500, error_body(500, "internal error", "internal_error"));
    });
  }
};

HttpServer::HttpServer(ServingSetup setup, ServerOptions options) : impl_(std::make_unique<Impl>()) {
  check(setup.tokenizer != nullptr || setup.data || setup.report, "server", "nothing to serve: no model, data or report");
  impl_->setup = std::move(setup);
  impl_->opt = std::move(options);
  impl_->guard = std::make_unique<ConnectionGuard>(impl_->opt.read_deadline_s);
  const int threads = std::max(4, impl_->opt.http_threads);
  impl_->svr.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  impl_->svr.set_payload_max_length(impl_->opt.max_body_bytes);
  // The packaged library listens with a backlog of 5, which drops connections when many
  // clients connect at once; keep the socket to raise the backlog after bind().
  impl_->svr.set_socket_options([impl = impl_.get()](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, reinterpret_cast<const char*>(&yes), sizeof(yes));
    impl->listen_fd = sock;
  });
  // Responses go out as headers then body: without TCP_NODELAY the body waits for the
  // client's delayed ACK (~40 ms per small response on loopback, bench_data_browser).
  impl_->svr.set_tcp_nodelay(true);
  impl_->svr.set_read_timeout(30, 0);
  impl_->svr.set_write_timeout(30, 0);
  impl_->routes();
}

HttpServer::~HttpServer() { stop(); }

int HttpServer::bind() {
  Impl& m = *impl_;
  if (m.opt.port == 0) m.port = m.svr.bind_to_any_port(m.opt.host);
  else m.port = m.svr.bind_to_port(m.opt.host, m.opt.port) ? m.opt.port : -1;
  check(m.port > 0, "server", "cannot listen on " + m.opt.host + ":" + std::to_string(m.opt.port),
        "is the port in use? pick another with --port");
  if (m.listen_fd >= 0) ::listen(m.listen_fd, 1024);  // Linux: a second listen() resizes the backlog
  return m.port;
}

void HttpServer::serve() {
  impl_->serving = true;
  impl_->guard->start(impl_->port);
  if (!impl_->stop_requested) impl_->svr.listen_after_bind();
  impl_->guard->stop();
  impl_->serving = false;
}

void HttpServer::stop() {
  impl_->stop_requested = true;
  // serve() may be between its start and the listen loop: wait until it runs (or has returned).
  while (impl_->serving && !impl_->svr.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  impl_->svr.stop();
}
int HttpServer::port() const { return impl_->port; }

}  // namespace insightv
