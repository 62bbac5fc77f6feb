// The openai: client against a fake OpenAI-compatible server on loopback (the only place a
// fake is allowed): request shape with the image, the protocol end to end, retries on 429 /
// 500 / slow answers, no retry on 400, the in-flight limit.
#include <gtest/gtest.h>

#include <httplib.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <set>
#include <thread>

#include "data/system_formats.h"
#include "io/image.h"
#include "pipeline/datagen.h"
#include "pipeline/openai_backend.h"
#include "pipeline/protocol.h"
#include "pipeline/scoring.h"
#include "support/subprocess.h"
#include "support/vw_tasks.h"
#include "util/error.h"
#include "util/fs.h"

namespace insightv::pipeline {
namespace {

// A loopback server whose answers a test scripts; runs on its own thread.
class FakeServer {
 public:
  using Handler = std::function<void(const json& body, httplib::Response& res)>;
  explicit FakeServer(Handler h) : handler_(std::move(h)) {
    server_.Post("/v1/chat/completions", [this](const httplib::Request& req, httplib::Response& res) {
      const int now = ++in_flight_;
      int seen = max_in_flight_.load();
      while (now > seen && !max_in_flight_.compare_exchange_weak(seen, now)) {}
      ++requests_;
      last_auth_ = req.get_header_value("Authorization");
      handler_(json::parse(req.body), res);
      --in_flight_;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~FakeServer() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }
  int requests() const { return requests_; }
  int max_in_flight() const { return max_in_flight_; }
  std::string last_auth() const { return last_auth_; }

  static void reply(httplib::Response& res, const std::string& content) {
    res.set_content(json{{"choices", {{{"message", {{"role", "assistant"}, {"content", content}}}}}}}.dump(),
                     "application/json");
  }

 private:
  Handler handler_;
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<int> requests_{0}, in_flight_{0}, max_in_flight_{0};
  std::string last_auth_;
};

OpenAiOptions fast_options() {
  OpenAiOptions o;
  o.backoff_s = 0.01;
  o.max_backoff_s = 0.05;
  o.timeout_s = 2;
  return o;
}

TEST(OpenAiBackend, RunsTheProtocolAndSendsTheImageAsADataUri) {
  const std::string dir = test::make_temp_dir("openai-protocol");
  Image img(8, 8, 3);
  write_png(dir + "/img.png", img, PngOptions{});
  json first_body;
  FakeServer server([&](const json& body, httplib::Response& res) {
    if (first_body.is_null()) first_body = body;
    const std::string last = body["messages"].back()["content"];
    if (last == final_answer_prompt()) return FakeServer::reply(res, R"({"title": "FINAL ANSWER", "content": "B"})");
    int steps = 0;
    for (const json& m : body["messages"]) steps += m["role"] == "assistant";
    FakeServer::reply(res, json{{"title", "Step " + std::to_string(steps)}, {"content", "..."},
                                {"next_action", steps >= 3 ? "final_answer" : "continue"}}.dump());
  });
  OpenAiBackend b(server.url(), fast_options());
  const world::Task t = test::make_vw_tasks(1)[0];
  const ReasoningPath p = run_protocol(b, t, dir + "/img.png", 0, 1, ProtocolOptions{});
  EXPECT_EQ(p.steps.size(), 3u);
  EXPECT_EQ(p.final_answer, "B");
  EXPECT_EQ(server.requests(), 4);
  const json& user = first_body["messages"][1];
  EXPECT_EQ(user["content"][0]["type"], "image_url");
  EXPECT_EQ(user["content"][0]["image_url"]["url"].get<std::string>().rfind("data:image/png;base64,", 0), 0u);
  EXPECT_EQ(user["content"][1]["text"], data::task_prompt(t));
  EXPECT_DOUBLE_EQ(first_body["temperature"].get<double>(), 0.7);
  EXPECT_DOUBLE_EQ(first_body["top_p"].get<double>(), 0.95);
  EXPECT_DOUBLE_EQ(first_body["repetition_penalty"].get<double>(), 1.05);
}

TEST(OpenAiBackend, RetriesOn429And500AndSlowAnswers) {
  std::atomic<int> n{0};
  FakeServer server([&](const json&, httplib::Response& res) {
    const int k = n++;
    if (k == 0) { res.status = 429; res.set_header("Retry-After", "0"); return; }
    if (k == 1) { res.status = 500; return; }
    if (k == 2) { std::this_thread::sleep_for(std::chrono::milliseconds(600)); }
    FakeServer::reply(res, "ok");
  });
  OpenAiOptions o = fast_options();
  o.timeout_s = 0.3;
  OpenAiBackend b(server.url(), o);
  std::vector<ChatMessage> msgs = {{"user", "hi", false}};
  ChatRequest req;
  req.messages = &msgs;
  EXPECT_EQ(b.chat(req), "ok");
  EXPECT_EQ(b.retries(), 3);
}

TEST(OpenAiBackend, GivesUpAfterMaxRetriesAndNeverRetriesA400) {
  FakeServer server([&](const json& body, httplib::Response& res) {
    res.status = body["messages"][0]["content"] == "bad" ? 400 : 503;
  });
  OpenAiOptions o = fast_options();
  o.max_retries = 2;
  OpenAiBackend b(server.url(), o);
  std::vector<ChatMessage> msgs = {{"user", "bad", false}};
  ChatRequest req;
  req.messages = &msgs;
  EXPECT_THROW(b.chat(req), Error);
  EXPECT_EQ(server.requests(), 1);
  msgs[0].text = "busy";
  try {
    b.chat(req);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("503"), std::string::npos);
  }
  EXPECT_EQ(server.requests(), 1 + 3);
}

TEST(OpenAiBackend, ConnectionRefusedIsRetriedThenReported) {
  OpenAiOptions o = fast_options();
  o.max_retries = 1;
  OpenAiBackend b("http://127.0.0.1:1/v1", o);
  std::vector<ChatMessage> msgs = {{"user", "x", false}};
  ChatRequest req;
  req.messages = &msgs;
  EXPECT_THROW(b.chat(req), Error);
  EXPECT_EQ(b.retries(), 1);
}

TEST(OpenAiBackend, GarbageAnswersAreRetriedThenReported) {
  std::atomic<int> n{0};
  FakeServer server([&](const json&, httplib::Response& res) {
    const int k = n++;
    if (k == 0) return res.set_content("<html>502 Bad Gateway</html>", "text/html");
    if (k == 1) return res.set_content(R"({"choices": 5})", "application/json");
    if (k == 2) return res.set_content(R"({"choices": [{"message": {"content": "ok")", "application/json");  // torn
    FakeServer::reply(res, "ok");
  });
  OpenAiBackend b(server.url(), fast_options());
  std::vector<ChatMessage> msgs = {{"user", "hi", false}};
  ChatRequest req;
  req.messages = &msgs;
  EXPECT_EQ(b.chat(req), "ok");
  EXPECT_EQ(b.retries(), 3);
  // Garbage every time: reported after the retries, naming what came back.
  FakeServer always_bad([&](const json&, httplib::Response& res) { res.set_content("not json", "text/plain"); });
  OpenAiOptions o = fast_options();
  o.max_retries = 2;
  OpenAiBackend bad(always_bad.url(), o);
  try {
    bad.chat(req);
    FAIL() << "garbage was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("unexpected response"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("after 3 tries"), std::string::npos) << e.what();
  }
  EXPECT_EQ(always_bad.requests(), 3);
}

// A raw TCP server: reads one request per connection; the first `drop` connections are closed
// without an answer (or with half an answer), later ones get a chat completion "ok".
class DroppingServer {
 public:
  explicit DroppingServer(int drop) : drop_(drop) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int yes = 1;
    setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(a);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a));
    ::listen(fd_, 16);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { loop(); });
  }
  ~DroppingServer() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }
  int connections() const { return connections_; }

 private:
  void loop() {
    while (!stop_) {
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      const int k = connections_++;
      std::string req;
      char buf[4096];
      size_t need = std::string::npos;
      while (req.size() < need) {  // the head, then Content-Length bytes of body
        const ssize_t got = ::recv(c, buf, sizeof(buf), 0);
        if (got <= 0) break;
        req.append(buf, static_cast<size_t>(got));
        const size_t head = req.find("\r\n\r\n");
        if (head != std::string::npos && need == std::string::npos) {
          const size_t cl = req.find("Content-Length: ");
          need = head + 4 + (cl == std::string::npos ? 0 : std::stoul(req.substr(cl + 16)));
        }
      }
      if (k < drop_) {
        if (k % 2 == 1) {  // half an answer, then the connection drops
          const std::string part = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{\"cho";
          ::send(c, part.data(), part.size(), MSG_NOSIGNAL);
        }
        ::close(c);
        continue;
      }
      const std::string body = R"({"choices": [{"message": {"role": "assistant", "content": "ok"}}]})";
      const std::string res = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " +
                              std::to_string(body.size()) + "\r\n\r\n" + body;
      ::send(c, res.data(), res.size(), MSG_NOSIGNAL);
      ::close(c);
    }
  }
  int fd_ = -1, port_ = 0, drop_;
  std::atomic<int> connections_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

TEST(OpenAiBackend, ClosedConnectionsAreRetried) {
  DroppingServer server(4);
  OpenAiBackend b(server.url(), fast_options());
  std::vector<ChatMessage> msgs = {{"user", "hi", false}};
  ChatRequest req;
  req.messages = &msgs;
  EXPECT_EQ(b.chat(req), "ok");
  EXPECT_EQ(b.retries(), 4);
  EXPECT_EQ(server.connections(), 5);
}

// datagen over a backend that fails a third of its answers (500s, garbage, timeouts): every
// path is written exactly once, each a whole parseable record.
TEST(OpenAiBackend, FlakyServerNeverCorruptsTheDatagenLedger) {
  const std::string dir = test::make_temp_dir("openai-flaky");
  auto tasks = test::make_vw_tasks(6);
  for (auto& t : tasks) t.image.clear();  // text-only questions (the helper writes no image files)
  test::write_vw_tasks(dir + "/tasks", tasks);
  std::atomic<int> n{0}, faults{0};
  FakeServer server([&](const json& body, httplib::Response& res) {
    const int k = n++;
    if (k % 3 == 1) {
      ++faults;
      switch ((k / 3) % 3) {
        case 0: res.status = 500; return;
        case 1: return res.set_content("garbage", "text/plain");
        default: std::this_thread::sleep_for(std::chrono::milliseconds(700)); break;  // past the timeout
      }
    }
    const std::string last = body["messages"].back()["content"].is_string() ? body["messages"].back()["content"].get<std::string>() : "";
    if (last == final_answer_prompt()) return FakeServer::reply(res, R"({"title": "FINAL ANSWER", "content": "A"})");
    int steps = 0;
    for (const json& m : body["messages"]) steps += m["role"] == "assistant";
    FakeServer::reply(res, json{{"title", "Step"}, {"content", "look"}, {"next_action", steps >= 1 ? "final_answer" : "continue"}}.dump());
  });
  DatagenConfig cfg;
  cfg.tasks = dir + "/tasks";
  cfg.backend = "openai:" + server.url();
  cfg.out = dir + "/out";
  cfg.paths = 2;
  cfg.concurrency = 3;
  cfg.progress = false;
  cfg.backend_options.timeout_s = 0.4;
  cfg.backend_options.max_retries = 6;
  const DatagenReport rep = run_datagen(cfg);
  EXPECT_EQ(rep.generated, 12);
  EXPECT_GT(faults.load(), 3);
  const std::string text = read_file(dir + "/out/paths.jsonl");
  std::set<std::string> keys;
  size_t lines = 0;
  for (size_t at = 0; at < text.size();) {
    const size_t nl = text.find('\n', at);
    ASSERT_NE(nl, std::string::npos) << "a torn last line";
    const json row = json::parse(text.substr(at, nl - at));  // throws on a corrupt line
    keys.insert(row["task_id"].dump() + "/" + row["sample"].dump());
    ++lines;
    at = nl + 1;
  }
  EXPECT_EQ(lines, 12u);
  EXPECT_EQ(keys.size(), 12u) << "a path was written twice";
}

TEST(OpenAiBackend, KeepsAtMostConcurrencyRequestsInFlight) {
  FakeServer server([&](const json&, httplib::Response& res) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    FakeServer::reply(res, "ok");
  });
  OpenAiOptions o = fast_options();
  o.concurrency = 3;
  OpenAiBackend b(server.url(), o);
  std::vector<std::thread> threads;
  for (int i = 0; i < 12; ++i)
    threads.emplace_back([&] {
      std::vector<ChatMessage> msgs = {{"user", "x", false}};
      ChatRequest req;
      req.messages = &msgs;
      EXPECT_EQ(b.chat(req), "ok");
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(server.requests(), 12);
  EXPECT_LE(server.max_in_flight(), 3);
  EXPECT_GE(server.max_in_flight(), 2);
}

TEST(OpenAiBackend, SendsTheApiKeyFromTheEnvironment) {
  FakeServer server([&](const json&, httplib::Response& res) { FakeServer::reply(res, "ok"); });
  setenv("INSIGHTV_TEST_KEY", "sk-test", 1);
  OpenAiOptions o = fast_options();
  o.api_key_env = "INSIGHTV_TEST_KEY";
  OpenAiBackend b(server.url(), o);
  std::vector<ChatMessage> msgs = {{"user", "x", false}};
  ChatRequest req;
  req.messages = &msgs;
  b.chat(req);
  EXPECT_EQ(server.last_auth(), "Bearer sk-test");
}

TEST(OpenAiBackend, ServesAsTheLlmJudgeAndTheLlmScorer) {
  FakeServer server([&](const json& body, httplib::Response& res) {
    const json& msgs = body["messages"];
    if (msgs[0]["role"] == "system") {  // the judge: the paper's prompt, then the user turn
      EXPECT_NE(msgs[0]["content"].get<std::string>().find("microwave"), std::string::npos);
      const std::string user = msgs[1]["content"];
      EXPECT_EQ(user.rfind("Question: ", 0), 0u);
      return FakeServer::reply(res, user.find("Model 1: right") != std::string::npos ? "[1]" : "[0]");
    }
    FakeServer::reply(res, "Scores: [90, 20]");  // the scorer: all paths in one request
  });
  BackendOptions bo;
  auto judge = make_judge("openai:" + server.url(), bo);
  auto scorer = make_scorer("openai:" + server.url(), bo);
  const world::Task t = test::make_vw_tasks(1)[0];
  EXPECT_TRUE(judge->correct(t, "right"));
  EXPECT_FALSE(judge->correct(t, "wrong"));
  std::vector<ReasoningPath> paths(2);
  paths[0].steps = {{"A", "a", "continue"}};
  paths[1].steps = {{"B", "b", "final_answer"}};
  EXPECT_EQ(scorer->score(t, paths), (std::vector<double>{90, 20}));
  EXPECT_EQ(server.requests(), 3);
}

}  // namespace
}  // namespace insightv::pipeline
