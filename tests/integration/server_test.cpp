// Integration tests of server/: the OpenAI routes on loopback with raw HTTP — answers and
// reasoning, streaming order, n > 1, single-model mode, every kind of bad input, a client that
// disconnects mid-stream — and that the server keeps answering correctly afterwards.
#include <torch/torch.h>

#include <httplib.h>

#include <gtest/gtest.h>

#include "io/base64.h"
#include "io/json.h"
#include "support/live_server.h"
#include "support/tiny_agents.h"

using namespace insightv;
using insightv::test::LiveServer;
using insightv::test::LiveServerOptions;

namespace {

json chat_body(const std::string& text, bool image = true) {
  json content = json::array();
  if (image) content.push_back({{"type", "image_url"}, {"image_url", {{"url", test::png_data_uri(test::tiny_test_image())}}}});
  content.push_back({{"type", "text"}, {"text", text}});
  return {{"model", "insightv"}, {"messages", json::array({{{"role", "user"}, {"content", content}}})}};
}

httplib::Result post(int port, const std::string& path, const std::string& body) {
  httplib::Client cli("127.0.0.1", port);
  cli.set_read_timeout(120, 0);
  return cli.Post(path.c_str(), body, "application/json");
}

// Asserts an OpenAI-style error with this status.
void expect_error(const httplib::Result& r, int status, const std::string& mentions) {
  ASSERT_TRUE(r) << "no response";
  EXPECT_EQ(r->status, status) << r->body;
  const json j = json::parse(r->body, nullptr, false);
  ASSERT_TRUE(j.is_object() && j.contains("error")) << r->body;
  EXPECT_TRUE(j["error"].contains("message") && j["error"].contains("type") && j["error"].contains("param") &&
              j["error"].contains("code"));
  EXPECT_NE(j["error"]["message"].get<std::string>().find(mentions), std::string::npos) << r->body;
}

void expect_good_answer(int port) {
  auto r = post(port, "/v1/chat/completions", chat_body("How many?").dump());
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const json j = json::parse(r->body);
  EXPECT_EQ(j["object"], "chat.completion");
  EXPECT_TRUE(j["choices"][0]["message"]["content"].is_string());
}

}  // namespace

TEST(IntegrationServer, HealthAndModelsAnswer) {
  LiveServer s;
  httplib::Client cli("127.0.0.1", s.port());
  auto h = cli.Get("/health");
  ASSERT_TRUE(h);
  EXPECT_EQ(json::parse(h->body)["status"], "ok");
  auto m = cli.Get("/v1/models");
  ASSERT_TRUE(m);
  EXPECT_EQ(json::parse(m->body)["data"][0]["id"], "insightv");
  expect_error(cli.Get("/v1/nothing"), 404, "no route");
}

TEST(IntegrationServer, ChatReturnsAnswerReasoningAndUsage) {
  LiveServer s;
  auto r = post(s.port(), "/v1/chat/completions", chat_body("How many circles?").dump());
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const json j = json::parse(r->body);
  const json& msg = j["choices"][0]["message"];
  EXPECT_EQ(msg["role"], "assistant");
  EXPECT_TRUE(msg["content"].is_string());
  EXPECT_TRUE(msg.contains("reasoning_content"));
  EXPECT_GT(j["usage"]["prompt_tokens"].get<int>(), 0);
  EXPECT_EQ(j["usage"]["total_tokens"].get<int>(),
            j["usage"]["prompt_tokens"].get<int>() + j["usage"]["completion_tokens"].get<int>());
}

TEST(IntegrationServer, NGivesNChoicesWithAgreement) {
  LiveServer s;
  json body = chat_body("Which?");
  body["n"] = 3;
  body["seed"] = 5;
  auto r = post(s.port(), "/v1/chat/completions", body.dump());
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const json j = json::parse(r->body);
  EXPECT_EQ(j["choices"].size(), 3u);
  const double agreement = j["insightv"]["agreement"].get<double>();
  EXPECT_GE(agreement, 1.0 / 3 - 1e-9);
  EXPECT_LE(agreement, 1.0);
}

