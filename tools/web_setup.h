// tools/web_setup.h — what `serve` and `browse` share for the web page: the --data, --tasks,
// --report and --no-web flags, and loading the data index and the report folder they name.
// CLI glue only; the logic is in server/data_index.h and server/report_folder.h.
#pragma once

#include <memory>
#include <string>

#include "server/data_index.h"
#include "server/http_server.h"
#include "server/report_folder.h"
#include "tools/verbs.h"

namespace insightv::cli {

struct WebFlags {
  std::string data, tasks, report;
  bool no_web = false;
};

// Binds --data (unless `data_positional`: then DIR is the verb's first argument), --tasks, --report.
void add_web_flags(CLI::App* cmd, WebFlags& f, bool data_positional);

struct WebSources {
  std::shared_ptr<const DataIndex> data;
  std::shared_ptr<const ReportFolder> report;
};
// Loads what the flags name and prints one line for each; the report defaults to the data
// folder's pipeline root when it has a report.
WebSources load_web_sources(const WebFlags& f);

// Serves until SIGTERM/SIGINT, then stops accepting and returns once the in-flight requests are
// answered (`serve` and `browse`).
void serve_until_signal(HttpServer& server);

}  // namespace insightv::cli
