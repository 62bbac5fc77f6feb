// The evaluation harness without models: Wilson intervals, the three benchmark readers,
// each system's prompts, scoring through cot_answer_text, and the job's ledger (resume, config
// change, force) driven by a scripted ChatModel.
#include <cstdlib>
#include <map>
#include <mutex>

#include <gtest/gtest.h>

#include "data/llava_json.h"
#include "data/system_formats.h"
#include "data/vlm_tsv.h"
#include "eval/eval.h"
#include "io/image.h"
#include "support/subprocess.h"
#include "util/error.h"
#include "util/fs.h"
#include "world/generate.h"

namespace insightv::eval {
namespace {

TEST(EvalWilson, MatchesHandComputedIntervals) {
  // Hand computation with z = 1.959964: denom = 1 + z²/n, centre = (p + z²/2n)/denom,
  // half = z·sqrt(p(1-p)/n + z²/4n²)/denom.
  Accuracy a = wilson(0, 10);
  EXPECT_DOUBLE_EQ(a.acc, 0.0);
  EXPECT_NEAR(a.ci_low, 0.0, 1e-12);
  EXPECT_NEAR(a.ci_high, 0.277533, 1e-6);
  a = wilson(5, 10);
  EXPECT_DOUBLE_EQ(a.acc, 0.5);
  EXPECT_NEAR(a.ci_low, 0.236593, 1e-6);
  EXPECT_NEAR(a.ci_high, 0.763407, 1e-6);
  a = wilson(10, 10);
  EXPECT_NEAR(a.ci_low, 0.722467, 1e-6);
  EXPECT_NEAR(a.ci_high, 1.0, 1e-12);
  a = wilson(9, 20);
  EXPECT_NEAR(a.ci_low, 0.258198, 1e-6);
  EXPECT_NEAR(a.ci_high, 0.657915, 1e-6);
}

TEST(EvalWilson, EmptyGroupHasTheWholeInterval) {
  const Accuracy a = wilson(0, 0);
  EXPECT_EQ(a.n, 0);
  EXPECT_EQ(a.ci_low, 0.0);
  EXPECT_EQ(a.ci_high, 1.0);
}

class EvalBenchmark : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(test::make_temp_dir("eval-benchmark"));
    world::WorldConfig c;
    c.n = 21;
    c.size = 48;
    c.seed = 5;
    c.out = *dir_ + "/tasks";
    c.progress = false;
    world::generate_world(c);
  }
  static void TearDownTestSuite() {
    std::system(("rm -rf '" + *dir_ + "'").c_str());
    delete dir_;
  }
  static std::string dir() { return *dir_; }
  static std::string* dir_;
};
std::string* EvalBenchmark::dir_ = nullptr;

void expect_same_item(const EvalItem& a, const EvalItem& b, bool category_and_difficulty) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.question, b.question) << a.id;
  EXPECT_EQ(a.options, b.options) << a.id;
  EXPECT_EQ(a.gold.type, b.gold.type) << a.id;
  EXPECT_EQ(a.gold.answer, b.gold.answer) << a.id;
  EXPECT_EQ(a.gold.value, b.gold.value) << a.id;
  EXPECT_EQ(a.gold.options, b.gold.options) << a.id;
  if (category_and_difficulty) {
    EXPECT_EQ(a.category, b.category) << a.id;
    EXPECT_EQ(a.difficulty, b.difficulty) << a.id;
  }
}

TEST_F(EvalBenchmark, VisWorldFolderGivesOneItemPerTask) {
  const auto tasks = world::read_tasks(dir() + "/tasks");
  const auto items = load_benchmark(dir() + "/tasks");
  ASSERT_EQ(items.size(), tasks.size());
  EXPECT_EQ(benchmark_format(dir() + "/tasks"), "visworld");
  EXPECT_EQ(load_benchmark(dir() + "/tasks/tasks.jsonl").size(), tasks.size());
  for (size_t i = 0; i < items.size(); ++i) {
    EXPECT_EQ(items[i].id, tasks[i].id);
    EXPECT_EQ(items[i].question, tasks[i].question);
    EXPECT_EQ(items[i].category, tasks[i].family);
    EXPECT_EQ(items[i].difficulty, tasks[i].difficulty);
    EXPECT_EQ(items[i].gold.answer, tasks[i].answer);
    EXPECT_EQ(items[i].image.load().width, 48);
  }
  EXPECT_EQ(load_benchmark(dir() + "/tasks", 5).size(), 5u);
}

