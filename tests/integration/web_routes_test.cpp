// Integration tests of the web page's routes (server/web_routes.h) on loopback: pages and
// assets with their content types and caching headers, no path traversal, the data browser's
// JSON, images by task id, the report, `browse` mode without a model (503 on /v1), and the
// best-of-N vote in the chat response and (opt-in) at the end of the stream.
#include <torch/torch.h>

#include <httplib.h>

#include <thread>

#include <gtest/gtest.h>

#include "io/image.h"
#include "io/json.h"
#include "server/http_server.h"
#include "support/live_server.h"
#include "support/subprocess.h"
#include "support/tiny_agents.h"
#include "util/fs.h"

namespace insightv {
namespace {

// A small datagen/assess folder in the pipeline layout, and a report beside it.
std::string make_data_folder() {
  const std::string dir = test::make_temp_dir("web-data");
  make_dirs(dir + "/world/train/images");
  make_dirs(dir + "/assess");
  make_dirs(dir + "/charts");
  std::string tasks, paths;
  for (int t = 0; t < 6; ++t) {
    const std::string family = t % 2 ? "clock" : "maze";
    const std::string id = family + "-train-00000" + std::to_string(t);
    write_file_atomic(dir + "/world/train/images/" + id + ".png", encode_png(test::tiny_test_image()));
    tasks += json{{"id", id}, {"family", family}, {"question", "Q" + std::to_string(t)}, {"answer", "A"},
                  {"image", "images/" + id + ".png"}}.dump() + "\n";
    for (int k = 0; k < 5; ++k)
      paths += json{{"task_id", id}, {"sample", k}, {"final_answer", "A"}, {"steps", json::array({{{"title", "T"}, {"content", "c"}}})},
                    {"step_scores", {100}}, {"path_score", 20 * k + 10}, {"answer_correct", k > 0},
                    {"bucket", k == 0 ? "wrong" : k == 4 ? "high" : "low"}}.dump() + "\n";
  }
  write_file_atomic(dir + "/world/train/tasks.jsonl", tasks);
  write_file_atomic(dir + "/assess/assessed.jsonl", paths);
  write_file_atomic(dir + "/report.md", "# R\n\n![acc](charts/acc.png)\n");
  write_file_atomic(dir + "/charts/acc.png", encode_png(test::tiny_test_image()));
  return dir;
}

// `insightv browse` in-process: no model, the folder's data and report.
struct BrowseServer {
  std::unique_ptr<HttpServer> server;
  std::thread thread;
  int port = 0;
  explicit BrowseServer(const std::string& dir, bool with_data = true) {
    ServingSetup setup;
    if (with_data) setup.data = std::make_shared<DataIndex>(DataIndex::open({dir}));
    setup.report = std::make_shared<ReportFolder>(ReportFolder::open(dir));
    ServerOptions o;
    o.port = 0;
    server = std::make_unique<HttpServer>(setup, o);
    port = server->bind();
    thread = std::thread([this] { server->serve(); });
  }
  ~BrowseServer() {
    server->stop();
    thread.join();
  }
  httplib::Result get(const std::string& path, const httplib::Headers& h = {}) {
    httplib::Client cli("127.0.0.1", port);
    return cli.Get(path.c_str(), h);
  }
};

TEST(IntegrationWebRoutes, PagesAndAssetsHaveTypesCachingAndAPolicy) {
  BrowseServer s(make_data_folder());
  const std::pair<std::string, std::string> pages[] = {{"/", "chat.js"}, {"/data", "data.js"}, {"/report", "report.js"}};
  for (const auto& [path, marker] : pages) {
    auto r = s.get(path);
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 200) << path;
    EXPECT_EQ(r->get_header_value("Content-Type"), "text/html; charset=utf-8");
    EXPECT_EQ(r->get_header_value("Cache-Control"), "no-cache");
    EXPECT_NE(r->get_header_value("Content-Security-Policy").find("default-src 'self'"), std::string::npos);
    EXPECT_NE(r->body.find(marker), std::string::npos) << path;
  }
  auto js = s.get("/assets/chat.js");
  ASSERT_TRUE(js);
  EXPECT_EQ(js->status, 200);
  EXPECT_EQ(js->get_header_value("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(js->body, read_file(std::string(INSIGHTV_SOURCE_DIR) + "/web/chat.js"));
  const std::string etag = js->get_header_value("ETag");
  ASSERT_FALSE(etag.empty());
  auto again = s.get("/assets/chat.js", {{"If-None-Match", etag}});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 304);
  EXPECT_TRUE(again->body.empty());
  EXPECT_EQ(s.get("/assets/style.css")->get_header_value("Content-Type"), "text/css; charset=utf-8");
}

TEST(IntegrationWebRoutes, OnlyEmbeddedNamesAreServed) {
  BrowseServer s(make_data_folder());
  for (const std::string path : {"/assets/../CMakeLists.txt", "/assets/%2e%2e/CMakeLists.txt", "/assets/nothing.js",
                                 "/assets/index.html", "/web/index.html", "/assets/..%2fREADME.md", "/../README.md",
                                 "/api/data/images/..%2f..%2fetc%2fpasswd", "/api/report/charts/..%2freport.md"}) {
    auto r = s.get(path);
    ASSERT_TRUE(r) << path;
    EXPECT_GE(r->status, 400) << path;
    EXPECT_LT(r->status, 500) << path;
    EXPECT_EQ(r->body.find("cmake_minimum_required"), std::string::npos) << path;
    EXPECT_EQ(r->body.find("root:"), std::string::npos) << path;
  }
}

TEST(IntegrationWebRoutes, DataRoutesFilterPageAndServeImagesById) {
  BrowseServer s(make_data_folder());
  auto sum = s.get("/api/data/summary");
  ASSERT_TRUE(sum);
  ASSERT_EQ(sum->status, 200) << sum->body;
  EXPECT_EQ(json::parse(sum->body)["paths"], 30);
  auto page = s.get("/api/data/paths?family=clock&bucket=low&offset=2&limit=3");
  ASSERT_TRUE(page);
  ASSERT_EQ(page->status, 200) << page->body;
  const json p = json::parse(page->body);
  EXPECT_EQ(p["total"], 9);  // 3 clock tasks x 3 low samples
  ASSERT_EQ(p["rows"].size(), 3u);
  for (const json& r : p["rows"]) EXPECT_EQ(r["family"], "clock");
  auto scored = json::parse(s.get("/api/data/paths?min_score=45&max_score=100")->body);
  EXPECT_EQ(scored["total"], 18);  // scores 50, 70, 90 of 6 tasks
  auto bad = s.get("/api/data/paths?limit=100000");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_NE(json::parse(bad->body)["error"]["message"].get<std::string>().find("limit"), std::string::npos);
  auto one = s.get("/api/data/paths/7");
  ASSERT_TRUE(one);
  ASSERT_EQ(one->status, 200);
  EXPECT_EQ(json::parse(one->body)["task"]["question"], "Q1");
  EXPECT_EQ(s.get("/api/data/paths/30")->status, 404);
  auto img = s.get("/api/data/images/clock-train-000001");
  ASSERT_TRUE(img);
  ASSERT_EQ(img->status, 200);
  EXPECT_EQ(img->get_header_value("Content-Type"), "image/png");
  EXPECT_EQ(decode_image(img->body, "test").width, 40);
  EXPECT_EQ(s.get("/api/data/images/clock-train-000099")->status, 404);
}

TEST(IntegrationWebRoutes, BrowseModeHasNoModelAndSaysSo) {
  const std::string dir = make_data_folder();
  BrowseServer s(dir);
  httplib::Client cli("127.0.0.1", s.port);
  auto chat = cli.Post("/v1/chat/completions", R"({"messages": [{"role": "user", "content": "hi"}]})", "application/json");
  ASSERT_TRUE(chat);
  EXPECT_EQ(chat->status, 503);
  EXPECT_EQ(json::parse(chat->body)["error"]["code"], "no_model");
  const json info = json::parse(s.get("/api/info")->body);
  EXPECT_EQ(info["mode"], "browse");
  EXPECT_EQ(info["data"], true);
  EXPECT_EQ(info["report"], true);
  EXPECT_EQ(json::parse(s.get("/health")->body)["mode"], "browse");
  const json report = json::parse(s.get("/api/report")->body);
  EXPECT_EQ(report["charts"], json::array({"acc.png"}));
  auto chart = s.get("/api/report/charts/acc.png");
  ASSERT_TRUE(chart);
  EXPECT_EQ(chart->status, 200);
  EXPECT_EQ(chart->get_header_value("Content-Type"), "image/png");
  BrowseServer report_only(dir, /*with_data=*/false);
  auto none = report_only.get("/api/data/paths");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 404);
  EXPECT_NE(none->body.find("--data DIR"), std::string::npos);
}

json image_chat(int n) {
  json content = json::array({{{"type", "image_url"}, {"image_url", {{"url", test::png_data_uri(test::tiny_test_image())}}}},
                              {{"type", "text"}, {"text", "Which?"}}});
  return {{"messages", json::array({{{"role", "user"}, {"content", content}}})}, {"n", n}, {"seed", 3}};
}

TEST(IntegrationWebRoutes, BestOfNResponseCarriesTheVote) {
  test::LiveServer s;
  httplib::Client cli("127.0.0.1", s.port());
  cli.set_read_timeout(120, 0);
  auto r = cli.Post("/v1/chat/completions", image_chat(3).dump(), "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const json j = json::parse(r->body);
  const json& votes = j["insightv"]["votes"];
  ASSERT_TRUE(votes.is_array());
  size_t counted = 0;
  for (const json& v : votes) {
    counted += v["count"].get<size_t>();
    EXPECT_EQ(v["chains"].size(), v["count"].get<size_t>());
  }
  EXPECT_EQ(counted, 3u);
  EXPECT_EQ(votes[0]["count"].get<double>() / 3, j["insightv"]["agreement"].get<double>());
  EXPECT_EQ(votes[0]["answer"], j["insightv"]["answer"]);
}

TEST(IntegrationWebRoutes, StreamEndsWithTheVoteOnlyWhenAsked) {
  test::LiveServer s;
  auto stream = [&](bool ask_vote) {
    json body = image_chat(2);
    body["stream"] = true;
    if (ask_vote) body["stream_options"] = {{"include_insightv", true}};
    httplib::Client cli("127.0.0.1", s.port());
    cli.set_read_timeout(120, 0);
    auto r = cli.Post("/v1/chat/completions", body.dump(), "application/json");
    std::vector<json> chunks;
    if (!r || r->status != 200) return chunks;
    size_t pos = 0;
    while ((pos = r->body.find("data: ", pos)) != std::string::npos) {
      const size_t end = r->body.find("\n\n", pos);
      const std::string data = r->body.substr(pos + 6, end - pos - 6);
      pos = end;
      if (data != "[DONE]") chunks.push_back(json::parse(data));
    }
    return chunks;
  };
  const auto plain = stream(false);
  ASSERT_FALSE(plain.empty());
  for (const json& c : plain) EXPECT_FALSE(c.contains("insightv"));
  const auto voted = stream(true);
  ASSERT_FALSE(voted.empty());
  const json& last = voted.back();
  ASSERT_TRUE(last.contains("insightv")) << last.dump();
  EXPECT_TRUE(last["choices"].empty());
  EXPECT_EQ(last["insightv"]["votes"].size() > 0, true);
}

}  // namespace
}  // namespace insightv
