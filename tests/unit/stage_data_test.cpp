// Tests for the pipeline's extra training sets (pipeline/stage_data.h), the scene captions
// (world/describe.h) and the assessment helpers dpo-iterate shares (pipeline/assess.h).
#include <gtest/gtest.h>

#include <set>

#include "data/system_formats.h"
#include "io/image.h"
#include "support/subprocess.h"
#include "util/fs.h"
#include "pipeline/assess.h"
#include "pipeline/stage_data.h"
#include "world/describe.h"
#include "util/error.h"
#include "world/family.h"
#include "world/generate.h"

namespace insightv::pipeline {
namespace {

std::vector<world::Task> all_family_tasks(int per_family) {
  std::vector<world::Task> out;
  for (const auto* fam : world::resolve_families({"all"}))
    for (int i = 0; i < per_family; ++i) {
      world::TaskSpec spec;
      spec.family = fam;
      spec.index = i;
      out.push_back(world::generate_task(spec, nullptr));
    }
  return out;
}

TEST(Describe, EveryFamilyHasACaptionThatStatesItsFacts) {
  for (const world::Task& t : all_family_tasks(10)) {
    const std::string c = world::describe_scene(t);
    EXPECT_GT(c.size(), 20u) << t.id;
    EXPECT_EQ(c.back(), '.') << t.id;
    EXPECT_EQ(c.find("cx"), std::string::npos) << c;  // no coordinates
    if (t.family == "clock") {
      const int h = t.scene["hour"].get<int>(), m = t.scene["minute"].get<int>();
      char want[16];
      std::snprintf(want, sizeof want, "%d:%02d", h, m);
      EXPECT_NE(c.find(want), std::string::npos) << c;
    }
    if (t.family == "shapes" || t.family == "perception")
      EXPECT_NE(c.find(std::to_string(t.scene["objects"].size()) + " object"), std::string::npos) << c;
    if (t.family == "bar_chart")
      for (const auto& b : t.scene["bars"])
        EXPECT_NE(c.find(b["label"].get<std::string>() + " = " + std::to_string(b["value"].get<int>())),
                  std::string::npos) << c;
  }
}

TEST(Describe, UnknownFamilyIsAnError) {
  world::Task t = all_family_tasks(1)[0];
  t.family = "weather";
  EXPECT_THROW(world::describe_scene(t), Error);
}

TEST(StageData, BaseHasACaptionAndADirectAnswerPerTask) {
  const auto tasks = all_family_tasks(2);
  const auto s = base_samples(tasks, "/data/vw", "/data/sets", 3);
  ASSERT_EQ(s.size(), tasks.size() * 2);
  for (size_t i = 0; i < tasks.size(); ++i) {
    const auto& cap = s[2 * i];
    const auto& direct = s[2 * i + 1];
    EXPECT_EQ(cap.image, "../vw/" + tasks[i].image);
    EXPECT_EQ(cap.conversations[0].value.rfind("<image>\n", 0), 0u);
    EXPECT_EQ(cap.conversations[1].value, world::describe_scene(tasks[i]));
    EXPECT_EQ(direct.conversations[0].value, "<image>\n" + data::task_prompt(tasks[i]));
    EXPECT_EQ(direct.conversations[1].value, tasks[i].answer);
  }
  // Deterministic for a seed.
  const auto again = base_samples(tasks, "/data/vw", "/data/sets", 3);
  for (size_t i = 0; i < s.size(); ++i) EXPECT_EQ(s[i].conversations[0].value, again[i].conversations[0].value);
  // Another answer style changes the direct replies only.
  const auto sentence = base_samples(tasks, "/data/vw", "/data/sets", 3, data::AnswerStyle::sentence);
  for (size_t i = 0; i < tasks.size(); ++i) {
    EXPECT_EQ(sentence[2 * i].conversations[1].value, s[2 * i].conversations[1].value);
    EXPECT_EQ(sentence[2 * i + 1].conversations[0].value, s[2 * i + 1].conversations[0].value);
    EXPECT_EQ(sentence[2 * i + 1].conversations[1].value, data::answer_reply(tasks[i], data::AnswerStyle::sentence));
  }
}

data::LlavaSample reason_sample(const world::Task& t) {
  data::LlavaSample s;
  s.id = t.id + "-p0";
  s.image = "img.png";
  s.conversations = {{"human", "<image>\n" + data::task_prompt(t) + data::kReasoningSuffix},
                     {"gpt", "<thoughts>\nLook: three circles.\n</thoughts>"}};
  s.extra["provenance"] = {{"task_id", t.id}};
  return s;
}

TEST(StageData, BaselinesReuseTheChainsWithTheirOwnFormats) {
  const auto tasks = all_family_tasks(1);
  const auto by_id = tasks_by_id(tasks);
  std::vector<data::LlavaSample> reason;
  for (const auto& t : tasks) reason.push_back(reason_sample(t));
  const auto cot = cot_samples(reason, by_id);
  const auto mt = multi_turn_samples(reason, by_id);
  ASSERT_EQ(cot.size(), tasks.size());
  ASSERT_EQ(mt.size(), tasks.size());
  for (size_t i = 0; i < tasks.size(); ++i) {
    EXPECT_EQ(cot[i].conversations[0].value, "<image>\n" + data::task_prompt(tasks[i]) + data::kCotSuffix);
    EXPECT_EQ(data::cot_answer_text(cot[i].conversations[1].value), tasks[i].answer);
    ASSERT_EQ(mt[i].conversations.size(), 4u);
    EXPECT_EQ(mt[i].conversations[1].value, reason[i].conversations[1].value);
    EXPECT_EQ(mt[i].conversations[2].value, data::kMultiTurnFollowup);
    EXPECT_EQ(mt[i].conversations[3].value, tasks[i].answer);
    EXPECT_EQ(cot[i].image, "img.png");
  }
  // Summary-only: one direct sample per distinct task, no chain.
  std::vector<data::LlavaSample> summary = reason;
  summary.insert(summary.end(), reason.begin(), reason.end());
  const auto so = summary_only_samples(summary, by_id);
  ASSERT_EQ(so.size(), tasks.size());
  EXPECT_EQ(so[0].conversations[0].value, "<image>\n" + data::task_prompt(tasks[0]));
  EXPECT_EQ(so[0].conversations[1].value, tasks[0].answer);
  // The text style: every baseline's reply is the answer's text.
  const auto text = data::AnswerStyle::text;
  EXPECT_EQ(data::cot_answer_text(cot_samples(reason, by_id, text)[0].conversations[1].value), tasks[0].answer_value);
  EXPECT_EQ(multi_turn_samples(reason, by_id, text)[0].conversations[3].value, tasks[0].answer_value);
  EXPECT_EQ(summary_only_samples(summary, by_id, text)[0].conversations[1].value, tasks[0].answer_value);
  // A sample naming an unknown task is an error.
  auto bad = reason;
  bad[0].extra["provenance"]["task_id"] = "nope";
  EXPECT_THROW(cot_samples(bad, by_id), Error);
}

TEST(AssessHelpers, StepsFromChainInvertsThoughtsText) {
  ReasoningPath p;
  p.steps = {{"Count the circles", "There are 3 circles.", "continue"}, {"Answer", "The answer is 3.", "final_answer"}};
  const auto steps = steps_from_chain(thoughts_text(p));
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_EQ(steps[0].title, "Count the circles");
  EXPECT_EQ(steps[0].content, "There are 3 circles.");
  EXPECT_EQ(steps[1].next_action, "final_answer");
  const auto loose = steps_from_chain("no title here\n\n  spaced: out  \n");
  ASSERT_EQ(loose.size(), 2u);
  EXPECT_EQ(loose[0].title, "Step");
  EXPECT_EQ(loose[0].content, "no title here");
  EXPECT_EQ(loose[1].title, "spaced");
  EXPECT_EQ(loose[1].content, "out");
  EXPECT_TRUE(steps_from_chain("").empty());
}

TEST(AssessHelpers, PreferencePairSelection) {
  // chosen = best correct; rejected = worst wrong.
  EXPECT_EQ(select_preference_pair({true, false, true, false}, {70, 40, 90, 20}, 10), std::make_pair(2, 3));
  // No wrong path: the worst correct one if it is margin below.
  EXPECT_EQ(select_preference_pair({true, true, true}, {90, 85, 60}, 10), std::make_pair(0, 2));
  EXPECT_EQ(select_preference_pair({true, true}, {90, 85}, 10), std::make_pair(-1, -1));
  // No correct path: no pair.
  EXPECT_EQ(select_preference_pair({false, false}, {50, 10}, 10), std::make_pair(-1, -1));
}

}  // namespace
}  // namespace insightv::pipeline

