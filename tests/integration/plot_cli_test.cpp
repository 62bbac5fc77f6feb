// Integration tests of `insightv plot`: columns of a metrics JSONL become a PNG line chart; a
// missing column is exit 1 with a "[plot] ..." line naming the columns there are.
#include <gtest/gtest.h>

#include "io/image.h"
#include "io/json.h"
#include "support/subprocess.h"
#include "util/fs.h"

using insightv::test::run_cli;

namespace {
std::string metrics_file(const std::string& dir) {
  std::vector<insightv::json> rows;
  for (int i = 1; i <= 30; ++i) rows.push_back({{"step", i}, {"loss", 1.0 / i}, {"margin", 0.02 * i}});
  insightv::write_jsonl_atomic(dir + "/metrics.jsonl", rows);
  return dir + "/metrics.jsonl";
}
}  // namespace

TEST(IntegrationPlot, DrawsColumnsOfAMetricsFile) {
  const std::string dir = insightv::test::make_temp_dir("cli-plot");
  auto r = run_cli({"plot", "--metrics", metrics_file(dir), "--y", "loss,margin", "--out", dir + "/m.png",
                    "--title", "DPO", "--width", "640", "--height", "360", "--smooth"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, dir + "/m.png\n");
  const insightv::Image img = insightv::read_image(dir + "/m.png");
  EXPECT_EQ(img.width, 640);
  EXPECT_EQ(img.height, 360);
}

TEST(IntegrationPlot, AMissingColumnNamesTheColumnsThereAre) {
  const std::string dir = insightv::test::make_temp_dir("cli-plot");
  auto r = run_cli({"plot", "--metrics", metrics_file(dir), "--y", "reward", "--out", dir + "/m.png"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("[plot] no row of " + dir + "/metrics.jsonl has 'reward' — columns: loss, margin, step"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(insightv::file_exists(dir + "/m.png"));
  r = run_cli({"plot", "--metrics", dir + "/metrics.jsonl"});
  EXPECT_EQ(r.exit_code, 2);  // --y and --out are required
}
