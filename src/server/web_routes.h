// server/web_routes.h — the web page's routes on the HTTP server: the pages, their embedded
// assets, and the JSON the pages read (the data browser's index, the report).
//
//   GET /                      chat page (web/index.html)       GET /data     data browser
//   GET /report                report viewer                    GET /assets/NAME   css, js, svg
//   GET /api/info              mode, model name, limits, which of data/report are loaded
//   GET /api/data/summary      counts for the filter menus
//   GET /api/data/paths?family=&bucket=&mistake=&min_score=&max_score=&task=&offset=&limit=
//   GET /api/data/paths/N      one path with its task and per-step verdicts
//   GET /api/data/images/ID    the image of task ID
//   GET /api/report            report.md, report.json, chart names;  GET /api/report/charts/NAME
//
// Only embedded asset names, task ids of the index and listed chart names are served: no
// request path reaches the file system. Pages: no-cache; assets: an ETag and a short max-age;
// every page carries a Content-Security-Policy allowing nothing but this origin, so nothing is
// fetched from the internet. Errors are JSON {"error": {"message", ...}} with 4xx statuses.
#pragma once

#include <functional>
#include <memory>

#include "io/json.h"
#include "server/data_index.h"
#include "server/report_folder.h"

namespace httplib {
class Server;
}

namespace insightv {

struct WebContext {
  bool pages = true;                          // serve /, /data, /report and /assets/*
  std::shared_ptr<const DataIndex> data;      // null: /api/data/* answers 404 with a hint
  std::shared_ptr<const ReportFolder> report;  // null: /api/report answers 404 with a hint
  std::function<json()> info;                 // the body of /api/info (mode, limits, ...)
};

void add_web_routes(httplib::Server& server, WebContext context);

// The query string's filter as a PathQuery; throws ApiError(400) naming a bad parameter.
// (Split out for tests; `get` returns "" for an absent parameter.)
PathQuery parse_path_query(const std::function<std::string(const char*)>& get);

}  // namespace insightv