TEST_F(EvalBenchmark, TsvFromTheExporterGivesTheSameItems) {
  const std::string tsv = dir() + "/bench.tsv";
  data::export_tsv(dir() + "/tasks", tsv);
  const auto vw = load_benchmark(dir() + "/tasks");
  const auto items = load_benchmark(tsv);
  ASSERT_EQ(items.size(), vw.size());
  for (size_t i = 0; i < items.size(); ++i) {
    expect_same_item(items[i], vw[i], true);
    EXPECT_TRUE(items[i].image.path.empty());
    EXPECT_EQ(items[i].image.bytes, read_file(vw[i].image.path));
  }
}

TEST_F(EvalBenchmark, LlavaJsonGivesTheSameQuestionsOptionsAndGold) {
  const std::string js = dir() + "/sft.json";
  data::export_llava(dir() + "/tasks", js);
  const auto vw = load_benchmark(dir() + "/tasks");
  const auto items = load_benchmark(js);
  ASSERT_EQ(items.size(), vw.size());
  for (size_t i = 0; i < items.size(); ++i) {
    expect_same_item(items[i], vw[i], false);
    EXPECT_EQ(items[i].difficulty, 0);
    // The prompt the harness builds equals the task's own prompt (data::task_prompt).
    EXPECT_EQ(data::eval_prompt("", items[i].question, items[i].options),
              data::task_prompt(world::read_tasks(dir() + "/tasks")[i]));
    EXPECT_EQ(items[i].image.load().width, 48);
  }
}

TEST_F(EvalBenchmark, LlavaLetterAnswerWithoutOptionsIsStillAChoice) {
  const std::string js = dir() + "/letters.json";
  write_file_atomic(js, R"([{"id": "q1", "image": "x.png", "category": "misc", "conversations": [
    {"from": "human", "value": "<image>\nWhich one is red?"}, {"from": "gpt", "value": "C"}]}])");
  const auto items = load_benchmark(js);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].question, "Which one is red?");
  EXPECT_EQ(items[0].gold.type, world::AnswerType::choice);
  EXPECT_EQ(items[0].category, "misc");
  EXPECT_EQ(items[0].image.path, dir() + "/x.png");
  EXPECT_TRUE(data::match_answer("(C)", items[0].gold).correct);
  EXPECT_FALSE(data::match_answer("B", items[0].gold).correct);
}

TEST(EvalBenchmarkErrors, UnknownFormatAndMissingPathAreErrors) {
  EXPECT_THROW(load_benchmark("/nonexistent/bench.tsv"), Error);
  const std::string dir = test::make_temp_dir("eval-bad");
  write_file_atomic(dir + "/b.csv", "a,b\n");
  EXPECT_THROW(load_benchmark(dir + "/b.csv"), Error);
}

EvalItem fixed_item() {
  EvalItem it;
  it.id = "vw-1";
  it.image.path = "img.png";
  it.question = "How many circles?";
  it.options = {"3", "4", "5", "6"};
  it.gold = {world::AnswerType::choice, "B", "4", it.options};
  return it;
}

TEST(EvalPrompts, EachSystemBuildsItsExactUserTurn) {
  const EvalItem it = fixed_item();
  const std::string p =
      "How many circles?\nA. 3\nB. 4\nC. 5\nD. 6\nAnswer with the option letter from the given choices directly.";
  EXPECT_EQ(user_prompt("direct", it), "<image>\n" + p);
  EXPECT_EQ(user_prompt("summary-only", it), "<image>\n" + p);
  EXPECT_EQ(user_prompt("cot", it),
            "<image>\n" + p +
                "\n\nPerform step-by-step reasoning of the problem inside <thoughts> </thoughts>, then give the final answer.");
  EXPECT_EQ(user_prompt("multi-turn", it),
            "<image>\n" + p + "\n\nPerform step-by-step reasoning of the problem. Only provide the reasoning process.");
  EXPECT_EQ(user_prompt("multi-agent", it), p);
  EvalItem open = it;
  open.options.clear();
  open.hint = "Look closely.";
  EXPECT_EQ(user_prompt("direct", open),
            "<image>\nLook closely.\nHow many circles?\nAnswer the question using a single word or phrase.");
  EXPECT_THROW(user_prompt("beam", it), Error);
  // --image-last: the marker ends the turn, after any suffix; no image, no marker.
  EXPECT_EQ(user_prompt("direct", it, true), p + "\n<image>");
  EXPECT_EQ(user_prompt("multi-turn", it, true),
            p + "\n\nPerform step-by-step reasoning of the problem. Only provide the reasoning process.\n<image>");
  EXPECT_EQ(user_prompt("multi-agent", it, true), p);
  EvalItem blind = it;
  blind.image = {};
  EXPECT_EQ(user_prompt("direct", blind, true), p);
}

