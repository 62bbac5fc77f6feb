// bench/bench_datagen.cpp — reasoning-data generation throughput.
//   1. teacher: paths/s of the whole progressive protocol (prompting, JSON parse/repair, the
//      teacher's planning) on ONE thread over VisWorld tasks; reference in the same run:
//      serialising those paths to JSONL (what writing them costs). Target >= 1,000 paths/s.
//   2. openai: per-request cost of the openai: client (request JSON with an image data URI,
//      in-flight limit, connection pool, response parsing) against a loopback server that
//      answers at once, at 1, 8 and 32 requests in flight; reference in the same run: a bare
//      keep-alive httplib client posting the same body. overhead_ms = client - bare, per
//      request. Target <= 1 ms.
// Usage: bench_datagen [tasks=700] [requests=2000]. Prints one JSON object per figure.
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "io/image.h"
#include "pipeline/datagen.h"
#include "pipeline/openai_backend.h"
#include "pipeline/protocol.h"
#include "pipeline/teacher.h"
#include "util/fs.h"
#include "world/family.h"
#include "world/generate.h"

using namespace insightv;
using namespace insightv::pipeline;

namespace {

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void bench_teacher(int n_tasks) {
  std::vector<world::Task> tasks;
  for (int i = 0; i < n_tasks; ++i) {
    world::TaskSpec spec;
    spec.family = world::families()[static_cast<size_t>(i) % world::families().size()];
    spec.index = i;
    tasks.push_back(world::generate_task(spec, nullptr));
  }
  TeacherBackend teacher;
  std::vector<ReasoningPath> paths;
  double t0 = now_s();
  int64_t steps = 0;
  for (const auto& t : tasks)
    for (int s = 0; s < 4; ++s) {
      paths.push_back(run_protocol(teacher, t, "", s, path_seed(1, t.id, s), ProtocolOptions{}));
      steps += static_cast<int64_t>(paths.back().steps.size());
    }
  const double gen_s = now_s() - t0;
  t0 = now_s();
  size_t bytes = 0;
  for (const auto& p : paths) bytes += path_to_json(p).dump().size() + 1;
  const double ser_s = now_s() - t0;
  const double n = static_cast<double>(paths.size());
  std::printf("{\"bench\": \"datagen_teacher\", \"threads\": 1, \"paths\": %zu, \"steps_per_path\": %.2f, "
              "\"paths_per_s\": %.0f, \"ref_serialize_paths_per_s\": %.0f, \"vs_serialize\": %.3f, "
              "\"bytes_per_path\": %.0f, \"target_paths_per_s\": 1000}\n",
              paths.size(), static_cast<double>(steps) / n, n / gen_s, n / ser_s, ser_s / gen_s,
              static_cast<double>(bytes) / n);
  std::fflush(stdout);
}

void bench_openai(int requests) {
  const std::string reply =
      json{{"choices", {{{"message", {{"role", "assistant"},
                                      {"content", R"({"title": "Count", "content": "There are 3 circles.", "next_action": "continue"})"}}}}}}}.dump();
  httplib::Server server;
  server.set_tcp_nodelay(true);
  server.new_task_queue = [] { return new httplib::ThreadPool(64); };
  server.Post("/v1/chat/completions", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content(reply, "application/json");
  });
  const int port = server.bind_to_any_port("127.0.0.1");
  std::thread th([&] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));

  const std::string dir = "/tmp/bench_datagen_img";
  make_dirs(dir);
  Image img(128, 128, 180);
  write_png(dir + "/img.png", img);
  std::vector<ChatMessage> msgs = {{"system", system_prompt(), false},
                                   {"user", "How many circles are there?", true},
                                   {"assistant", prefill_assistant(), false}};
  ChatRequest req;
  req.messages = &msgs;
  req.image_path = dir + "/img.png";
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/v1";
  const std::string body = openai_request_body(req, "default", "data:image/png;base64,AAAA").dump();

  for (int inflight : {1, 8, 32}) {
    // Reference: bare keep-alive clients, one per thread.
    std::atomic<int> next{0};
    double t0 = now_s();
    std::vector<std::thread> ts;
    for (int k = 0; k < inflight; ++k)
      ts.emplace_back([&] {
        httplib::Client c("127.0.0.1", port);
        c.set_keep_alive(true);
        c.set_tcp_nodelay(true);
        while (next++ < requests) c.Post("/v1/chat/completions", body, "application/json");
      });
    for (auto& t : ts) t.join();
    const double bare = (now_s() - t0) / requests;

    OpenAiOptions o;
    o.concurrency = inflight;
    OpenAiBackend b(url, o);
    next = 0;
    t0 = now_s();
    ts.clear();
    for (int k = 0; k < inflight; ++k)
      ts.emplace_back([&] {
        while (next++ < requests) b.chat(req);
      });
    for (auto& t : ts) t.join();
    const double ours = (now_s() - t0) / requests;
    std::printf("{\"bench\": \"openai_client\", \"in_flight\": %d, \"requests\": %d, "
                "\"client_ms_per_request\": %.4f, \"ref_bare_httplib_ms_per_request\": %.4f, "
                "\"overhead_ms_per_request\": %.4f, \"target_overhead_ms\": 1.0}\n",
                inflight, requests, ours * 1e3, bare * 1e3, (ours - bare) * 1e3);
    std::fflush(stdout);
  }
  server.stop();
  th.join();
}

}  // namespace

int main(int argc, char** argv) {
  const int tasks = argc > 1 ? std::atoi(argv[1]) : 700;
  const int requests = argc > 2 ? std::atoi(argv[2]) : 2000;
  bench_teacher(tasks);
  bench_openai(requests);
  return 0;
}