// The grounding set: one-word questions whose answers are the scene graph's, one-object scenes
// first, images written once each and never equal to an excluded one.
TEST(StageData, GroundingSetAsksWhatTheSceneGraphSays) {
  const std::string dir = insightv::test::make_temp_dir("grounding");
  std::set<uint64_t> excluded;
  {
    // Exclude the set's first image: it must be skipped and counted.
    insightv::world::TaskSpec spec;
    spec.family = &insightv::world::find_family("perception");
    spec.split = "vision";
    spec.index = 200000000000LL;
    spec.size = 64;
    insightv::Image img;
    insightv::world::generate_task(spec, &img);
    excluded.insert(insightv::image_pixel_hash(img));
  }
  const auto g = insightv::pipeline::write_grounding_set(dir, 60, 0, 64, excluded, 1);
  EXPECT_EQ(g.excluded, 1);
  EXPECT_EQ(g.images, 59);
  ASSERT_FALSE(g.single.empty());
  ASSERT_GT(g.all.size(), g.single.size());
  for (size_t i = 0; i < g.single.size(); ++i) EXPECT_EQ(g.all[i].id, g.single[i].id);  // single first
  for (const auto& s : g.all) {
    ASSERT_EQ(s.conversations.size(), 2u);
    EXPECT_TRUE(insightv::file_exists(insightv::join_path(dir, s.image))) << s.image;
    EXPECT_NE(s.conversations[0].value.find(insightv::data::kOpenInstruction), std::string::npos);
    EXPECT_EQ(s.conversations[1].value.find(' '), std::string::npos) << "one word: " << s.conversations[1].value;
  }
  for (const auto& s : g.single) EXPECT_NE(s.conversations[0].value.find("the object?"), std::string::npos);
}

