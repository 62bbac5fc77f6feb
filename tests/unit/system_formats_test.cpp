// Tests for data/system_formats.h: the evaluation prompt matches VisWorld's task prompt and
// VLMEvalKit's layout; the cot answer part is found after the last close tag.
#include <gtest/gtest.h>

#include "data/system_formats.h"
#include "world/generate.h"
#include "world/task.h"

namespace insightv::data {
namespace {

TEST(SystemFormats, EvalPromptLayout) {
  EXPECT_EQ(eval_prompt("", "How many?", {}), "How many?\nAnswer the question using a single word or phrase.");
  EXPECT_EQ(eval_prompt("Look closely.", "Which?", {"red", "blue"}),
            "Look closely.\nWhich?\nA. red\nB. blue\nAnswer with the option letter from the given choices directly.");
}

TEST(SystemFormats, EvalPromptEqualsTaskPromptForEveryFamily) {
  for (const auto* fam : world::resolve_families({"all"})) {
    for (int i = 0; i < 20; ++i) {
      world::TaskSpec spec;
      spec.family = fam;
      spec.index = i;
      const world::Task t = world::generate_task(spec, nullptr);
      EXPECT_EQ(eval_prompt("", t.question, t.options), world::task_prompt(t)) << t.id;
    }
  }
}

TEST(SystemFormats, CotAnswerText) {
  EXPECT_EQ(cot_answer_text("<thoughts>\na: 1\n</thoughts>\nB"), "B");
  EXPECT_EQ(cot_answer_text("<thoughts>x</thoughts> y </thoughts>\n 7"), "7");
  EXPECT_EQ(cot_answer_text("no tags 5"), "no tags 5");
  EXPECT_EQ(cot_answer_text("<thoughts>x</thoughts>"), "");
  EXPECT_EQ(cot_target("<thoughts>\nx\n</thoughts>", "C"), "<thoughts>\nx\n</thoughts>\nC");
  EXPECT_EQ(cot_answer_text(cot_target("<thoughts>\nx\n</thoughts>", "C")), "C");
}

}  // namespace
}  // namespace insightv::data
