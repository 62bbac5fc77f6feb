// bench/bench_data_browser.cpp — the data browser's paging on 100,000 paths.
//   Writes a synthetic pipeline folder (world/train/tasks.jsonl, assess/assessed.jsonl) of N
//   paths shaped like `insightv assess`'s records (4-8 steps, scores, buckets, injected
//   mistakes; ~1 kB a line), opens the index (server/data_index.h) and times: the first page,
//   the last page, a family filter, a deep page of family + bucket + score range + mistake
//   kind, a task-id search, and one path's detail — in process and over HTTP on loopback (the
//   same `insightv browse` server the page talks to). Reference in the same run: the same
//   figures on a 1,000-path folder, so ratio ≈ 1 means the cost does not grow with the data
//   beyond the linear scan of compact rows.
// Usage: bench_data_browser [paths=100000]. Prints one JSON object per figure (median of 31).
#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "io/json.h"
#include "server/data_index.h"
#include "server/http_server.h"
#include "util/fs.h"

using namespace insightv;

namespace {

double now_s() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

const char* const kFamilies[] = {"shapes", "bar_chart", "clock", "maze", "digit_table", "geometry", "perception"};
const char* const kKinds[] = {"arithmetic", "skipped", "irrelevant", "wrong_fact"};

std::string make_folder(int paths, const std::string& dir) {
  std::system(("rm -rf '" + dir + "'").c_str());
  make_dirs(dir + "/world/train");
  make_dirs(dir + "/assess");
  const int tasks = std::max(1, paths / 4);
  AtomicFile tf(dir + "/world/train/tasks.jsonl");
  for (int t = 0; t < tasks; ++t) {
    const std::string family = kFamilies[t % 7];
    char id[64];
    std::snprintf(id, sizeof id, "%s-train-%06d", family.c_str(), t);
    tf.write(json{{"id", id}, {"family", family}, {"difficulty", 1 + t % 3}, {"question", "How many shapes are left?"},
                  {"answer", std::to_string(t % 10)}, {"image", std::string("images/") + id + ".png"}}
                 .dump() + "\n");
  }
  tf.commit();
  AtomicFile pf(dir + "/assess/assessed.jsonl");
  uint64_t x = 12345;
  auto rnd = [&] { return (x = x * 6364136223846793005ull + 1442695040888963407ull) >> 33; };
  for (int i = 0; i < paths; ++i) {
    const int t = i / 4 % tasks;
    char id[64];
    std::snprintf(id, sizeof id, "%s-train-%06d", kFamilies[t % 7], t);
    const int steps = 4 + static_cast<int>(rnd() % 5);
    json st = json::array(), scores = json::array(), mistakes = json::array();
    for (int s = 0; s < steps; ++s) {
      st.push_back({{"title", "Count the shapes in region " + std::to_string(s)},
                    {"content", "Examining this part closely, there are " + std::to_string(rnd() % 12) +
                                    " shapes: a small red circle at the top and a large blue square."},
                    {"next_action", s + 1 == steps ? "final_answer" : "continue"}});
      scores.push_back(rnd() % 4 ? 100.0 : 30.0);
    }
    const int m = static_cast<int>(rnd() % 6);
    if (m < 4) mistakes.push_back({{"kind", kKinds[m]}, {"step", 1}});
    const double score = 1 + static_cast<double>(rnd() % 100);
    const bool correct = rnd() % 5 != 0;
    pf.write(json{{"task_id", id}, {"sample", i % 4}, {"backend", "teacher"}, {"final_answer", std::to_string(rnd() % 10)},
                  {"steps", st}, {"step_scores", scores}, {"path_score", score}, {"answer_correct", correct},
                  {"bucket", !correct ? "wrong" : score >= 85 ? "high" : score >= 60 ? "mid" : "low"},
                  {"provenance", {{"mistakes", mistakes}}}, {"retries", 0}, {"elapsed_ms", 0.2}}
                 .dump() + "\n");
  }
  pf.commit();
  return dir;
}

template <class F>
double median_ms(F&& f, int reps = 31) {
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    const double t0 = now_s();
    f();
    t.push_back((now_s() - t0) * 1e3);
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

struct Figures {
  double open_s = 0;
  std::vector<std::pair<std::string, double>> ms;
};

Figures measure(const std::string& dir) {
  Figures f;
  const double t0 = now_s();
  auto idx = std::make_shared<DataIndex>(DataIndex::open({dir}));
  f.open_s = now_s() - t0;
  const size_t n = idx->size();
  auto q = [&](PathQuery pq) { return [idx, pq] { idx->query(pq); }; };
  PathQuery first, last, family, deep, search;
  last.offset = n - std::min<size_t>(n, 50);
  family.family = "clock";
  deep.family = "shapes";
  deep.bucket = "high";
  deep.min_score = 90;
  deep.max_score = 100;
  deep.mistake = "irrelevant";
  deep.offset = 100;
  search.task = "-000777";
  f.ms.push_back({"first_page", median_ms(q(first))});
  f.ms.push_back({"last_page", median_ms(q(last))});
  f.ms.push_back({"family_filter", median_ms(q(family))});
  f.ms.push_back({"four_filters_deep_page", median_ms(q(deep))});
  f.ms.push_back({"task_search", median_ms(q(search))});
  f.ms.push_back({"one_path_detail", median_ms([&] { idx->path(n / 2); })});
  // Over HTTP: the browse server the page talks to.
  ServingSetup setup;
  setup.data = idx;
  ServerOptions o;
  o.port = 0;
  HttpServer server(setup, o);
  const int port = server.bind();
  std::thread th([&] { server.serve(); });
  httplib::Client cli("127.0.0.1", port);
  cli.set_keep_alive(true);
  const std::string last_url = "/api/data/paths?offset=" + std::to_string(last.offset) + "&limit=50";
  f.ms.push_back({"http_last_page", median_ms([&] { cli.Get(last_url.c_str()); })});
  f.ms.push_back({"http_four_filters", median_ms([&] {
                    cli.Get("/api/data/paths?family=shapes&bucket=high&min_score=90&max_score=100&mistake=irrelevant&offset=100&limit=50");
                  })});
  const std::string one = "/api/data/paths/" + std::to_string(n / 2);
  f.ms.push_back({"http_one_path", median_ms([&] { cli.Get(one.c_str()); })});
  server.stop();
  th.join();
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  const int paths = argc > 1 ? std::atoi(argv[1]) : 100000;
  const char* tmp = std::getenv("TMPDIR");
  const std::string base = std::string(tmp && *tmp ? tmp : "/tmp") + "/insightv-bench-data";
  double t0 = now_s();
  const std::string big = make_folder(paths, base + "-big");
  const double write_s = now_s() - t0;
  const std::string small = make_folder(1000, base + "-small");
  const Figures ref = measure(small), fig = measure(big);
  std::printf("%s\n", json{{"bench", "data_browser"}, {"figure", "open_index_s"}, {"paths", paths},
                           {"value", fig.open_s}, {"reference_1000_paths", ref.open_s},
                           {"file_mb", static_cast<double>(read_file(big + "/assess/assessed.jsonl").size()) / 1e6},
                           {"write_s", write_s}}
                          .dump()
                          .c_str());
  for (size_t i = 0; i < fig.ms.size(); ++i)
    std::printf("%s\n", json{{"bench", "data_browser"}, {"figure", fig.ms[i].first + "_ms"}, {"paths", paths},
                             {"value", fig.ms[i].second}, {"reference_1000_paths", ref.ms[i].second},
                             {"ratio", fig.ms[i].second / std::max(1e-6, ref.ms[i].second)}}
                            .dump()
                            .c_str());
  std::system(("rm -rf '" + big + "' '" + small + "'").c_str());
  return 0;
}