TEST(IntegrationServer, StreamSendsReasoningThenContentThenDone) {
  LiveServer s;
  json body = chat_body("Stream it");
  body["stream"] = true;
  auto r = post(s.port(), "/v1/chat/completions", body.dump());
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  EXPECT_NE(r->get_header_value("Content-Type").find("text/event-stream"), std::string::npos);
  std::vector<std::string> kinds;
  std::string last;
  size_t pos = 0;
  while ((pos = r->body.find("data: ", pos)) != std::string::npos) {
    const size_t end = r->body.find("\n\n", pos);
    last = r->body.substr(pos + 6, end - pos - 6);
    pos = end;
    if (last == "[DONE]") break;
    const json c = json::parse(last);
    const json& d = c["choices"][0]["delta"];
    if (d.contains("reasoning_content")) kinds.push_back("r");
    if (d.contains("content") && !d["content"].get<std::string>().empty()) kinds.push_back("c");
  }
  EXPECT_EQ(last, "[DONE]");
  ASSERT_FALSE(kinds.empty());
  EXPECT_EQ(kinds.front(), "r");
  const auto first_c = std::find(kinds.begin(), kinds.end(), "c");
  EXPECT_TRUE(std::find(first_c, kinds.end(), "r") == kinds.end()) << "reasoning after content";
}

TEST(IntegrationServer, SingleModelModeServesCompletionsAndChat) {
  LiveServerOptions o;
  o.two_agent = false;
  LiveServer s(o);
  auto r = post(s.port(), "/v1/completions", json{{"prompt", "the"}, {"max_tokens", 5}, {"n", 2}}.dump());
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const json j = json::parse(r->body);
  EXPECT_EQ(j["object"], "text_completion");
  EXPECT_EQ(j["choices"].size(), 2u);
  EXPECT_LE(j["usage"]["completion_tokens"].get<int>(), 10);
  expect_good_answer(s.port());
}

TEST(IntegrationServer, BadInputGets4xxWithOpenAiErrorAndServerStaysUp) {
  LiveServerOptions o;
  o.server.max_body_bytes = 1 << 20;
  LiveServer s(o);
  const int p = s.port();
  const std::string route = "/v1/chat/completions";
  expect_error(post(p, route, "{\"messages\": [ {\"role\": "), 400, "not valid JSON");
  expect_error(post(p, route, json{{"messages", "hello"}}.dump()), 400, "messages must be an array");
  json t = chat_body("x");
  t["temperature"] = "hot";
  expect_error(post(p, route, t.dump()), 400, "temperature must be a number");
  json roles = chat_body("x");
  roles["messages"][0]["role"] = "robot";
  expect_error(post(p, route, roles.dump()), 400, "role");
  auto with_url = [](const std::string& url) {
    json b = chat_body("x", false);
    b["messages"][0]["content"].push_back({{"type", "image_url"}, {"image_url", {{"url", url}}}});
    return b.dump();
  };
  expect_error(post(p, route, with_url("data:image/png;base64,@@not*base64!!")), 400, "base64");
  expect_error(post(p, route, with_url("data:image/png;base64," + base64_encode("hello, not an image"))), 400,
               "not a decodable");
  expect_error(post(p, route, with_url("https://example.com/cat.png")), 400, "remote image URLs");
  expect_error(post(p, route, with_url("/etc/hostname")), 400, "local image paths are disabled");
  json many = chat_body("x");
  many["max_tokens"] = 1000000;
  expect_error(post(p, route, many.dump()), 400, "exceeds this server's limit");
  expect_error(post(p, route, std::string(2 << 20, ' ')), 413, "too large");
  expect_error(post(p, "/v1/completions", json{{"prompt", "x"}}.dump()), 404, "single-model mode");
  expect_good_answer(p);
}

