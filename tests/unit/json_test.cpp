// Unit tests of io/json: parse errors with positions, JSONL errors naming the line,
// truncated tails from interrupted writers, atomic JSONL writes and durable appends.
#include <gtest/gtest.h>

#include "io/json.h"
#include "support/subprocess.h"
#include "util/error.h"
#include "util/fs.h"

using namespace insightv;

TEST(Json, ParseErrorNamesSourceLineAndColumn) {
  try {
    parse_json("{\n  \"a\": 1,\n  \"b\": ]\n}", "config.json");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("[json] config.json: line 3, column"), std::string::npos) << msg;
  }
}

TEST(Json, FileRoundTrip) {
  const std::string dir = test::make_temp_dir("json");
  const json v = {{"name", "nano"}, {"layers", 4}, {"ok", true}};
  write_json_file(dir + "/c.json", v);
  EXPECT_EQ(read_json_file(dir + "/c.json"), v);
}

TEST(Jsonl, ErrorNamesTheBadLine) {
  const std::string dir = test::make_temp_dir("jsonl");
  const std::string path = dir + "/rows.jsonl";
  write_file_atomic(path, "{\"a\":1}\n{\"a\":2}\n\n{\"a\":3,}\n{\"a\":4}\n");
  try {
    read_jsonl(path);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path + ":4:"), std::string::npos) << e.what();
  }
}

TEST(Jsonl, RoundTripSkipsBlankLines) {
  const std::string dir = test::make_temp_dir("jsonl");
  const std::string path = dir + "/rows.jsonl";
  std::vector<json> rows;
  for (int i = 0; i < 10; ++i) rows.push_back({{"i", i}, {"s", std::string(i, 'x')}});
  write_jsonl_atomic(path, rows);
  EXPECT_EQ(read_jsonl(path), rows);
}

TEST(Jsonl, TruncatedTailIsDroppedOnlyWhenAllowed) {
  const std::string dir = test::make_temp_dir("jsonl");
  const std::string path = dir + "/rows.jsonl";
  write_file_atomic(path, "{\"a\":1}\n{\"a\":2}\n{\"a\":");  // killed mid-line
  EXPECT_THROW(read_jsonl(path), Error);
  JsonlReader r(path, JsonlOptions{true});
  int n = 0;
  while (r.next()) ++n;
  EXPECT_EQ(n, 2);
  EXPECT_TRUE(r.dropped_truncated_tail());
}

TEST(Jsonl, BadLineWithNewlineIsAnErrorEvenWhenTailsAllowed) {
  const std::string dir = test::make_temp_dir("jsonl");
  const std::string path = dir + "/rows.jsonl";
  write_file_atomic(path, "{\"a\":1}\n{oops}\n{\"a\":3}\n");
  EXPECT_THROW(read_jsonl(path, JsonlOptions{true}), Error);
}

TEST(Jsonl, AppenderAddsWholeLines) {
  const std::string dir = test::make_temp_dir("jsonl");
  const std::string path = dir + "/log.jsonl";
  {
    JsonlAppender a(path, /*durable=*/true);
    a.append({{"step", 1}});
    a.append({{"step", 2}});
  }
  {
    JsonlAppender a(path);
    a.append({{"step", 3}});
  }
  const auto rows = read_jsonl(path);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[2]["step"], 3);
}

TEST(Jsonl, MissingFileIsAClearError) {
  EXPECT_THROW(JsonlReader("/nonexistent/rows.jsonl"), Error);
}
