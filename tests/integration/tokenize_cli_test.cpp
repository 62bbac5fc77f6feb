// Integration tests of `insightv tokenize`: train a tokenizer, encode and decode through the
// CLI and get the text back; bad input exits 1 with a one-line message.
#include <gtest/gtest.h>

#include <sstream>

#include "io/json.h"
#include "support/subprocess.h"
#include "support/text_corpus.h"
#include "util/fs.h"

using insightv::json;
using insightv::test::run_cli;

namespace {

// Trains a small tokenizer with the CLI once per test binary run; returns its folder.
const std::string& trained_dir() {
  static const std::string dir = [] {
    const std::string d = insightv::test::make_temp_dir("tok-cli");
    insightv::write_file_atomic(d + "/corpus.txt", insightv::test::visworld_text(3, 2000));
    const auto r = run_cli({"tokenize", "train", "--corpus", d + "/corpus.txt", "--vocab-size", "400",
                            "--out", d + "/tok"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return d + "/tok";
  }();
  return dir;
}

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

}  // namespace

TEST(IntegrationTokenizeCli, TrainWritesALoadableTokenizer) {
  EXPECT_TRUE(insightv::file_exists(trained_dir() + "/tokenizer.json"));
  EXPECT_TRUE(insightv::file_exists(trained_dir() + "/tokenizer_config.json"));
  const json cfg = insightv::read_json_file(trained_dir() + "/tokenizer_config.json");
  EXPECT_EQ(cfg["bos_token"], "<|begin_of_text|>");
}

TEST(IntegrationTokenizeCli, EncodeThenDecodeRoundTrips) {
  const std::vector<std::string> texts = {"How many red circles?", "  spaces\n\nand lines\t",
                                          "caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC 123456", "<|eot_id|>x", ""};
  std::string in;
  for (const auto& t : texts) in += json(t).dump() + "\n";
  const auto enc = run_cli({"tokenize", "--tokenizer", trained_dir()}, in);
  ASSERT_EQ(enc.exit_code, 0) << enc.err;
  const auto id_lines = lines(enc.out);
  ASSERT_EQ(id_lines.size(), texts.size());
  for (const auto& l : id_lines) EXPECT_TRUE(json::parse(l).is_array()) << l;
  const auto dec = run_cli({"tokenize", "--tokenizer", trained_dir() + "/tokenizer.json", "--decode"}, enc.out);
  ASSERT_EQ(dec.exit_code, 0) << dec.err;
  const auto text_lines = lines(dec.out);
  ASSERT_EQ(text_lines.size(), texts.size());
  for (size_t i = 0; i < texts.size(); ++i) EXPECT_EQ(json::parse(text_lines[i]), texts[i]);
}

TEST(IntegrationTokenizeCli, TemplateModePrintsIdsAndMask) {
  const auto r = run_cli({"tokenize", "--tokenizer", trained_dir(), "--template", "llava_llama_3"},
                         R"([{"from":"human","value":"<image>\nHow many?"},{"from":"gpt","value":"3"}])" "\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json out = json::parse(r.out);
  EXPECT_EQ(out["ids"].size(), out["loss_mask"].size());
  EXPECT_EQ(out["image_positions"].size(), 1u);
}

TEST(IntegrationTokenizeCli, BadJsonLineExits1WithTheLineNumber) {
  const auto r = run_cli({"tokenize", "--tokenizer", trained_dir()}, "\"ok\"\nnot json\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("insightv: error: [json] stdin line 2"), std::string::npos) << r.err;
}

TEST(IntegrationTokenizeCli, NonStringLineExits1Clearly) {
  const auto r = run_cli({"tokenize", "--tokenizer", trained_dir()}, "[1, 2]\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("expected a JSON string"), std::string::npos) << r.err;
}

TEST(IntegrationTokenizeCli, UnknownIdExits1Clearly) {
  const auto r = run_cli({"tokenize", "--tokenizer", trained_dir(), "--decode"}, "[1, 99999]\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("token id 99999 is not in this tokenizer"), std::string::npos) << r.err;
}

TEST(IntegrationTokenizeCli, MissingTokenizerExits1AndBadFileIsNamed) {
  auto r = run_cli({"tokenize"}, "\"x\"\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--tokenizer is required"), std::string::npos) << r.err;
  const std::string dir = insightv::test::make_temp_dir("tok-bad");
  insightv::write_file_atomic(dir + "/tokenizer.json", "{\"model\": {\"type\": \"Unigram\"}}");
  r = run_cli({"tokenize", "--tokenizer", dir}, "\"x\"\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("[tokenizer] " + dir + "/tokenizer.json: unsupported model type 'Unigram'"),
            std::string::npos) << r.err;
}