TEST(IntegrationServer, ClientDisconnectMidStreamCancelsItsWork) {
  LiveServerOptions o;
  o.reason_max_tokens = 100000;  // would run for minutes unless cancelled
  LiveServer s(o);
  json body = chat_body("Think forever");
  body["stream"] = true;
  {
    httplib::Client cli("127.0.0.1", s.port());
    int chunks = 0;
    httplib::Request req;
    req.method = "POST";
    req.path = "/v1/chat/completions";
    req.body = body.dump();
    req.set_header("Content-Type", "application/json");
    req.content_receiver = [&](const char*, size_t, uint64_t, uint64_t) { return ++chunks < 5; };
    auto r = cli.send(req);
    EXPECT_GE(chunks, 5);  // got some of the stream, then hung up
  }
  // The engine drops the rows within a few steps.
  bool idle = false;
  for (int i = 0; i < 200 && !idle; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    idle = s.engine(0).stats().running_rows == 0 && s.engine(0).stats().queued == 0;
    if (idle) {  // running_rows is updated after a step: make sure no step is still running rows
      const auto a = s.engine(0).stats().steps;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      idle = s.engine(0).stats().steps == a;
    }
  }
  EXPECT_TRUE(idle) << "the disconnected request is still decoding";
  expect_good_answer(s.port());
}

// Without streaming the HTTP library gives the handler no disconnect signal; the request polls
// its own socket (server/connection_guard.h) and cancels its rows when the client hangs up.
// The tiny model runs to its length limit in a fraction of a second, so the test compares the
// tokens generated for a request whose client hangs up after 50 ms with a complete one.
TEST(IntegrationServer, ClientDisconnectWithoutStreamingCancelsItsWork) {
  LiveServerOptions o;
  o.reason_max_tokens = 100000;  // runs to the model's length limit unless cancelled
  LiveServer s(o);
  auto wait_idle = [&] {
    for (int i = 0; i < 200; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      const EngineStats a = s.engine(0).stats();
      if (a.running_rows == 0 && a.queued == 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        if (s.engine(0).stats().steps == a.steps) return true;
      }
    }
    return false;
  };
  const std::string body = chat_body("Think forever").dump();
  httplib::Client full("127.0.0.1", s.port());
  full.set_read_timeout(60, 0);
  const int64_t t0 = s.engine(0).stats().tokens;
  auto r = full.Post("/v1/chat/completions", body, "application/json");
  ASSERT_TRUE(r && r->status == 200);
  const int64_t complete = s.engine(0).stats().tokens - t0;
  {
    httplib::Client cli("127.0.0.1", s.port());
    cli.set_read_timeout(0, 50000);  // gives up after 50 ms and closes the connection
    auto cut = cli.Post("/v1/chat/completions", body, "application/json");
    ASSERT_FALSE(cut) << "answered within 50 ms";
  }
  const int64_t t1 = s.engine(0).stats().tokens;
  ASSERT_TRUE(wait_idle()) << "the abandoned request is still decoding";
  const int64_t abandoned = s.engine(0).stats().tokens - t1 + (t1 - t0 - complete);
  std::printf("tokens: complete request %lld, abandoned after 50 ms %lld\n", static_cast<long long>(complete),
              static_cast<long long>(abandoned));
  EXPECT_LT(abandoned, complete / 2) << "the abandoned request was not cancelled";
  expect_good_answer(s.port());
}

TEST(IntegrationServer, FullQueueGets429AndOversizedImagesGet400) {
  LiveServerOptions o;
  o.engine.queue_capacity = 0;  // every request finds the queue full
  LiveServer s(o);
  expect_error(post(s.port(), "/v1/chat/completions", chat_body("x", false).dump()), 429, "queue is full");
  LiveServerOptions small;
  small.server.limits.max_image_pixels = 100;  // the test image is 40x30
  LiveServer t(small);
  expect_error(post(t.port(), "/v1/chat/completions", chat_body("x").dump()), 400, "above the limit");
  auto ok = post(t.port(), "/v1/chat/completions", chat_body("x", false).dump());
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200) << ok->body;
}
