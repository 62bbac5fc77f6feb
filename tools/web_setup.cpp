// tools/web_setup.cpp — see web_setup.h.
#include "tools/web_setup.h"

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <thread>

#include "util/fs.h"
#include "util/log.h"

namespace insightv::cli {

void add_web_flags(CLI::App* cmd, WebFlags& f, bool data_positional) {
  const char* data_help =
      "data browser: a pipeline output folder (assess/, datagen/, world/), or an assess or datagen folder";
  if (data_positional) cmd->add_option("DIR", f.data, data_help)->required();
  else cmd->add_option("--data", f.data, data_help);
  cmd->add_option("--tasks", f.tasks, "tasks folder (tasks.jsonl + images/) the paths answer (default: found beside the data)");
  cmd->add_option("--report", f.report,
                  "report viewer: a pipeline output folder with report.md, report.json, charts/ (default: the data "
                  "folder's, when it has one)");
}

WebSources load_web_sources(const WebFlags& f) {
  WebSources w;
  if (!f.data.empty()) {
    auto idx = std::make_shared<DataIndex>(DataIndex::open({f.data, f.tasks}));
    const json s = idx->summary();
    std::printf("data: %zu paths, %zu tasks from %s (indexed in %.2f s)\n", idx->size(),
                static_cast<size_t>(s["tasks"].get<int64_t>()), s["paths_file"].get<std::string>().c_str(),
                s["load_seconds"].get<double>());
    w.data = idx;
  }
  std::string report = f.report;
  if (report.empty() && w.data && !w.data->pipeline_root().empty() &&
      (file_exists(join_path(w.data->pipeline_root(), "report.md")) ||
       file_exists(join_path(w.data->pipeline_root(), "report.json"))))
    report = w.data->pipeline_root();
  if (!report.empty()) {
    w.report = std::make_shared<ReportFolder>(ReportFolder::open(report));
    std::printf("report: %s (%zu charts)\n", report.c_str(), w.report->charts().size());
  }
  std::fflush(stdout);
  return w;
}

namespace {
std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop = true; }
}  // namespace

void serve_until_signal(HttpServer& server) {
  g_stop = false;
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  std::atomic<bool> served{false};
  std::thread watcher([&] {
    while (!g_stop && !served) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (g_stop) IV_LOG(info) << "signal received: draining in-flight requests";
    server.stop();
  });
  server.serve();  // returns once stopped and the in-flight requests are answered
  served = true;
  watcher.join();
}

}  // namespace insightv::cli
