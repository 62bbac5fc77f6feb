// VisWorld exports: TSV (VLMEvalKit) and LLaVA JSON round trips, reader errors, the sheet.
#include <cstdlib>

#include <gtest/gtest.h>

#include "data/llava_json.h"
#include "data/system_formats.h"
#include "data/vlm_tsv.h"
#include "io/image.h"
#include "support/subprocess.h"
#include "util/error.h"
#include "util/fs.h"
#include "world/generate.h"
#include "world/sheet.h"

using insightv::Error;

namespace {

class WorldExport : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(insightv::test::make_temp_dir("world-export"));
    insightv::world::WorldConfig c;
    c.n = 28;
    c.size = 64;
    c.seed = 9;
    c.out = *dir_ + "/tasks";
    c.progress = false;
    insightv::world::generate_world(c);
  }
  static void TearDownTestSuite() {
    std::system(("rm -rf '" + *dir_ + "'").c_str());
    delete dir_;
  }
  static std::string tasks() { return *dir_ + "/tasks"; }
  static std::string* dir_;
};
std::string* WorldExport::dir_ = nullptr;

}  // namespace

TEST_F(WorldExport, TsvRoundTripKeepsEveryField) {
  const std::string out = tasks() + "/../bench.tsv";
  ASSERT_EQ(insightv::data::export_tsv(tasks(), out), 28u);
  const auto rows = insightv::data::read_tsv(out);
  const auto all = insightv::world::read_tasks(tasks());
  ASSERT_EQ(rows.size(), all.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    const auto& t = all[i];
    EXPECT_EQ(r.index, static_cast<long>(i));
    EXPECT_EQ(r.id, t.id);
    EXPECT_EQ(r.question, t.question);
    EXPECT_EQ(r.options, t.options);
    EXPECT_EQ(r.answer, t.answer);
    EXPECT_EQ(r.category, t.family);
    EXPECT_EQ(r.family, t.family);
    EXPECT_EQ(r.difficulty, t.difficulty);
    EXPECT_EQ(r.image, insightv::read_file(tasks() + "/" + t.image));
    EXPECT_EQ(insightv::decode_image(r.image, t.id).width, 64);
  }
}

TEST_F(WorldExport, TsvEscapesTabsAndNewlines) {
  insightv::data::TsvRow r;
  r.index = 4;
  r.question = "line one\nline\ttwo \\ end";
  r.options = {"a\tb", "c", "d", "e"};
  r.answer = "A";
  r.image = std::string("\x89PNG\0raw", 8);
  const std::string path = tasks() + "/../escape.tsv";
  insightv::data::write_tsv(path, {r});
  const auto back = insightv::data::read_tsv(path);
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].question, r.question);
  EXPECT_EQ(back[0].options, r.options);
  EXPECT_EQ(back[0].image, r.image);
}

TEST_F(WorldExport, TsvReaderNamesTheBadLine) {
  const std::string path = tasks() + "/../bad.tsv";
  insightv::write_file_atomic(path, "index\timage\tquestion\tanswer\n0\tZm9v\tq\ta\n1\tZm9\tq\ta\n");
  try {
    insightv::data::read_tsv(path);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bad.tsv:3"), std::string::npos) << e.what();
  }
  insightv::write_file_atomic(path, "index\tquestion\tanswer\n0\tq\n");
  EXPECT_THROW(insightv::data::read_tsv(path), Error);
  insightv::write_file_atomic(path, "idx\tquestion\n");
  EXPECT_THROW(insightv::data::read_tsv(path), Error);
}

TEST_F(WorldExport, LlavaRoundTripPointsAtTheSameImages) {
  const std::string out_dir = *dir_ + "/sft";
  insightv::make_dirs(out_dir);
  ASSERT_EQ(insightv::data::export_llava(tasks(), out_dir + "/train.json"), 28u);
  const auto samples = insightv::data::read_llava(out_dir + "/train.json");
  const auto all = insightv::world::read_tasks(tasks());
  ASSERT_EQ(samples.size(), all.size());
  for (size_t i = 0; i < samples.size(); ++i) {
    const auto& s = samples[i];
    const auto& t = all[i];
    EXPECT_EQ(s.id, t.id);
    EXPECT_EQ(s.image, "../tasks/" + t.image);
    EXPECT_EQ(insightv::read_file(out_dir + "/" + s.image), insightv::read_file(tasks() + "/" + t.image));
    ASSERT_EQ(s.conversations.size(), 2u);
    EXPECT_EQ(s.conversations[0].from, "human");
    EXPECT_EQ(s.conversations[0].value, "<image>\n" + insightv::data::task_prompt(t));
    EXPECT_EQ(s.conversations[1].from, "gpt");
    EXPECT_EQ(s.conversations[1].value, t.answer);
  }
  // Written back, read again: identical JSON (unknown keys survive).
  auto copy = samples;
  copy[0].extra["source"] = "visworld";
  insightv::data::write_llava(out_dir + "/copy.jsonl", copy);
  const auto again = insightv::data::read_llava(out_dir + "/copy.jsonl");
  EXPECT_EQ(insightv::data::llava_to_json(again[0]), insightv::data::llava_to_json(copy[0]));
}

TEST_F(WorldExport, LlavaReaderRejectsSamplesWithoutConversations) {
  const std::string path = *dir_ + "/bad.json";
  insightv::write_file_atomic(path, R"([{"id": "x", "image": "a.png"}])");
  EXPECT_THROW(insightv::data::read_llava(path), Error);
  insightv::write_file_atomic(path, R"([{"id": "x", "conversations": [{"from": "human"}]}])");
  EXPECT_THROW(insightv::data::read_llava(path), Error);
}

TEST(RelativePath, WalksUpAndDownBetweenFolders) {
  EXPECT_EQ(insightv::data::relative_path("/a/b/c.png", "/a/b"), "c.png");
  EXPECT_EQ(insightv::data::relative_path("/a/b/c.png", "/a/d"), "../b/c.png");
  EXPECT_EQ(insightv::data::relative_path("/x/y.png", "/a/d/e"), "../../../x/y.png");
}

TEST_F(WorldExport, SheetShowsTheRequestedTasks) {
  insightv::world::SheetOptions o;
  o.count = 5;
  o.columns = 3;
  o.tile = 96;
  o.family = "clock";
  const insightv::Image img = insightv::world::render_sheet(tasks(), o);
  EXPECT_EQ(img.width, 3 * (96 + 16));
  EXPECT_GT(img.height, 2 * 96);
  o.family = "no_such_family";
  EXPECT_THROW(insightv::world::render_sheet(tasks(), o), Error);
}
