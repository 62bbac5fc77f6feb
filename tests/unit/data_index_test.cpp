// Unit tests of the data browser's index (server/data_index.h), its query parsing and the
// report folder: folder layouts, filters, paging, one path's detail, images by task id only,
// and the embedded web assets (server/web_assets.h).
#include <map>

#include <gtest/gtest.h>

#include "io/image.h"
#include "io/json.h"
#include "server/data_index.h"
#include "server/openai_api.h"
#include "server/report_folder.h"
#include "server/web_assets.h"
#include "server/web_routes.h"
#include "support/subprocess.h"
#include "util/error.h"
#include "util/fs.h"

namespace insightv {
namespace {

// A pipeline-layout folder: world/train (tasks + images), assess/assessed.jsonl with 40 paths:
// 4 tasks (2 families) x 10 samples; sample k scores 10k, buckets by score, wrong when k == 0,
// sample 1 has an "arithmetic" mistake, sample 2 "irrelevant" + "arithmetic".
std::string make_folder() {
  const std::string dir = test::make_temp_dir("data-index");
  make_dirs(dir + "/world/train/images");
  make_dirs(dir + "/assess");
  std::string tasks, paths;
  for (int t = 0; t < 4; ++t) {
    const std::string family = t < 2 ? "shapes" : "clock";
    const std::string id = family + "-train-00000" + std::to_string(t);
    Image img(8, 6);
    write_file_atomic(dir + "/world/train/images/" + id + ".png", encode_png(img));
    tasks += json{{"id", id}, {"family", family}, {"difficulty", 2}, {"question", "How many? " + id},
                  {"answer", std::to_string(t)}, {"image", "images/" + id + ".png"}, {"scene", {{"objects", json::array()}}},
                  {"solution", json::array({{{"title", "Count"}, {"content", "There are " + std::to_string(t)}}})}}
                 .dump() + "\n";
    for (int k = 0; k < 10; ++k) {
      const double score = k == 0 ? 1 : 10 * k;
      const std::string bucket = k == 0 ? "wrong" : score >= 85 ? "high" : score >= 60 ? "mid" : "low";
      json mistakes = json::array();
      if (k == 1 || k == 2) mistakes.push_back({{"kind", "arithmetic"}, {"step", 0}});
      if (k == 2) mistakes.push_back({{"kind", "irrelevant"}, {"step", 1}});
      paths += json{{"task_id", id}, {"sample", k}, {"backend", "teacher"}, {"final_answer", k == 0 ? "99" : std::to_string(t)},
                    {"steps", json::array({{{"title", "Look"}, {"content", "a"}}, {{"title", "Count"}, {"content", "b"}}})},
                    {"answer_correct", k != 0}, {"step_scores", json::array({100.0, k == 0 ? 1.0 : 30.0})},
                    {"path_score", score}, {"bucket", bucket},
                    {"provenance", {{"mistakes", mistakes}, {"expected_correct", k != 0}}}}
                   .dump() + "\n";
    }
  }
  write_file_atomic(dir + "/world/train/tasks.jsonl", tasks);
  write_file_atomic(dir + "/assess/assessed.jsonl", paths + "{\"task_id\": \"torn");  // a torn tail
  write_file_atomic(dir + "/assess/report.json", json{{"paths", 40}}.dump());
  return dir;
}

std::vector<std::string> column(const json& page, const char* key) {
  std::vector<std::string> out;
  for (const json& r : page["rows"]) out.push_back(r[key].is_string() ? r[key].get<std::string>() : r[key].dump());
  return out;
}

TEST(DataIndex, ReadsThePipelineLayoutAndCountsForTheMenus) {
  const DataIndex idx = DataIndex::open({make_folder()});
  EXPECT_EQ(idx.size(), 40u);  // the torn tail is left out
  const json s = idx.summary();
  EXPECT_EQ(s["tasks"], 4);
  EXPECT_EQ(s["families"]["shapes"], 20);
  EXPECT_EQ(s["families"]["clock"], 20);
  EXPECT_EQ(s["buckets"]["wrong"], 4);
  EXPECT_EQ(s["buckets"]["high"], 4);  // scores 90
  EXPECT_EQ(s["mistakes"]["arithmetic"], 8);
  EXPECT_EQ(s["mistakes"]["irrelevant"], 4);
  EXPECT_EQ(s["clean"], 32);
  EXPECT_EQ(s["assess_report"]["paths"], 40);
  EXPECT_FALSE(idx.pipeline_root().empty());
}

TEST(DataIndex, FiltersByFamilyBucketScoreAndMistake) {
  const DataIndex idx = DataIndex::open({make_folder()});
  PathQuery q;
  q.family = "clock";
  q.bucket = "low";
  json page = idx.query(q);
  EXPECT_EQ(page["total"], 10);  // scores 10..50, two clock tasks
  for (const std::string& f : column(page, "family")) EXPECT_EQ(f, "clock");
  for (const std::string& b : column(page, "bucket")) EXPECT_EQ(b, "low");
  PathQuery range;
  range.min_score = 60;
  range.max_score = 80;
  page = idx.query(range);
  EXPECT_EQ(page["total"], 12);
  for (const json& r : page["rows"]) EXPECT_TRUE(r["path_score"] >= 60 && r["path_score"] <= 80);
  PathQuery clean;
  clean.mistake = "none";
  EXPECT_EQ(idx.query(clean)["total"], 32);
  PathQuery kind;
  kind.mistake = "irrelevant";
  page = idx.query(kind);
  EXPECT_EQ(page["total"], 4);
  EXPECT_EQ(page["rows"][0]["mistakes"], json::array({"arithmetic", "irrelevant"}));
  PathQuery any;
  any.mistake = "injected";
  EXPECT_EQ(idx.query(any)["total"], 8);
  PathQuery unknown;
  unknown.family = "maze";
  EXPECT_EQ(idx.query(unknown)["total"], 0);
  PathQuery bad;
  bad.bucket = "great";
  EXPECT_THROW(idx.query(bad), Error);
}

TEST(DataIndex, PagesWithOffsetAndLimitInFileOrder) {
  const DataIndex idx = DataIndex::open({make_folder()});
  PathQuery q;
  q.limit = 15;
  q.offset = 30;
  const json page = idx.query(q);
  EXPECT_EQ(page["total"], 40);
  ASSERT_EQ(page["rows"].size(), 10u);  // the last, partial page
  EXPECT_EQ(page["rows"][0]["index"], 30);
  EXPECT_EQ(page["rows"][9]["index"], 39);
  q.offset = 400;
  EXPECT_TRUE(idx.query(q)["rows"].empty());
  q.limit = DataIndex::kMaxLimit + 1;
  EXPECT_THROW(idx.query(q), Error);
}

TEST(DataIndex, OnePathHasItsTaskVerdictsAndImage) {
  const DataIndex idx = DataIndex::open({make_folder()});
  const json p = idx.path(10);  // shapes-train-000001, sample 0: wrong
  EXPECT_EQ(p["task_id"], "shapes-train-000001");
  EXPECT_EQ(p["answer_correct"], false);
  EXPECT_EQ(p["record"]["final_answer"], "99");
  EXPECT_EQ(p["task"]["answer"], "1");
  EXPECT_FALSE(p["task"].contains("scene"));
  ASSERT_EQ(p["verdicts"].size(), 2u);
  EXPECT_EQ(p["verdicts"][0]["verdict"], "verified");
  EXPECT_EQ(p["verdicts"][1]["verdict"], "false claim");
  EXPECT_EQ(p["image_url"], "/api/data/images/shapes-train-000001");
  std::string type;
  const std::string png = idx.task_image("shapes-train-000001", &type);
  EXPECT_EQ(type, "image/png");
  EXPECT_EQ(decode_image(png, "test").width, 8);
  EXPECT_THROW(idx.path(40), Error);
  EXPECT_THROW(idx.task_image("../../etc/passwd", &type), Error);
}

TEST(DataIndex, RefusesAnImageOutsideItsTasksFolder) {
  const std::string dir = make_folder();
  std::string tasks = read_file(dir + "/world/train/tasks.jsonl");
  tasks += json{{"id", "evil-train-000009"}, {"family", "evil"}, {"image", "../../../etc/hostname"}}.dump() + "\n";
  write_file_atomic(dir + "/world/train/tasks.jsonl", tasks);
  const DataIndex idx = DataIndex::open({dir});
  std::string type;
  EXPECT_THROW(idx.task_image("evil-train-000009", &type), Error);
}

TEST(DataIndex, ReadsADatagenFolderWithTasksGivenAndNamesWhatIsMissing) {
  const std::string dir = make_folder();
  const std::string raw = test::make_temp_dir("data-raw");
  write_file_atomic(raw + "/paths.jsonl", read_file(dir + "/assess/assessed.jsonl"));
  const DataIndex idx = DataIndex::open({raw, dir + "/world/train"});
  EXPECT_EQ(idx.size(), 40u);
  EXPECT_EQ(idx.summary()["tasks"], 4);
  EXPECT_TRUE(idx.pipeline_root().empty());
  try {
    DataIndex::open({test::make_temp_dir("data-empty")});
    FAIL() << "an empty folder was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("assessed.jsonl"), std::string::npos) << e.what();
  }
}

TEST(DataIndex, AnAssessFolderFindsTheTasksOfItsPipelineFolder) {
  const std::string dir = make_folder();
  const DataIndex idx = DataIndex::open({dir + "/assess"});
  EXPECT_EQ(idx.size(), 40u);
  EXPECT_EQ(idx.summary()["tasks"], 4);       // from ../world
  EXPECT_TRUE(idx.pipeline_root().empty());   // not a pipeline folder: no report by default
  EXPECT_EQ(idx.summary()["assess_report"]["paths"], 40);
}

TEST(DataIndex, QueryStringIsValidated) {
  auto parse = [](std::map<std::string, std::string> m) {
    return parse_path_query([m](const char* k) { return m.count(k) ? m.at(k) : ""; });
  };
  const PathQuery q = parse({{"family", "clock"}, {"min_score", "20"}, {"offset", "100"}, {"limit", "25"}});
  EXPECT_EQ(q.family, "clock");
  EXPECT_EQ(*q.min_score, 20);
  EXPECT_EQ(q.offset, 100u);
  EXPECT_EQ(q.limit, 25u);
  EXPECT_THROW(parse({{"limit", "0"}}), ApiError);
  EXPECT_THROW(parse({{"limit", "2.5"}}), ApiError);
  EXPECT_THROW(parse({{"offset", "-1"}}), ApiError);
  EXPECT_THROW(parse({{"min_score", "high"}}), ApiError);
  EXPECT_THROW(parse({{"min_score", "80"}, {"max_score", "20"}}), ApiError);
}

TEST(ReportFolder, ListsChartsAndServesOnlyThose) {
  const std::string dir = test::make_temp_dir("report");
  make_dirs(dir + "/charts");
  write_file_atomic(dir + "/report.md", "# Report\n\n| a | b |\n|---|---|\n| 1 | 2 |\n");
  write_file_atomic(dir + "/charts/acc.png", encode_png(Image(4, 4)));
  write_file_atomic(dir + "/charts/notes.txt", "x");
  const ReportFolder r = ReportFolder::open(dir);
  EXPECT_EQ(r.charts(), std::vector<std::string>{"acc.png"});
  EXPECT_EQ(r.info()["markdown"].get<std::string>().substr(0, 8), "# Report");
  EXPECT_FALSE(r.chart("acc.png").empty());
  EXPECT_THROW(r.chart("notes.txt"), Error);
  EXPECT_THROW(r.chart("../report.md"), Error);
  EXPECT_THROW(ReportFolder::open(test::make_temp_dir("no-report")), Error);
}

TEST(WebAssets, EveryPageAndScriptIsEmbeddedWithItsType) {
  for (const char* name : {"index.html", "data.html", "report.html", "style.css", "common.js", "chat.js", "data.js",
                           "report.js", "favicon.svg"})
    ASSERT_NE(find_web_asset(name), nullptr) << name;
  EXPECT_EQ(find_web_asset("index.html")->content_type, "text/html; charset=utf-8");
  EXPECT_EQ(find_web_asset("chat.js")->content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(find_web_asset("style.css")->content_type, "text/css; charset=utf-8");
  EXPECT_EQ(find_web_asset("../CMakeLists.txt"), nullptr);
  EXPECT_EQ(find_web_asset("web/index.html"), nullptr);
  // The bytes are the files of web/ as they are in the source tree.
  const WebAsset* a = find_web_asset("index.html");
  EXPECT_EQ(std::string(a->bytes), read_file(std::string(INSIGHTV_SOURCE_DIR) + "/web/index.html"));
  EXPECT_NE(a->etag, find_web_asset("data.html")->etag);
}

TEST(WebAssets, PagesFetchNothingFromOutsideTheServer) {
  for (const EmbeddedFile& f : embedded_web_files()) {
    const std::string text(f.bytes);
    for (const char* remote : {"src=\"http", "href=\"http", "url(http", "from 'http", "fetch('http", "src=\"//", "href=\"//"})
      EXPECT_EQ(text.find(remote), std::string::npos) << f.name << " loads " << remote;
  }
}

}  // namespace
}  // namespace insightv
