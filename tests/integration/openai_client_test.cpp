// The official openai npm client (pinned, installed with npm into <source>/.cache/npm) talks to
// the server on loopback: models.list, a chat with an image as a data URI, streaming (reasoning
// deltas, then content deltas), n > 1, and a 400 surfaced as the client's APIError. Without
// Node.js, npm or the registry the test FAILS with the reason (it never skips silently).
#include <unistd.h>

#include <gtest/gtest.h>

#include "io/json.h"
#include "support/live_server.h"
#include "support/npm_package.h"
#include "support/subprocess.h"
#include "support/tiny_agents.h"
#include "util/fs.h"

namespace {

using insightv::json;

const char* const kPackage = "openai";
const char* const kVersion = "6.30.1";  // pinned: `npm view openai version` (7.x needs Node 22)

std::string cache_dir() { return insightv::test::npm_cache_dir(); }

std::string ensure_openai() { return insightv::test::ensure_npm_package(kPackage, kVersion); }

}  // namespace

TEST(IntegrationOpenAiClient, OfficialClientChatsStreamsAndSamples) {
  const std::string err = ensure_openai();
  ASSERT_EQ(err, "");
  insightv::test::LiveServer s;
  const std::string base = "http://127.0.0.1:" + std::to_string(s.port()) + "/v1";
  const auto r = insightv::test::run_process(
      {"/usr/bin/env", "node", std::string(INSIGHTV_SOURCE_DIR) + "/tests/tools/openai_client.mjs",
       cache_dir() + "/node_modules", base},
      insightv::test::png_data_uri(insightv::test::tiny_test_image()));
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  const json out = json::parse(r.out);
  EXPECT_EQ(out["models"][0], "insightv");
  EXPECT_TRUE(out["plain"]["content"].is_string());
  EXPECT_TRUE(out["plain"]["reasoning"].is_string());
  EXPECT_GT(out["plain"]["usage"]["total_tokens"].get<int>(), 0);
  ASSERT_FALSE(out["stream"]["order"].empty());
  EXPECT_EQ(out["stream"]["order"][0], "r");  // reasoning deltas come first
  EXPECT_LE(out["stream"]["order"].size(), 2u);
  EXPECT_EQ(out["n"], 2);
  EXPECT_EQ(out["error"]["status"], 400);
}