TEST(EvalScoring, CotAnswersAreScoredAfterTheThoughts) {
  const EvalItem it = fixed_item();
  auto score = [&](const std::string& kind, const std::string& response) {
    return data::match_answer(answer_text(kind, response), it.gold).correct;
  };
  EXPECT_TRUE(score("cot", "<thoughts>\nI count A, then C... 4 circles.\n</thoughts>\nB"));
  EXPECT_TRUE(score("cot", "<thoughts>there are 4</thoughts>\nThe answer is 4."));
  // A letter inside the thoughts does not count when the answer after them is wrong.
  EXPECT_FALSE(score("cot", "<thoughts>B looks right</thoughts>\nC"));
  EXPECT_FALSE(score("cot", "<thoughts>B looks right</thoughts>\n"));
  // Without the close tag the whole text is the answer.
  EXPECT_TRUE(score("cot", "The answer is \\boxed{B}."));
  EXPECT_TRUE(score("direct", "B. 4"));
  EXPECT_FALSE(score("direct", "A and B"));
}

// A ChatModel that records what it is asked and replies from a script.
class ScriptedModel : public ChatModel {
 public:
  std::function<std::string(const std::vector<ChatMessage>&, const ChatParams&)> reply;
  std::vector<std::vector<ChatMessage>> calls;
  std::vector<ChatParams> params;
  std::mutex mu;
  ChatReply chat(const std::vector<ChatMessage>& m, const EvalImage&, const ChatParams& p, int n) override {
    std::lock_guard<std::mutex> lock(mu);
    calls.push_back(m);
    params.push_back(p);
    ChatReply r;
    for (int i = 0; i < n; ++i) r.texts.push_back(reply ? reply(m, p) : "B");
    r.completion_tokens = n;
    return r;
  }
};

TEST(EvalSystems, MultiTurnSendsTheChainBackThenTheFollowup) {
  ScriptedModel m;
  m.reply = [](const std::vector<ChatMessage>& msgs, const ChatParams&) {
    return msgs.size() == 1 ? std::string("I see four circles.") : std::string("B");
  };
  SystemParams sp;
  ChatSystem sys("multi-turn", m, sp);
  const SystemReply r = sys.answer(fixed_item(), 11);
  ASSERT_EQ(m.calls.size(), 2u);
  ASSERT_EQ(m.calls[1].size(), 3u);
  EXPECT_EQ(m.calls[1][0].content, user_prompt("multi-turn", fixed_item()));
  EXPECT_EQ(m.calls[1][1].role, "assistant");
  EXPECT_EQ(m.calls[1][1].content, "I see four circles.");
  EXPECT_EQ(m.calls[1][2].content, data::kMultiTurnFollowup);
  EXPECT_EQ(m.params[0].temperature, 0.7);   // reasoning turn
  EXPECT_TRUE(m.params[0].keep_special);     // the chain keeps its <thoughts> tags
  EXPECT_EQ(m.params[1].temperature, 0.0);   // answer turn: greedy
  EXPECT_EQ(r.answer, "B");
  EXPECT_EQ(r.responses.size(), 2u);
  EXPECT_EQ(r.generated_tokens, 2);
}

TEST(EvalSystems, CotKeepsTheTagsAndScoresTheTextAfterThem) {
  ScriptedModel m;
  m.reply = [](const std::vector<ChatMessage>&, const ChatParams& p) {
    return p.keep_special ? std::string("<thoughts>A? no.</thoughts>\nB") : std::string("A");
  };
  ChatSystem sys("cot", m, SystemParams{});
  const SystemReply r = sys.answer(fixed_item(), 1);
  EXPECT_EQ(r.answer, "B");
  EXPECT_TRUE(data::match_answer(r.answer, fixed_item().gold).correct);
}

