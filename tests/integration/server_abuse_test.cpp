// Abuse tests of `insightv serve` as its own process on loopback: 40,000 malformed requests of
// every kind a client can get wrong must each be answered 4xx while the server stays up, keeps
// its memory flat and still answers a valid request; slow clients (slowloris) must not starve
// the others; an API key, when set, guards the API routes. Each test prints its figures as one
// JSON line (docs/reliability.md).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include <gtest/gtest.h>

#include "io/base64.h"
#include "io/image.h"
#include "io/json.h"
#include "support/subprocess.h"
#include "support/test_images.h"
#include "support/tiny_agents.h"
#include "util/fs.h"

namespace insightv {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// `insightv serve` over the tiny agents checkpoint, in its own process; stopped with SIGTERM.
struct ServeProcess {
  std::string dir;
  int pid = -1, port = -1;
  explicit ServeProcess(const std::string& tag, const std::vector<std::string>& extra = {}) {
    dir = test::make_temp_dir(tag);
    const std::string ckpt = test::write_tiny_agent_checkpoint(dir + "/ckpt");
    std::vector<std::string> argv = {INSIGHTV_CLI_PATH, "--threads", "1", "serve", "--reason", ckpt,
                                     "--summary", ckpt, "--port", "0", "--reason-max-tokens", "12",
                                     "--summary-max-tokens", "6"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    pid = test::spawn_process(argv, dir + "/serve.log");
    for (int i = 0; i < 600 && port < 0; ++i) {  // up to 60 s for "listening on http://HOST:PORT"
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      const std::string log = file_exists(dir + "/serve.log") ? read_file(dir + "/serve.log") : "";
      const size_t at = log.find("listening on http://127.0.0.1:");
      if (at != std::string::npos) port = std::atoi(log.c_str() + at + 30);
    }
  }
  ~ServeProcess() {
    if (pid > 0 && kill(pid, 0) == 0) {
      kill(pid, SIGTERM);
      test::wait_process(pid);
    }
  }
  std::string log() const { return file_exists(dir + "/serve.log") ? read_file(dir + "/serve.log") : ""; }
  bool alive() const { return kill(pid, 0) == 0; }
  // Resident memory of the server process, MiB.
  double rss_mib() const {
    const std::string status = read_file("/proc/" + std::to_string(pid) + "/status");
    const size_t at = status.find("VmRSS:");
    return at == std::string::npos ? -1 : std::atof(status.c_str() + at + 6) / 1024.0;
  }
};

std::string valid_body(const std::string& extra_fields = "") {
  const json body = {{"messages", json::array({{{"role", "user"},
                                                {"content", json::array({{{"type", "image_url"},
                                                                          {"image_url", {{"url", test::png_data_uri(test::tiny_test_image())}}}},
                                                                         {{"type", "text"}, {"text", "How many circles?"}}})}}})}};
  std::string s = body.dump();
  if (!extra_fields.empty()) s = s.substr(0, s.size() - 1) + "," + extra_fields + "}";
  return s;
}

std::string with_image_url(const std::string& url) {
  return json{{"messages", json::array({{{"role", "user"},
                                         {"content", json::array({{{"type", "image_url"}, {"image_url", {{"url", url}}}},
                                                                  {{"type", "text"}, {"text", "What is this?"}}})}}})}}
      .dump();
}

std::string with_text(const std::string& raw_text_json) {
  return R"({"messages": [{"role": "user", "content": )" + raw_text_json + "}]}";
}

// One malformed request: method, path, body and a kind name for the report.
struct Bad {
  std::string kind, method = "POST", path = "/v1/chat/completions", body;
};

Bad malformed(uint64_t i, std::mt19937_64& rng) {
  auto pick = [&](std::initializer_list<const char*> xs) {
    return std::string(*(xs.begin() + std::uniform_int_distribution<size_t>(0, xs.size() - 1)(rng)));
  };
  auto number = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  static const std::string valid = valid_body();
  switch (i % 20) {
    case 0: return {"truncated_json", "POST", "/v1/chat/completions",
                    valid.substr(0, static_cast<size_t>(number(1, static_cast<int>(valid.size()) - 1)))};
    case 1: {
      std::string junk(static_cast<size_t>(number(1, 2000)), '\0');
      for (char& c : junk) c = static_cast<char>(number(0, 255));
      junk[0] = '#';  // never valid JSON
      return {"random_bytes", "POST", "/v1/chat/completions", junk};
    }
    case 2: return {"messages_wrong_type", "POST", "/v1/chat/completions",
                    R"({"messages": )" + pick({"5", "\"hi\"", "{}", "null", "true", "[1,2]", "[[]]"}) + "}"};
    case 3: {
      const std::string field = pick({"temperature", "top_p", "max_tokens", "n", "seed", "stream", "stop", "model"});
      // Values of a type the field never takes (a string is a valid stop and model; true a valid stream).
      const std::string value = field == "stream" ? pick({"\"x\"", "[1]", "{\"a\": 1}", "1"})
                                : field == "stop" || field == "model" ? pick({"[1]", "{\"a\": 1}", "[[[]]]", "true"})
                                                                       : pick({"\"x\"", "[1]", "{\"a\": 1}", "true"});
      return {"field_wrong_type", "POST", "/v1/chat/completions", valid_body("\"" + field + "\": " + value)};
    }
    case 4: return {"missing_fields", "POST", "/v1/chat/completions",
                    pick({"{}", R"({"model": "insightv"})", R"({"messages": []})", R"({"messages": [{}]})",
                          R"({"messages": [{"role": "user"}]})", R"({"messages": [{"content": "hi"}]})"})};
    case 5: return {"huge_numbers", "POST", "/v1/chat/completions",
                    valid_body(pick({"\"max_tokens\": 1e18", "\"max_tokens\": 99999999999", "\"n\": 1000000000",
                                     "\"temperature\": 1e308", "\"top_p\": -5", "\"max_tokens\": -1", "\"n\": 0",
                                     "\"temperature\": 1e400", "\"seed\": 1e400", "\"max_tokens\": 4097"}))};
    case 6: return {"invalid_utf8", "POST", "/v1/chat/completions",
                    with_text(std::string("\"abc") + pick({"\xff", "\xc3", "\xe2\x82", "\xed\xa0\x80"}) + "def\"")};
    case 7: return {"corrupt_base64", "POST", "/v1/chat/completions",
                    with_image_url("data:image/png;base64," + pick({"!!!!", "iVBORw0KGgo=====", "a", "%%%"}))};
    case 8: return {"not_an_image", "POST", "/v1/chat/completions",
                    with_image_url("data:image/png;base64," + base64_encode("just some text, not pixels " +
                                                                            std::to_string(i)))};
    case 9: return {"oversized_image", "POST", "/v1/chat/completions",
                    with_image_url("data:image/png;base64," +
                                   base64_encode(test::png_declaring(static_cast<uint32_t>(number(5000, 60000)),
                                                               static_cast<uint32_t>(number(5000, 60000)))))};
    case 10: {
      const int depth = number(300, 20000);
      return {"deep_nesting", "POST", "/v1/chat/completions",
              R"({"messages": )" + std::string(static_cast<size_t>(depth), '[') + std::string(static_cast<size_t>(depth), ']') + "}"};
    }
    case 11: return {"too_many_tokens", "POST", "/v1/chat/completions", valid_body("\"max_tokens\": 100000")};
    case 12: return {"prompt_too_long", "POST", "/v1/chat/completions",
                     with_text("\"" + std::string(static_cast<size_t>(number(5000, 20000)), 'a') + "\"")};
    case 13: return {"remote_image_url", "POST", "/v1/chat/completions",
                     with_image_url(pick({"http://example.com/a.png", "https://x/y.jpg", "ftp://h/i.png"}))};
    case 14: return {"local_path_refused", "POST", "/v1/chat/completions",
                     with_image_url(pick({"/etc/passwd", "file:///etc/shadow", "../../x.png"}))};
    case 15: return {"bad_role", "POST", "/v1/chat/completions",
                     R"({"messages": [{"role": ")" + pick({"wizard", "", "0", "USER"}) + R"(", "content": "hi"}]})"};
    case 16: return {"n_too_large", "POST", "/v1/chat/completions", valid_body("\"n\": " + std::to_string(number(9, 500)))};
    case 17: return {"unknown_route", pick({"GET", "POST"}), pick({"/v1/nothing", "/v2/chat", "/../../etc/passwd", "/v1/chat/completions/x"}), "{}"};
    case 18: return {"wrong_method", "GET", "/v1/chat/completions", ""};
    default: return {"content_wrong_type", "POST", "/v1/chat/completions",
                     with_text(pick({"5", "null", "{\"type\": \"text\"}", "[{\"type\": \"video\", \"video\": 1}]",
                                     "[{\"type\": \"image_url\", \"image_url\": 7}]", "[{\"type\": \"text\", \"text\": 1}]"}))};
  }
}

TEST(IntegrationServerAbuse, FortyThousandMalformedRequestsAreAll4xxAndMemoryStaysFlat) {
  ServeProcess s("serve-abuse");
  ASSERT_GT(s.port, 0) << s.log();
  httplib::Client probe("127.0.0.1", s.port);
  probe.set_read_timeout(120, 0);
  auto ok = probe.Post("/v1/chat/completions", valid_body(), "application/json");
  ASSERT_TRUE(ok && ok->status == 200) << (ok ? ok->body : httplib::to_string(ok.error()));

  const int kTotal = std::getenv("INSIGHTV_ABUSE_REQUESTS") ? std::atoi(std::getenv("INSIGHTV_ABUSE_REQUESTS")) : 40000;
  const int kWarm = kTotal / 10, kHalf = kTotal / 2, kClients = 4;
  std::atomic<int> next{0}, answered4xx{0};
  std::mutex mu;
  std::map<std::string, int> by_kind, failures;
  double rss_warm = 0, rss_half = 0;
  const double rss_start = s.rss_mib();
  const auto t0 = Clock::now();
  auto client = [&](int c) {
    std::mt19937_64 rng(1234 + c);
    httplib::Client cli("127.0.0.1", s.port);
    cli.set_read_timeout(60, 0);
    cli.set_keep_alive(true);
    cli.set_tcp_nodelay(true);  // else each POST body waits for the server's delayed ACK (~40 ms)
    for (int i; (i = next++) < kTotal;) {
      const Bad b = malformed(static_cast<uint64_t>(i), rng);
      auto r = b.method == "GET" ? cli.Get(b.path.c_str()) : cli.Post(b.path.c_str(), b.body, "application/json");
      const bool good = r && r->status >= 400 && r->status < 500 && !r->body.empty();
      std::lock_guard<std::mutex> lock(mu);
      ++by_kind[b.kind];
      if (good) {
        ++answered4xx;
      } else {
        const std::string why = r ? std::to_string(r->status) : "no response (" + httplib::to_string(r.error()) + ")";
        if (failures[b.kind + ": " + why + b.body.substr(0, 40)]++ == 0)
          ADD_FAILURE() << b.kind << " → " << why << (r ? " " + r->body.substr(0, 200) : "") << "\nrequest: " << b.body.substr(0, 300);
      }
      if (i == kWarm) rss_warm = s.rss_mib();
      if (i == kHalf) rss_half = s.rss_mib();
    }
  };
  std::vector<std::thread> threads;
  for (int c = 0; c < kClients; ++c) threads.emplace_back(client, c);
  for (auto& t : threads) t.join();
  const double secs = seconds_since(t0);
  const double rss_end = s.rss_mib();

  ASSERT_TRUE(s.alive()) << "the server died:\n" << s.log();
  EXPECT_EQ(answered4xx.load(), kTotal);
  EXPECT_EQ(by_kind.size(), 20u);
  // Memory settles while the server's connection threads, their tokenizer caches and malloc's
  // arenas are first used (the first half; it levels off: 100,000 requests end ~3 MiB above
  // 50,000); over the second half it must stay flat — a leak of 1 KiB a request adds 20 MiB.
#if defined(__SANITIZE_ADDRESS__)
  // In the ASan build (scripts/test-asan.sh) freed memory waits in ASan's quarantine (256 MB)
  // before it is reused, so RSS rises without a leak (20 MiB over this half): not checked there.
  (void)rss_half;
#else
  EXPECT_LT(rss_end - rss_half, 10.0) << "RSS grew from " << rss_half << " MiB to " << rss_end << " MiB";
#endif
  // The server still answers a valid request.
  ok = probe.Post("/v1/chat/completions", valid_body(), "application/json");
  ASSERT_TRUE(ok && ok->status == 200) << (ok ? ok->body : httplib::to_string(ok.error()));
  EXPECT_FALSE(json::parse(ok->body)["choices"][0]["message"]["content"].get<std::string>().empty());
  const json report = {{"test", "malformed_requests"}, {"requests", kTotal}, {"answered_4xx", answered4xx.load()},
                       {"kinds", by_kind.size()}, {"seconds", secs}, {"requests_per_s", kTotal / secs},
                       {"rss_mib_start", rss_start}, {"rss_mib_after_10pct", rss_warm},
                       {"rss_mib_after_half", rss_half}, {"rss_mib_end", rss_end}};
  std::printf("%s\n", report.dump().c_str());
}

// A raw TCP connection that sends a request's head one byte at a time and never finishes it.
struct SlowClient {
  int fd = -1;
  explicit SlowClient(int port) {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
      ::close(fd);
      fd = -1;
    }
  }
  ~SlowClient() {
    if (fd >= 0) ::close(fd);
  }
  // false once the server has closed the connection.
  bool drip(char c) { return fd >= 0 && ::send(fd, &c, 1, MSG_NOSIGNAL) == 1; }
};

// Runs `slow` dripping connections while a normal client asks /health and one chat request;
// returns the normal client's {health ok, chat ok, seconds}.
struct StarveResult {
  bool health_ok = false, chat_ok = false;
  double seconds = 0;
};

StarveResult run_slowloris(int port, int slow, double normal_timeout_s) {
  std::vector<std::unique_ptr<SlowClient>> clients;
  for (int i = 0; i < slow; ++i) clients.push_back(std::make_unique<SlowClient>(port));
  std::atomic<bool> stop{false};
  std::thread dripper([&] {
    const std::string head = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nX-Slow: ";
    std::vector<bool> gone(clients.size(), false);
    for (size_t k = 0; !stop; ++k) {
      for (size_t i = 0; i < clients.size(); ++i)
        if (!gone[i] && !clients[i]->drip(k < head.size() ? head[k] : 'a')) gone[i] = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the slow ones hold their threads
  StarveResult out;
  const auto t0 = Clock::now();
  httplib::Client cli("127.0.0.1", port);
  cli.set_connection_timeout(static_cast<time_t>(normal_timeout_s), 0);
  cli.set_read_timeout(static_cast<time_t>(normal_timeout_s), 0);
  cli.set_write_timeout(static_cast<time_t>(normal_timeout_s), 0);
  auto h = cli.Get("/health");
  out.health_ok = h && h->status == 200;
  if (out.health_ok) {
    auto c = cli.Post("/v1/chat/completions", valid_body(), "application/json");
    out.chat_ok = c && c->status == 200;
  }
  out.seconds = seconds_since(t0);
  stop = true;
  dripper.join();
  return out;
}

TEST(IntegrationServerAbuse, SlowClientsDoNotStarveOthers) {
  constexpr int kThreads = 8, kSlow = 24;
  // Without the read deadline the 24 dripping connections hold all 8 threads: a normal client
  // gets nothing within 6 s. This is what the guard fixes (and shows the test can fail).
  {
    ServeProcess s("serve-slowloris-off", {"--http-threads", std::to_string(kThreads), "--read-deadline-s", "0"});
    ASSERT_GT(s.port, 0) << s.log();
    const StarveResult r = run_slowloris(s.port, kSlow, 6);
    EXPECT_FALSE(r.health_ok) << "the unguarded server answered within 6 s: the test cannot show starvation";
    std::printf("%s\n", json({{"test", "slowloris"}, {"guard", false}, {"normal_client_ok", r.health_ok},
                              {"seconds", r.seconds}}).dump().c_str());
  }
  ServeProcess s("serve-slowloris", {"--http-threads", std::to_string(kThreads), "--read-deadline-s", "2"});
  ASSERT_GT(s.port, 0) << s.log();
  const StarveResult r = run_slowloris(s.port, kSlow, 30);
  EXPECT_TRUE(r.health_ok);
  EXPECT_TRUE(r.chat_ok);
  // The slow connections are cut after the 2 s deadline (waves of 8, the pool's size), so the
  // normal client waits a few deadlines at most, not forever.
  EXPECT_LT(r.seconds, 20.0);
  ASSERT_TRUE(s.alive()) << s.log();
  httplib::Client cli("127.0.0.1", s.port);
  auto h = cli.Get("/health");
  ASSERT_TRUE(h && h->status == 200);
  const int64_t closed = json::parse(h->body)["slow_connections_closed"].get<int64_t>();
  EXPECT_GE(closed, kThreads);
  std::printf("%s\n", json({{"test", "slowloris"}, {"guard", true}, {"slow_clients", kSlow}, {"http_threads", kThreads},
                            {"deadline_s", 2}, {"normal_client_ok", r.health_ok && r.chat_ok},
                            {"normal_client_seconds", r.seconds}, {"slow_closed", closed}}).dump().c_str());
}

TEST(IntegrationServerAbuse, ApiKeyGuardsTheApiRoutes) {
  ServeProcess s("serve-apikey", {"--api-key", "s3cret"});
  ASSERT_GT(s.port, 0) << s.log();
  httplib::Client cli("127.0.0.1", s.port);
  cli.set_read_timeout(120, 0);
  auto r = cli.Post("/v1/chat/completions", valid_body(), "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(json::parse(r->body)["error"]["code"], "invalid_api_key");
  r = cli.Get("/v1/models", {{"Authorization", "Bearer wrong"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  r = cli.Get("/v1/models", {{"Authorization", "Bearer s3cret"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  r = cli.Post("/v1/chat/completions", {{"Authorization", "Bearer s3cret"}}, valid_body(), "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  r = cli.Get("/health");  // health checks need no key
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

}  // namespace
}  // namespace insightv
