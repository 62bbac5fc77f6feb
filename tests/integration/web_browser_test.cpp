// The web page end to end in a real browser: `insightv serve` on loopback with the tiny agent
// checkpoints (tests/support/tiny_agents.h — the test suite's nano-class model: the nano
// architecture shrunk so that a decode step takes well under a millisecond) and a data folder
// from `insightv pipeline --preset tiny --stop-after assess`, driven in Debian's headless
// Chromium by playwright-core (pinned in tests/web/package.json, installed with npm into
// <source>/.cache/npm under a file lock). tests/web/browser_e2e.mjs uploads an image, asks,
// waits for streamed steps and the answer, asks best-of-3, copies the conversation as JSON,
// uploads a non-image, a fake PNG and an image over the server's limit, opens /data, filters by
// family and bucket, pages, opens one path, filters by score, opens /report, then kills the
// server and expects "server unreachable" on two pages. Screenshots go to
// <build>/artifacts/web/. Without Chromium, Node.js, npm or the registry the test FAILS with the
// reason (it never skips silently).
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include <gtest/gtest.h>

#include "io/image.h"
#include "io/json.h"
#include "support/npm_package.h"
#include "support/subprocess.h"
#include "support/tiny_agents.h"
#include "util/fs.h"

namespace insightv {
namespace {

const char* const kChromium = "/usr/bin/chromium";

std::string cache_dir() { return test::npm_cache_dir(); }

// Installs the pinned playwright-core (tests/web/package.json); returns "" or why it could not.
std::string ensure_playwright() {
  const json pkg = read_json_file(std::string(INSIGHTV_SOURCE_DIR) + "/tests/web/package.json");
  return test::ensure_npm_package("playwright-core", pkg["dependencies"]["playwright-core"].get<std::string>());
}

// Starts a program and waits for "listening on http://HOST:PORT" in its log; returns the URL.
std::string wait_for_url(const std::string& log, int pid) {
  for (int i = 0; i < 1200; ++i) {  // up to 120 s: the machine may be busy
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const std::string text = file_exists(log) ? read_file(log) : "";
    const size_t at = text.find("listening on ");
    if (at != std::string::npos) return text.substr(at + 13, text.find_first_of(" \n", at + 13) - (at + 13));
    if (kill(pid, 0) != 0) break;
  }
  return "";
}

TEST(IntegrationWebBrowser, ChatDataBrowserReportAndBadInputInChromium) {
  ASSERT_TRUE(file_exists(kChromium)) << "Debian's chromium is not installed (" << kChromium
                                      << "): run scripts/setup.sh, or apt-get install chromium";
  const std::string err = ensure_playwright();
  ASSERT_EQ(err, "");

  const std::string dir = test::make_temp_dir("web-e2e");
  // Fixtures: an image under the server's limit (100,000 pixels below), one over it, a text file,
  // and text bytes named .png.
  const std::string fixtures = dir + "/fixtures";
  make_dirs(fixtures);
  write_file_atomic(fixtures + "/image.png", encode_png(test::tiny_test_image(64, 48)));
  write_file_atomic(fixtures + "/huge.png", encode_png(test::tiny_test_image(400, 300)));
  write_file_atomic(fixtures + "/notes.txt", "these are notes, not an image\n");
  write_file_atomic(fixtures + "/fake.png", "this is text pretending to be a PNG\n");
  const std::string reason = test::write_tiny_agent_checkpoint(dir + "/reason", 0);
  const std::string summary = test::write_tiny_agent_checkpoint(dir + "/summary", 1);

  // A generated data folder (world, datagen, assess) and a report with a chart beside it.
  const std::string run = dir + "/run";
  auto p = test::run_cli({"--threads", "1", "pipeline", "--preset", "tiny", "--out", run, "--stop-after", "assess"});
  ASSERT_EQ(p.exit_code, 0) << p.err << p.out;
  make_dirs(run + "/charts");
  write_file_atomic(run + "/metrics.jsonl", "{\"step\": 1, \"loss\": 2.0}\n{\"step\": 2, \"loss\": 1.2}\n{\"step\": 3, \"loss\": 0.9}\n");
  auto plot = test::run_cli({"plot", "--metrics", run + "/metrics.jsonl", "--y", "loss", "--out", run + "/charts/loss.png"});
  ASSERT_EQ(plot.exit_code, 0) << plot.err;
  write_file_atomic(run + "/report.md",
                    "# Test report\n\nA **small** report for the browser test.\n\n## Accuracy\n\n"
                    "| system | accuracy % |\n|---|---|\n| multi-agent | 16.8 |\n| baseline | 19.7 |\n\n"
                    "## Charts\n\n![loss.png](charts/loss.png)\n");

  const std::string log = dir + "/serve.log";
  const int pid = test::spawn_process({INSIGHTV_CLI_PATH, "--threads", "1", "serve", "--reason", reason, "--summary", summary,
                                       "--port", "0", "--reason-max-tokens", "48", "--summary-max-tokens", "12",
                                       "--max-image-pixels", "100000", "--data", run},
                                      log);
  const std::string url = wait_for_url(log, pid);
  if (url.empty()) {
    kill(pid, SIGTERM);
    test::wait_process(pid);
    FAIL() << "the server did not start: " << read_file(log);
  }
  const std::string artifacts = parent_dir(INSIGHTV_CLI_PATH) + "/artifacts/web";
  std::system(("rm -rf '" + artifacts + "'").c_str());  // no screenshot of an earlier run stays
  make_dirs(artifacts);
  const auto r = test::run_process({"/usr/bin/env", "node", std::string(INSIGHTV_SOURCE_DIR) + "/tests/web/browser_e2e.mjs",
                                    cache_dir() + "/node_modules", url, fixtures, artifacts, std::to_string(pid)});
  kill(pid, SIGKILL);  // the script kills it too (the "server down" step); reap it either way
  test::wait_process(pid);
  ASSERT_EQ(r.exit_code, 0) << r.err << "\n" << r.out << "\nserver log:\n" << read_file(log);
  const json out = json::parse(r.out);

  // Chat: the steps streamed in (many reasoning deltas), then the answer; nothing failed.
  const json& chat = out["chat"];
  EXPECT_GE(chat["steps"].size(), 1u) << chat.dump();
  EXPECT_GT(chat["reasoning_deltas"].get<int>(), 1) << chat.dump();
  EXPECT_TRUE(chat["chain_done"].get<bool>()) << chat.dump();
  EXPECT_NE(chat["status"].get<std::string>().find("answered"), std::string::npos) << chat.dump();
  EXPECT_EQ(chat["error"], "") << chat.dump();
  // Best-of-3: three chains, the vote table, the best chain marked.
  EXPECT_EQ(out["best_of_n"]["chains"], 3);
  EXPECT_TRUE(out["best_of_n"]["vote_visible"].get<bool>());
  EXPECT_GE(out["best_of_n"]["vote_rows"].get<int>(), 1);
  EXPECT_EQ(out["best_of_n"]["best_marked"], 1);
  // The conversation as JSON.
  EXPECT_EQ(out["conversation"]["turns"], 2);
  EXPECT_GE(out["conversation"]["first_steps"].get<int>(), 1);
  EXPECT_EQ(out["conversation"]["second_chains"], 3);
  EXPECT_TRUE(out["conversation"]["vote"].get<bool>());
  EXPECT_EQ(out["conversation"]["image"]["width"], 64);
  // Bad input: each a visible message.
  EXPECT_NE(out["non_image"].get<std::string>().find("notes.txt"), std::string::npos) << out["non_image"];
  EXPECT_NE(out["fake_png"].get<std::string>().find("not a readable image"), std::string::npos);
  EXPECT_NE(out["huge_image"].get<std::string>().find("HTTP 400"), std::string::npos) << out["huge_image"];
  EXPECT_NE(out["huge_image"].get<std::string>().find("above the limit"), std::string::npos) << out["huge_image"];
  EXPECT_NE(out["server_down"]["chat"].get<std::string>().find("Server unreachable"), std::string::npos);
  EXPECT_EQ(out["server_down"]["status"], "server unreachable");
  EXPECT_NE(out["server_down"]["data"].get<std::string>().find("Server unreachable"), std::string::npos);
  EXPECT_FALSE(out["blank"].get<bool>());
  // Data browser: the filter holds on every row, the page count matches the API, paging moves on.
  const json& data = out["data"];
  EXPECT_GT(data["first_page_rows"].get<int>(), 0);
  const json& f = data["filter"];
  ASSERT_GT(f["expected_total"].get<int>(), 10) << "the tiny run has too few paths to page: " << f.dump();
  EXPECT_EQ(f["families"], json::array({f["family"]}));
  EXPECT_EQ(f["buckets"], json::array({f["bucket"]}));
  EXPECT_EQ(f["rows"], 10);
  EXPECT_NE(f["page_info"].get<std::string>().find("of " + std::to_string(f["expected_total"].get<int>())), std::string::npos)
      << f.dump();
  EXPECT_NE(data["paged"]["page_info"].get<std::string>().find("Paths 11–"), std::string::npos) << data["paged"].dump();
  EXPECT_GT(data["paged"]["first_index_after"].get<int>(), data["paged"]["first_index_before"].get<int>());
  EXPECT_NE(data["paged"]["url"].get<std::string>().find("offset=10"), std::string::npos);
  EXPECT_GT(data["detail"]["image_width"].get<int>(), 0);
  EXPECT_GE(data["detail"]["steps"].get<int>(), 1);
  EXPECT_EQ(data["detail"]["verdicts"], data["detail"]["steps"]);
  EXPECT_FALSE(data["detail"]["stray_null"].get<bool>()) << "a missing part of the path view shows as \"null\"";
  EXPECT_NE(data["detail"]["ground_truth"].get<std::string>().find("Ground truth"), std::string::npos);
  for (const json& s : data["min_score_90"]) EXPECT_GE(s.get<double>(), 90);
  // Report: its table and chart.
  EXPECT_EQ(out["report"]["tables"], 1);
  EXPECT_EQ(out["report"]["charts_loaded"], 1);
  // Nothing fetched from anywhere but the server; no script error.
  EXPECT_TRUE(out["external_requests"].empty()) << out["external_requests"].dump();
  EXPECT_TRUE(out["page_errors"].empty()) << out["page_errors"].dump();
  for (const char* shot : {"chat.png", "chat-best-of-n.png", "data.png", "report.png", "error-non-image.png",
                           "error-huge-image.png", "error-server-down.png"})
    EXPECT_TRUE(file_exists(artifacts + "/" + shot)) << shot;
}

}  // namespace
}  // namespace insightv