TEST(EvalSystems, MultiTurnDropsGeneratedImageMarkersFromTheChain) {
  ScriptedModel m;
  m.reply = [](const std::vector<ChatMessage>& msgs, const ChatParams&) {
    return msgs.size() == 1 ? std::string("see <image> here") : std::string("B");
  };
  ChatSystem sys("multi-turn", m, SystemParams{});
  sys.answer(fixed_item(), 2);
  ASSERT_EQ(m.calls.size(), 2u);
  EXPECT_EQ(m.calls[1][1].content, "see  here");
}

TEST(EvalSystems, EndpointMultiAgentSendsThePlainQuestionWithTheImage) {
  ScriptedModel m;
  ChatSystem sys("multi-agent", m, SystemParams{});
  const SystemReply r = sys.answer(fixed_item(), 3);
  ASSERT_EQ(m.calls.size(), 1u);
  EXPECT_EQ(m.calls[0][0].content, "<image>\n" + user_prompt("multi-agent", fixed_item()));
  EXPECT_EQ(r.answer, "B");
}

// --image-last reaches the model as the turn it names; multi-agent, whose agents place the image
// first themselves, refuses it rather than ignoring it.
TEST(EvalSystems, ImageLastSendsTheImageAfterTheQuestionOrIsRefused) {
  ScriptedModel m;
  SystemParams sp;
  sp.image_last = true;
  ChatSystem sys("direct", m, sp);
  sys.answer(fixed_item(), 4);
  ASSERT_EQ(m.calls.size(), 1u);
  EXPECT_EQ(m.calls[0][0].content, user_prompt("direct", fixed_item(), true));
  EXPECT_EQ(m.calls[0][0].content.substr(m.calls[0][0].content.size() - 8), "\n<image>");
  EXPECT_THROW(ChatSystem("multi-agent", m, sp), Error);
}

TEST(EvalSystems, ItemSeedsDependOnlyOnSeedAndId) {
  EXPECT_EQ(item_seed(7, "a"), item_seed(7, "a"));
  EXPECT_NE(item_seed(7, "a"), item_seed(7, "b"));
  EXPECT_NE(item_seed(7, "a"), item_seed(8, "a"));
}

// The job over a scripted endpoint: items whose id ends in an even digit are answered right.
struct JobFixture {
  std::string dir;
  EvalConfig cfg;
  std::shared_ptr<std::atomic<int>> calls = std::make_shared<std::atomic<int>>(0);
  JobFixture() : dir(test::make_temp_dir("eval-job")) {
    std::vector<world::Task> tasks;
    for (int i = 0; i < 12; ++i) {
      world::Task t;
      t.id = "t" + std::to_string(i);
      t.family = i % 2 ? "clock" : "shapes";
      t.difficulty = 1 + i % 3;
      t.question = "Q" + std::to_string(i) + "?";
      t.answer = t.answer_value = std::to_string(i);
      t.answer_type = world::AnswerType::number;
      tasks.push_back(t);
    }
    make_dirs(dir + "/tasks");
    std::string jsonl;
    for (const auto& t : tasks) jsonl += world::task_to_json(t).dump() + "\n";
    write_file_atomic(dir + "/tasks/tasks.jsonl", jsonl);
    cfg.benchmark = dir + "/tasks";
    cfg.out = dir + "/out";
    cfg.system.kind = "direct";
    cfg.system.endpoint = "scripted:";
    cfg.progress = false;
    cfg.concurrency = 4;
  }
  ChatModelFactory factory() {
    auto counter = calls;
    return [counter](const EvalConfig&) -> std::unique_ptr<ChatModel> {
      class M : public ChatModel {
       public:
        explicit M(std::shared_ptr<std::atomic<int>> c) : c_(std::move(c)) {}
        ChatReply chat(const std::vector<ChatMessage>& m, const EvalImage&, const ChatParams&, int) override {
          ++*c_;
          const std::string& q = m[0].content;  // "Qi?\n..."
          const int i = std::stoi(q.substr(1, q.find('?') - 1));
          return {{std::to_string(i % 2 == 0 ? i : i + 100)}, 5};
        }
        std::shared_ptr<std::atomic<int>> c_;
      };
      return std::make_unique<M>(counter);
    };
  }
};

