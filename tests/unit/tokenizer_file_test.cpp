// Unit tests of tokenizer.json loading: both merge formats, and malformed files that must fail
// with a clear "[tokenizer] FILE: ..." error.
#include <gtest/gtest.h>

#include "io/tokenizer.h"
#include "support/subprocess.h"
#include "support/toy_tokenizer.h"
#include "util/error.h"
#include "util/fs.h"

using insightv::ordered_json;
using insightv::Tokenizer;

namespace {

ordered_json toy_json() {
  return insightv::tokenizer_json(insightv::test::toy_spec({{"a", "b"}, {"ab", "c"}}, {"<|eot|>"}));
}

// Writes the JSON text to a temp file and returns the load error message ("" if it loaded).
std::string load_error(const std::string& text) {
  const std::string path = insightv::test::make_temp_dir("tokjson") + "/tokenizer.json";
  insightv::write_file_atomic(path, text);
  try {
    Tokenizer::load(path);
  } catch (const insightv::Error& e) {
    return e.what();
  }
  return "";
}

void expect_error(const std::string& text, const std::string& needle) {
  const std::string err = load_error(text);
  EXPECT_NE(err.find(needle), std::string::npos) << "error was: " << err;
  EXPECT_EQ(err.rfind("[", 0), 0u) << err;
}

}  // namespace

TEST(TokenizerFile, MergesAsStringsAndAsPairsLoadTheSame) {
  ordered_json j = toy_json();
  const std::string dir = insightv::test::make_temp_dir("tokmerge");
  insightv::write_file_atomic(dir + "/pairs.json", j.dump());
  ordered_json strings = ordered_json::array();
  for (const auto& m : j["model"]["merges"])
    strings.push_back(m[0].get<std::string>() + " " + m[1].get<std::string>());
  j["model"]["merges"] = strings;
  insightv::write_file_atomic(dir + "/strings.json", j.dump());
  const Tokenizer a = Tokenizer::load(dir + "/pairs.json");
  const Tokenizer b = Tokenizer::load(dir + "/strings.json");
  EXPECT_EQ(a.encode("abcab<|eot|>"), b.encode("abcab<|eot|>"));
  EXPECT_EQ(a.encode("abc"), (std::vector<int32_t>{257}));
}

TEST(TokenizerFile, NotJsonIsAClearError) { expect_error("{ this is not json", "[json]"); }

TEST(TokenizerFile, MissingModelIsAClearError) { expect_error("{\"version\": \"1.0\"}", "no \"model\""); }

TEST(TokenizerFile, UnknownModelTypeIsAClearError) {
  ordered_json j = toy_json();
  j["model"]["type"] = "WordPiece";
  expect_error(j.dump(), "unsupported model type 'WordPiece'");
}

TEST(TokenizerFile, MergeOfUnknownTokenIsAClearError) {
  ordered_json j = toy_json();
  j["model"]["merges"].push_back({"zz", "q"});
  expect_error(j.dump(), "references 'zz', which is not in the vocab");
}

TEST(TokenizerFile, MergeProducingUnknownTokenIsAClearError) {
  ordered_json j = toy_json();
  j["model"]["merges"].push_back({"x", "y"});
  expect_error(j.dump(), "produces 'xy'");
}

TEST(TokenizerFile, DuplicatedVocabIdIsAClearError) {
  ordered_json j = toy_json();
  j["model"]["vocab"]["zz"] = 3;
  expect_error(j.dump(), "vocab id 3 is used twice");
}

TEST(TokenizerFile, OutOfRangeVocabIdIsAClearError) {
  ordered_json j = toy_json();
  j["model"]["vocab"]["zz"] = -1;
  expect_error(j.dump(), "vocab id -1 of 'zz' is out of range");
}

TEST(TokenizerFile, MissingByteSymbolIsAClearError) {
  ordered_json j = toy_json();
  j["model"]["vocab"].erase("!");
  expect_error(j.dump(), "lacks the byte-level symbol '!' for byte 0x21");
}

TEST(TokenizerFile, BadRegexIsAClearError) {
  ordered_json j = toy_json();
  j["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"] = "(\\p{L}+";
  expect_error(j.dump(), "bad pre-tokenizer regex at offset");
}

TEST(TokenizerFile, UnsupportedNormalizerIsAClearError) {
  ordered_json j = toy_json();
  j["normalizer"] = {{"type", "NFC"}};
  expect_error(j.dump(), "unsupported normalizer 'NFC'");
}

TEST(TokenizerFile, MissingFileIsAClearError) {
  try {
    Tokenizer::load("/nonexistent/tokenizer.json");
    FAIL();
  } catch (const insightv::Error& e) {
    EXPECT_NE(std::string(e.what()).find("no tokenizer file"), std::string::npos) << e.what();
  }
}