TEST(StageData, GroundingLookupsAnswerFromTheScene) {
  insightv::world::TaskSpec spec;
  spec.family = &insightv::world::find_family("perception");
  spec.split = "vision";
  spec.size = 128;
  int checked = 0;
  for (int64_t i = 0; i < 50; ++i) {
    spec.index = i;
    const insightv::world::Task t = insightv::world::generate_task(spec, nullptr);
    for (const auto& l : insightv::pipeline::grounding_lookups(t)) {
      bool found = false;  // the answer is an attribute of an object the question names
      for (const auto& o : t.scene["objects"]) {
        const std::string c = o["color"], s = o["shape"], r = o["region"];
        const bool named = l.question.find(c) != std::string::npos || l.question.find(s) != std::string::npos ||
                           t.scene["objects"].size() == 1;
        if (named && (l.answer == c || l.answer == s || l.answer == r)) found = true;
      }
      EXPECT_TRUE(found) << l.question << " -> " << l.answer;
      ++checked;
    }
  }
  EXPECT_GT(checked, 100);
  spec.family = &insightv::world::find_family("clock");
  EXPECT_TRUE(insightv::pipeline::grounding_lookups(insightv::world::generate_task(spec, nullptr)).empty());
}

// The facts of one grounding sample's scene, regenerated from its id ("ground-<i>") and the family
// the set draws it from (families in turn).
std::vector<std::string> grounding_scene_facts(const insightv::data::LlavaSample& s, const std::vector<std::string>& families,
                                               int size) {
  const int64_t i = std::stoll(s.id.substr(std::string("ground-").size()));
  insightv::world::TaskSpec spec;
  spec.family = &insightv::world::find_family(families[static_cast<size_t>(i) % families.size()]);
  spec.split = "vision";
  spec.size = size;
  spec.index = 200000000000LL + i;
  return spec.family->scene_facts(insightv::world::generate_task(spec, nullptr));
}

