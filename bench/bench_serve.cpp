// bench/bench_serve.cpp — serving throughput of the nano model (random weights) behind the
// OpenAI server on loopback: requests/s, generated tokens/s and p50/p99 latency at concurrency
// 1, 4 and 16 with continuous batching, and the reference measured in the same run: the same
// server with batching off (one row at a time) at concurrency 16. The gain is tokens/s at 16
// concurrent over that reference.
// Usage: bench_serve [threads] [max_tokens] [requests_per_client] [completions|chat].
// One JSON object per figure.
#include <torch/torch.h>

#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "infer/batch_engine.h"
#include "io/bpe_trainer.h"
#include "io/image.h"
#include "io/base64.h"
#include "model/runtime.h"
#include "server/http_server.h"
#include "nano_random.h"

using namespace insightv;

namespace {

struct Figures {
  double rps = 0, tps = 0, p50 = 0, p99 = 0;
  int ok = 0;
};

std::string g_route = "/v1/completions";

Figures load(int port, int clients, int per_client, const std::string& body) {
  std::mutex mu;
  std::vector<double> lat;
  int64_t tokens = 0;
  int ok = 0;
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> th;
  for (int c = 0; c < clients; ++c)
    th.emplace_back([&] {
      httplib::Client cli("127.0.0.1", port);
      cli.set_read_timeout(600, 0);
      cli.set_tcp_nodelay(true);  // else each POST body waits ~40 ms for a delayed ACK
      for (int i = 0; i < per_client; ++i) {
        const auto a = std::chrono::steady_clock::now();
        auto r = cli.Post(g_route.c_str(), body, "application/json");
        const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - a).count();
        std::lock_guard<std::mutex> lock(mu);
        if (r && r->status == 200) {
          ++ok;
          lat.push_back(ms);
          tokens += json::parse(r->body)["usage"]["completion_tokens"].get<int64_t>();
        }
      }
    });
  for (auto& t : th) t.join();
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::sort(lat.begin(), lat.end());
  Figures f;
  f.ok = ok;
  f.rps = ok / s;
  f.tps = tokens / s;
  if (!lat.empty()) {
    f.p50 = lat[lat.size() / 2];
    f.p99 = lat[std::min(lat.size() - 1, static_cast<size_t>(0.99 * lat.size()))];
  }
  return f;
}

void print(const char* mode, int conc, const Figures& f) {
  std::printf("{\"bench\":\"serve\",\"mode\":\"%s\",\"concurrency\":%d,\"requests\":%d,\"requests_per_s\":%.2f,"
              "\"tokens_per_s\":%.1f,\"p50_ms\":%.1f,\"p99_ms\":%.1f}\n",
              mode, conc, f.ok, f.rps, f.tps, f.p50, f.p99);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  insightv::ensure_passive_openmp(argv);
  const int threads = set_threads(argc > 1 ? std::atoi(argv[1]) : 0);
  const int max_tokens = argc > 2 ? std::atoi(argv[2]) : 32;
  const int per_client = argc > 3 ? std::atoi(argv[3]) : 3;
  // completions: a text prompt without a template, so every answer is max_tokens long (a random
  // model has no reason to stop); chat: an image + question through the chat template (answers
  // end when the random model happens to sample the end-of-turn token).
  const std::string mode = argc > 4 ? argv[4] : "completions";
  if (mode == "chat") g_route = "/v1/chat/completions";
  // A varied corpus so that the tokenizer fills the nano vocabulary (2048): with a small one a
  // random model would end its answers on a stop token after a few dozen tokens.
  const Tokenizer tok = bench::nano_bench_tokenizer(12345, 60000);
  MultimodalLM lm = bench::nano_random_model(tok);
  Detokenize detok = make_detokenizer(tok);
  Image img(64, 48, 200);
  const json completion_body = {{"max_tokens", max_tokens}, {"temperature", 0.7},
                                {"prompt", "How many circles are in the image? Think step by step."}};
  const json chat_body = {
      {"max_tokens", max_tokens},
      {"temperature", 0.7},
      {"messages", json::array({{{"role", "user"},
                                 {"content", json::array({{{"type", "image_url"},
                                                           {"image_url", {{"url", "data:image/png;base64," + base64_encode(encode_png(img))}}}},
                                                          {{"type", "text"}, {"text", "How many circles?"}}})}}})}};
  const json body = mode == "chat" ? chat_body : completion_body;
  auto run = [&](int max_rows, const char* mode, const std::vector<int>& concs) {
    EngineOptions eo;
    eo.max_rows = max_rows;
    eo.bf16 = std::getenv("INSIGHTV_BENCH_BF16") != nullptr;  // bf16 matmuls for batched steps
    BatchEngine engine(lm, detok, eo);
    ServingSetup setup;
    setup.tokenizer = &tok;
    setup.two_agent = false;
    setup.single = agent_model(engine);
    setup.chat.max_new_tokens = max_tokens;
    ServerOptions so;
    so.port = 0;
    HttpServer server(setup, so);
    const int port = server.bind();
    std::thread t([&] { server.serve(); });
    {  // warm-up; shows what one answer looks like
      httplib::Client cli("127.0.0.1", port);
      auto r = cli.Post(g_route.c_str(), body.dump(), "application/json");
      if (r) {
        const json j = json::parse(r->body);
        std::fprintf(stderr, "warm-up: finish_reason %s, usage %s\n", j["choices"][0].value("finish_reason", "?").c_str(),
                     j["usage"].dump().c_str());
      }
    }
    std::vector<Figures> out;
    for (int c : concs) {
      out.push_back(load(port, c, c == 1 ? per_client * 4 : per_client, body.dump()));
      print(mode, c, out.back());
    }
    server.stop();
    t.join();
    engine.shutdown();
    return out;
  };
  std::printf("{\"bench\":\"serve\",\"threads\":%d,\"model\":\"nano\",\"max_tokens\":%d,\"route\":\"%s\"}\n", threads,
              max_tokens, g_route.c_str());
  const auto batched = run(64, "continuous_batching", {1, 4, 16});
  const auto serial = run(1, "one_at_a_time", {16});
  std::printf("{\"bench\":\"serve\",\"figure\":\"tokens_per_s_gain_at_16\",\"value\":%.2f,"
              "\"vs_concurrency_1\":%.2f}\n",
              batched[2].tps / serial[0].tps, batched[2].tps / batched[0].tps);
  return 0;
}