TEST(EvalJob, ScoresByCategoryAndDifficultyAndWritesTheReport) {
  JobFixture f;
  const EvalResult r = run_eval(f.cfg, f.factory());
  EXPECT_EQ(r.overall.n, 12);
  EXPECT_EQ(r.overall.correct, 6);
  EXPECT_EQ(r.by_category.at("shapes").correct, 6);
  EXPECT_EQ(r.by_category.at("clock").correct, 0);
  EXPECT_EQ(r.by_difficulty.at(1).n, 4);
  EXPECT_EQ(r.generated_tokens, 60);
  EXPECT_EQ(r.answered, 12);
  const json j = read_json_file(f.cfg.out + "/results.json");
  EXPECT_EQ(j["overall"]["correct"], 6);
  EXPECT_EQ(j["by_difficulty"]["2"]["n"], 4);
  EXPECT_NE(read_file(f.cfg.out + "/results.md").find("| **overall** | 12 | 6 | 50.0 |"), std::string::npos);
}

TEST(EvalJob, RerunAnswersNothingAndGivesTheSameResult) {
  JobFixture f;
  const EvalResult a = run_eval(f.cfg, f.factory());
  EXPECT_EQ(*f.calls, 12);
  f.cfg.concurrency = 1;  // not part of the configuration
  const EvalResult b = run_eval(f.cfg, f.factory());
  EXPECT_EQ(*f.calls, 12);
  EXPECT_EQ(b.answered, 0);
  EXPECT_EQ(b.cached, 12);
  EXPECT_EQ(a.overall.to_json(), b.overall.to_json());
  EXPECT_EQ(read_jsonl(f.cfg.out + "/responses.jsonl").size(), 12u);
}

TEST(EvalJob, LimitThenFullRunAnswersOnlyTheRest) {
  JobFixture f;
  f.cfg.limit = 5;
  EXPECT_EQ(run_eval(f.cfg, f.factory()).overall.n, 5);
  f.cfg.limit = 0;
  const EvalResult r = run_eval(f.cfg, f.factory());
  EXPECT_EQ(r.answered, 7);
  EXPECT_EQ(r.overall.n, 12);
  EXPECT_EQ(*f.calls, 12);
}

TEST(EvalJob, TornLedgerTailIsDroppedAndAnsweredAgain) {
  JobFixture f;
  f.cfg.limit = 4;
  run_eval(f.cfg, f.factory());
  {
    AppendFile a(f.cfg.out + "/responses.jsonl");
    a.write(R"({"id": "t4", "prompt": "Q4?)");  // killed mid-line
  }
  f.cfg.limit = 0;
  const EvalResult r = run_eval(f.cfg, f.factory());
  EXPECT_EQ(r.overall.n, 12);
  EXPECT_EQ(read_jsonl(f.cfg.out + "/responses.jsonl").size(), 12u);
}

TEST(EvalJob, ChangedConfigurationIsAnErrorUnlessForced) {
  JobFixture f;
  run_eval(f.cfg, f.factory());
  f.cfg.temperature = 0.5;
  try {
    run_eval(f.cfg, f.factory());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("temperature"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("--force"), std::string::npos) << e.what();
  }
  f.cfg.force = true;
  const EvalResult r = run_eval(f.cfg, f.factory());
  EXPECT_EQ(r.answered, 12);
  EXPECT_EQ(read_jsonl(f.cfg.out + "/responses.jsonl").size(), 12u);
}

TEST(EvalJob, EndpointWithoutAnAdapterAndBadSystemsAreErrors) {
  JobFixture f;
  EXPECT_THROW(run_eval(f.cfg), Error);
  f.cfg.system.kind = "beam";
  EXPECT_THROW(run_eval(f.cfg, f.factory()), Error);
  JobFixture g;
  g.cfg.system.endpoint.clear();
  g.cfg.system.kind = "multi-agent";
  g.cfg.system.model = "x";
  EXPECT_THROW(run_eval(g.cfg), Error);
}

}  // namespace
}  // namespace insightv::eval