TEST(StageData, GroundingFactsAreOneSamplePerSceneWithEveryLookup) {
  const std::string dir = insightv::test::make_temp_dir("grounding-facts");
  const auto g =
      insightv::pipeline::write_grounding_set(dir, 30, 0, 64, {}, 1, insightv::pipeline::GroundingFormat::facts);
  EXPECT_EQ(g.images, 30);
  EXPECT_EQ(static_cast<int64_t>(g.all.size()), 30);  // the one-object scenes' samples lead `all`
  ASSERT_FALSE(g.single.empty());
  for (size_t i = 0; i < g.single.size(); ++i) EXPECT_EQ(g.all[i].id, g.single[i].id);
  for (const auto& s : g.all) {
    ASSERT_EQ(s.conversations.size(), 2u);
    EXPECT_EQ(s.conversations[0].value, std::string("<image>\n") + insightv::pipeline::kGroundingFactsPrompt);
    const std::string& facts = s.conversations[1].value;
    size_t length = 0;
    for (const auto& f : grounding_scene_facts(s, {"perception"}, 64)) {
      EXPECT_NE(facts.find(f), std::string::npos) << f << " not in " << facts;
      length += f.size() + 1;
    }
    EXPECT_EQ(facts.size() + 1, length) << facts;  // every fact once, nothing else
  }
}

TEST(StageData, GroundingFactsOfEveryFamilyTakeTheFamiliesInTurn) {
  using insightv::pipeline::GroundingFormat;
  const auto families = insightv::pipeline::parse_grounding_families("all", GroundingFormat::facts);
  EXPECT_EQ(families, insightv::world::family_names());
  const std::string dir = insightv::test::make_temp_dir("grounding-facts-all");
  const auto g = insightv::pipeline::write_grounding_set(dir, 21, 0, 64, {}, 1, GroundingFormat::facts, families);
  EXPECT_EQ(g.images, 21);
  ASSERT_EQ(g.all.size(), 21u);
  std::set<std::string> openings;  // each family words its facts its own way
  for (const auto& s : g.all) {
    const std::string& facts = s.conversations[1].value;
    size_t length = 0;
    for (const auto& f : grounding_scene_facts(s, families, 64)) {
      EXPECT_NE(facts.find(f), std::string::npos) << f << " not in " << facts;
      length += f.size() + 1;
    }
    EXPECT_EQ(facts.size() + 1, length) << facts;
    openings.insert(facts.substr(0, facts.find(' ', 4)));
  }
  EXPECT_GE(openings.size(), 6u);
  // Lists and their errors.
  EXPECT_EQ(insightv::pipeline::parse_grounding_families("clock,perception,clock", GroundingFormat::facts),
            (std::vector<std::string>{"clock", "perception"}));
  EXPECT_EQ(insightv::pipeline::parse_grounding_families("perception", GroundingFormat::questions),
            std::vector<std::string>{"perception"});
  EXPECT_THROW(insightv::pipeline::parse_grounding_families("clocks", GroundingFormat::facts), insightv::Error);
  EXPECT_THROW(insightv::pipeline::parse_grounding_families("", GroundingFormat::facts), insightv::Error);
  EXPECT_THROW(insightv::pipeline::parse_grounding_families("all", GroundingFormat::questions), insightv::Error);
  EXPECT_THROW(insightv::pipeline::write_grounding_set(dir, 2, 0, 64, {}, 1, GroundingFormat::questions, {"clock"}),
               insightv::Error);
}
