// bench/bench_soak.cpp — a soak test of the server: C concurrent clients send two-agent chat
// requests (image + question) to the nano model (random weights) behind the OpenAI server on
// loopback for S seconds. Every interval it prints requests, errors, p50/p99 latency and the
// process's resident memory; at the end the totals and the memory growth from the first
// interval to the last (the reference measured in the same run).
// Usage: bench_soak [seconds=600] [clients=32] [threads=1] [interval_s=60]. One JSON object per line.
#include <torch/torch.h>

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "infer/batch_engine.h"
#include "io/base64.h"
#include "io/bpe_trainer.h"
#include "io/image.h"
#include "model/runtime.h"
#include "server/http_server.h"
#include "nano_random.h"
#include "util/fs.h"

using namespace insightv;

namespace {

using Clock = std::chrono::steady_clock;

double rss_mib() {
  const std::string status = read_file("/proc/self/status");
  const size_t at = status.find("VmRSS:");
  return at == std::string::npos ? -1 : std::atof(status.c_str() + at + 6) / 1024.0;
}

double pct(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(q * v.size()))];
}

}  // namespace

int main(int argc, char** argv) {
  insightv::ensure_passive_openmp(argv);
  const double seconds = argc > 1 ? std::atof(argv[1]) : 600;
  const int clients = argc > 2 ? std::atoi(argv[2]) : 32;
  const int threads = set_threads(argc > 3 ? std::atoi(argv[3]) : 1);
  const double interval = argc > 4 ? std::atof(argv[4]) : 60;

  const Tokenizer tok = bench::nano_bench_tokenizer(777, 40000);
  MultimodalLM lm = bench::nano_random_model(tok);
  Detokenize detok = make_detokenizer(tok);
  EngineOptions eo;
  BatchEngine engine(lm, detok, eo);
  ServingSetup setup;
  setup.tokenizer = &tok;
  setup.two_agent = true;
  setup.reason = agent_model(engine);
  setup.summary = setup.reason;
  setup.agent.reason.max_new_tokens = 32;
  setup.agent.summary.max_new_tokens = 8;
  ServerOptions so;
  so.port = 0;
  HttpServer server(setup, so);
  const int port = server.bind();
  std::thread serving([&] { server.serve(); });

  Image img(64, 48, 180);
  for (int y = 10; y < 30; ++y)
    for (int xx = 10; xx < 30; ++xx) img.at(xx, y)[0] = 20;
  const std::string body =
      json{{"max_tokens", 8},
           {"messages", json::array({{{"role", "user"},
                                      {"content", json::array({{{"type", "image_url"},
                                                                {"image_url", {{"url", "data:image/png;base64," + base64_encode(encode_png(img))}}}},
                                                               {{"type", "text"}, {"text", "How many squares?"}}})}}})}}
          .dump();

  std::printf("{\"bench\":\"soak\",\"seconds\":%.0f,\"clients\":%d,\"threads\":%d,\"model\":\"nano (random)\","
              "\"reason_max_tokens\":32,\"answer_max_tokens\":8}\n",
              seconds, clients, threads);
  std::fflush(stdout);
  std::mutex mu;
  std::vector<double> window, all;
  int64_t ok = 0, errors = 0, tokens = 0, window_errors = 0;
  std::atomic<bool> stop{false};
  const auto t0 = Clock::now();
  std::vector<std::thread> th;
  for (int c = 0; c < clients; ++c)
    th.emplace_back([&] {
      httplib::Client cli("127.0.0.1", port);
      cli.set_read_timeout(300, 0);
      cli.set_tcp_nodelay(true);  // else each POST body waits ~40 ms for a delayed ACK
      while (!stop) {
        const auto a = Clock::now();
        auto r = cli.Post("/v1/chat/completions", body, "application/json");
        const double ms = std::chrono::duration<double, std::milli>(Clock::now() - a).count();
        std::lock_guard<std::mutex> lock(mu);
        if (r && r->status == 200) {
          ++ok;
          window.push_back(ms);
          all.push_back(ms);
          tokens += json::parse(r->body)["usage"]["completion_tokens"].get<int64_t>();
        } else {
          ++errors;
          ++window_errors;
          if (errors <= 5)
            std::fprintf(stderr, "error: %s\n", r ? (std::to_string(r->status) + " " + r->body).c_str()
                                                 : httplib::to_string(r.error()).c_str());
        }
      }
    });
  double first_rss = -1, last_rss = -1;
  for (int k = 1; std::chrono::duration<double>(Clock::now() - t0).count() < seconds; ++k) {
    const auto until = t0 + std::chrono::milliseconds(static_cast<int64_t>(std::min(k * interval, seconds) * 1000));
    std::this_thread::sleep_until(until);
    std::lock_guard<std::mutex> lock(mu);
    const double rss = rss_mib();
    if (first_rss < 0) first_rss = rss;
    last_rss = rss;
    std::printf("{\"bench\":\"soak\",\"t_s\":%.0f,\"requests\":%zu,\"errors\":%lld,\"p50_ms\":%.0f,\"p99_ms\":%.0f,"
                "\"rss_mib\":%.1f}\n",
                std::chrono::duration<double>(Clock::now() - t0).count(), window.size(),
                static_cast<long long>(window_errors), pct(window, 0.5), pct(window, 0.99), rss);
    std::fflush(stdout);
    window.clear();
    window_errors = 0;
  }
  stop = true;
  for (auto& t : th) t.join();
  const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  server.stop();
  serving.join();
  engine.shutdown();
  std::printf("{\"bench\":\"soak\",\"figure\":\"total\",\"seconds\":%.0f,\"requests\":%lld,\"errors\":%lld,"
              "\"requests_per_s\":%.2f,\"tokens_per_s\":%.1f,\"p50_ms\":%.0f,\"p99_ms\":%.0f,"
              "\"rss_mib_first_interval\":%.1f,\"rss_mib_last_interval\":%.1f,\"rss_growth_mib\":%.1f}\n",
              secs, static_cast<long long>(ok), static_cast<long long>(errors), ok / secs, tokens / secs,
              pct(all, 0.5), pct(all, 0.99), first_rss, last_rss, last_rss - first_rss);
  return errors == 0 ? 0 : 1;
}
