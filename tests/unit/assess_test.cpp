// Assessment: the verifier separates injected-mistake paths from clean ones over thousands of
// teacher paths; the judge's reply parsing; the LLM scorer's reply parsing; the dataset
// builders' formats.
#include <gtest/gtest.h>

#include <cstdio>

#include "data/system_formats.h"
#include "pipeline/assess.h"
#include "pipeline/datagen.h"
#include "pipeline/scoring.h"
#include "pipeline/teacher.h"
#include "support/subprocess.h"
#include "support/vw_tasks.h"
#include "util/fs.h"

namespace insightv::pipeline {
namespace {

TEST(Judge, ParsesTheBracketedDigitLikeThePaper) {
  EXPECT_TRUE(parse_judge_reply("[1]"));
  EXPECT_TRUE(parse_judge_reply("[1] because it matches"));
  EXPECT_FALSE(parse_judge_reply("[0]"));
  EXPECT_FALSE(parse_judge_reply("yes"));
  EXPECT_FALSE(parse_judge_reply("[yes]"));
}

TEST(Judge, UserPromptHasThePaperShape) {
  EXPECT_EQ(judge_user_prompt("Q?", "B", "b"), "Question: Q?\nGround Truth: B\nModel 1: b\nYour answer: ");
  EXPECT_NE(judge_system_prompt().find("microwave"), std::string::npos);
}

TEST(Scorer, ParsesAListAndClampsMissingToOne) {
  EXPECT_EQ(parse_scores_reply("Scores: [80, 120, -3]", 4), (std::vector<double>{80, 100, 1, 1}));
  EXPECT_EQ(parse_scores_reply("no list", 2), (std::vector<double>{1, 1}));
}

TEST(Auroc, PerfectRandomAndTiedSeparations) {
  EXPECT_DOUBLE_EQ(auroc({3, 4}, {1, 2}), 1.0);
  EXPECT_DOUBLE_EQ(auroc({1, 2}, {3, 4}), 0.0);
  EXPECT_DOUBLE_EQ(auroc({1, 1}, {1, 1}), 0.5);
}

TEST(Verifier, ScoresInjectedMistakePathsBelowCleanOnesOverThousandsOfPaths) {
  const auto tasks = test::make_vw_tasks(700);
  TeacherBackend teacher;
  std::vector<double> clean, injected;
  for (const world::Task& t : tasks)
    for (int s = 0; s < 4; ++s) {
      const ReasoningPath p = run_protocol(teacher, t, "", s, path_seed(1, t.id, s), {});
      (p.provenance["mistakes"].empty() ? clean : injected).push_back(verifier_score(t, p));
    }
  const double a = auroc(clean, injected);
  std::printf("verifier AUROC clean (%zu) vs injected (%zu): %.3f\n", clean.size(), injected.size(), a);
  EXPECT_GT(clean.size(), 1000u);
  EXPECT_GT(injected.size(), 500u);
  EXPECT_GT(a, 0.8);
}

TEST(Assess, BuildsReasonSummaryAndPairSetsWithProvenance) {
  const std::string dir = test::make_temp_dir("assess-sets");
  test::write_vw_tasks(dir + "/tasks", test::make_vw_tasks(60));
  DatagenConfig dc;
  dc.tasks = dir + "/tasks";
  dc.out = dir + "/paths";
  dc.progress = false;
  run_datagen(dc);
  AssessConfig ac;
  ac.in = dc.out;
  ac.tasks = dc.tasks;
  ac.out = dir + "/sets";
  const AssessReport r = run_assess(ac);
  EXPECT_EQ(r.j["paths"].get<int>(), 240);
  EXPECT_GT(r.j["reason_samples"].get<int>(), 20);
  EXPECT_GT(r.j["pairs"].get<int>(), 5);
  const json reason = read_json_file(dir + "/sets/reason.json");
  const std::string human = reason[0]["conversations"][0]["value"];
  const std::string gpt = reason[0]["conversations"][1]["value"];
  EXPECT_EQ(human.rfind("<image>\n", 0), 0u);
  EXPECT_NE(human.find(data::kReasoningSuffix), std::string::npos);
  EXPECT_EQ(gpt.rfind("<thoughts>\n", 0), 0u);
  EXPECT_EQ(gpt.substr(gpt.size() - 11), "</thoughts>");
  EXPECT_EQ(reason[0]["provenance"]["bucket"], "high");
  const json summary = read_json_file(dir + "/sets/summary.json");
  int sound = 0, flawed = 0;
  for (const json& s : summary) {
    const std::string h = s["conversations"][0]["value"];
    EXPECT_EQ(h.rfind("I will give you a reasoning process", 0), 0u);
    EXPECT_NE(h.find("You shold directly give"), std::string::npos);
    EXPECT_NE(h.find("QUESTION: <image>\n"), std::string::npos);
    (s["provenance"]["sound"].get<bool>() ? sound : flawed)++;
  }
  EXPECT_GT(sound, 0);
  EXPECT_LE(std::abs(sound - flawed), 1);  // 1:1 by default
  for (const json& p : read_jsonl(dir + "/sets/pairs.jsonl")) {
    EXPECT_TRUE(p["provenance"]["chosen"]["answer_correct"].get<bool>());
    EXPECT_NE(p["chosen"], p["rejected"]);
  }
}

}  // namespace
}  // namespace insightv::pipeline
