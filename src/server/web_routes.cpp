// server/web_routes.cpp — pages, assets and the browser/report JSON routes (see web_routes.h).
#include "server/web_routes.h"

#include <httplib.h>

#include <cstdlib>

#include "server/openai_api.h"
#include "server/web_assets.h"
#include "util/error.h"

namespace insightv {

namespace {

const char* const kPageSecurity =
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

void send_error(httplib::Response& res, int status, const std::string& message, const std::string& code) {
  res.status = status;
  res.set_content(error_body(ApiError(status, message, "", code)).dump(-1, ' ', false, json::error_handler_t::replace),
                  "application/json");
}

void send(httplib::Response& res, const json& body) {
  res.status = 200;
  res.set_header("Cache-Control", "no-store");
  res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
}

void send_asset(const httplib::Request& rq, httplib::Response& res, const std::string& name, bool page) {
  const WebAsset* a = find_web_asset(name);
  if (a == nullptr) return send_error(res, 404, "no page or asset named '" + name + "'", "not_found");
  res.set_header("ETag", a->etag);
  res.set_header("X-Content-Type-Options", "nosniff");
  // Pages are revalidated every time; assets may be reused for a minute, then revalidated.
  res.set_header("Cache-Control", page ? "no-cache" : "public, max-age=60");
  if (page) {
    res.set_header("Content-Security-Policy", kPageSecurity);
    res.set_header("Referrer-Policy", "no-referrer");
  }
  if (rq.get_header_value("If-None-Match") == a->etag) {
    res.status = 304;
    return;
  }
  res.status = 200;
  res.set_content(std::string(a->bytes), a->content_type);
}

// Runs f, mapping errors to JSON responses: Error (a bad query, an unknown id) → 404 or 400.
template <class F>
void guarded(httplib::Response& res, int error_status, F&& f) {
  try {
    f();
  } catch (const ApiError& e) {
    res.status = e.status;
    res.set_content(error_body(e).dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
  } catch (const Error& e) {
    send_error(res, error_status, e.what(), error_status == 404 ? "not_found" : "invalid_value");
  } catch (const std::exception& e) {
    send_error(res, 500, e.what(), "internal_error");
  }
}

std::optional<double> number_param(const std::function<std::string(const char*)>& get, const char* key) {
  const std::string v = get(key);
  if (v.empty()) return std::nullopt;
  char* end = nullptr;
  const double d = std::strtod(v.c_str(), &end);
  if (end == v.c_str() || *end != '\0' || d != d)
    throw ApiError(400, std::string(key) + " must be a number (got '" + v + "')", key);
  return d;
}

}  // namespace

PathQuery parse_path_query(const std::function<std::string(const char*)>& get) {
  PathQuery q;
  q.family = get("family");
  q.bucket = get("bucket");
  q.mistake = get("mistake");
  q.task = get("task");
  q.min_score = number_param(get, "min_score");
  q.max_score = number_param(get, "max_score");
  if (q.min_score && q.max_score && *q.min_score > *q.max_score)
    throw ApiError(400, "min_score is above max_score", "min_score");
  auto count = [&](const char* key, size_t dflt, size_t lo, size_t hi) {
    const auto v = number_param(get, key);
    if (!v) return dflt;
    if (*v < static_cast<double>(lo) || *v > static_cast<double>(hi) || *v != static_cast<double>(static_cast<size_t>(*v)))
      throw ApiError(400, std::string(key) + " must be a whole number between " + std::to_string(lo) + " and " +
                              std::to_string(hi),
                     key);
    return static_cast<size_t>(*v);
  };
  q.offset = count("offset", 0, 0, size_t{1} << 40);
  q.limit = count("limit", 50, 1, DataIndex::kMaxLimit);
  return q;
}

void add_web_routes(httplib::Server& svr, WebContext ctx) {
  auto c = std::make_shared<WebContext>(std::move(ctx));
  if (c->pages) {
    static const std::pair<const char*, const char*> pages[] = {
        {"/", "index.html"}, {"/index.html", "index.html"}, {"/data", "data.html"}, {"/report", "report.html"}};
    for (const auto& [route, file] : pages) {
      const std::string name = file;
      svr.Get(route, [name](const httplib::Request& rq, httplib::Response& res) { send_asset(rq, res, name, true); });
    }
    // Only names of embedded files answer; a name with a slash or dots is simply not one.
    svr.Get(R"(/assets/([A-Za-z0-9_.-]+))", [](const httplib::Request& rq, httplib::Response& res) {
      const std::string name = rq.matches[1].str();
      if (name.size() > 5 && name.substr(name.size() - 5) == ".html")
        return send_error(res, 404, "pages are served at /, /data and /report", "not_found");
      send_asset(rq, res, name, false);
    });
    svr.Get("/favicon.ico", [](const httplib::Request& rq, httplib::Response& res) {
      send_asset(rq, res, "favicon.svg", false);
    });
  }
  svr.Get("/api/info", [c](const httplib::Request&, httplib::Response& res) {
    guarded(res, 500, [&] {
      json info = c->info ? c->info() : json::object();
      info["data"] = c->data != nullptr;
      info["report"] = c->report != nullptr;
      send(res, info);
    });
  });
  const std::string no_data =
      "this server has no data folder: start it with `insightv serve ... --data DIR` or `insightv browse DIR`";
  auto need_data = [c, no_data](httplib::Response& res) {
    if (!c->data) send_error(res, 404, no_data, "no_data");
    return c->data != nullptr;
  };
  svr.Get("/api/data/summary", [c, need_data](const httplib::Request&, httplib::Response& res) {
    if (need_data(res)) guarded(res, 500, [&] { send(res, c->data->summary()); });
  });
  svr.Get("/api/data/paths", [c, need_data](const httplib::Request& rq, httplib::Response& res) {
    if (!need_data(res)) return;
    guarded(res, 400, [&] {
      const PathQuery q = parse_path_query([&](const char* k) { return rq.has_param(k) ? rq.get_param_value(k) : ""; });
      send(res, c->data->query(q));
    });
  });
  svr.Get(R"(/api/data/paths/(\d{1,12}))", [c, need_data](const httplib::Request& rq, httplib::Response& res) {
    if (need_data(res)) guarded(res, 404, [&] { send(res, c->data->path(std::stoull(rq.matches[1].str()))); });
  });
  svr.Get(R"(/api/data/images/([A-Za-z0-9_.-]{1,200}))", [c, need_data](const httplib::Request& rq, httplib::Response& res) {
    if (!need_data(res)) return;
    guarded(res, 404, [&] {
      std::string type;
      std::string bytes = c->data->task_image(rq.matches[1].str(), &type);
      res.set_header("Cache-Control", "public, max-age=300");
      res.set_header("X-Content-Type-Options", "nosniff");
      res.set_content(std::move(bytes), type.c_str());
    });
  });
  const std::string no_report =
      "this server has no report: start it with `--report DIR` (a pipeline output folder) or `--data` on a pipeline "
      "folder whose report stage has run";
  svr.Get("/api/report", [c, no_report](const httplib::Request&, httplib::Response& res) {
    if (!c->report) return send_error(res, 404, no_report, "no_report");
    guarded(res, 500, [&] { send(res, c->report->info()); });
  });
  svr.Get(R"(/api/report/charts/([A-Za-z0-9_.-]{1,200}))", [c, no_report](const httplib::Request& rq, httplib::Response& res) {
    if (!c->report) return send_error(res, 404, no_report, "no_report");
    guarded(res, 404, [&] {
      res.set_header("Cache-Control", "no-cache");
      res.set_header("X-Content-Type-Options", "nosniff");
      res.set_content(c->report->chart(rq.matches[1].str()), "image/png");
    });
  });
}

}  // namespace insightv
