// Tests for data/system_formats.h: the evaluation prompt follows VLMEvalKit's layout and a VisWorld
// task's prompt is the evaluation prompt of its question and options; the cot answer part is found
// after the last close tag.
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

TEST(SystemFormats, TaskPromptListsTheOptionsOfChoiceTasksOnly) {
  world::Task choice;
  choice.question = "What colour is the circle?";
  choice.answer_type = world::AnswerType::choice;
  choice.options = {"red", "blue", "green"};
  EXPECT_EQ(task_prompt(choice),
            "What colour is the circle?\nA. red\nB. blue\nC. green\n" + std::string(kChoiceInstruction));
  world::Task open;
  open.question = "How many circles?";
  open.answer_type = world::AnswerType::number;
  EXPECT_EQ(task_prompt(open), "How many circles?\n" + std::string(kOpenInstruction));
  // Every family: a choice task names each option under its letter; an open one has no option lines.
  for (const auto* fam : world::resolve_families({"all"})) {
    for (int i = 0; i < 20; ++i) {
      world::TaskSpec spec;
      spec.family = fam;
      spec.index = i;
      const world::Task t = world::generate_task(spec, nullptr);
      const std::string p = task_prompt(t);
      const bool is_choice = t.answer_type == world::AnswerType::choice;
      EXPECT_EQ(is_choice, !t.options.empty()) << t.id;
      const std::string instruction = is_choice ? kChoiceInstruction : kOpenInstruction;
      EXPECT_EQ(p.find(instruction), p.size() - instruction.size()) << t.id;
      for (size_t k = 0; k < t.options.size(); ++k)
        EXPECT_NE(p.find("\n" + world::option_letter(k) + ". " + t.options[k] + "\n"), std::string::npos) << t.id;
    }
  }
}

TEST(SystemFormats, CotAnswerText) {
  EXPECT_EQ(cot_answer_text("<thoughts>\na: 1\n</thoughts>\nB"), "B");
  EXPECT_EQ(cot_answer_text("<thoughts>x</thoughts> y </thoughts>\n 7"), "7");
  EXPECT_EQ(cot_answer_text("no tags 5"), "no tags 5");
  EXPECT_EQ(cot_answer_text("<thoughts>x</thoughts>"), "");
  EXPECT_EQ(cot_target("<thoughts>\nx\n</thoughts>", "C"), "<thoughts>\nx\n</thoughts>\nC");
  EXPECT_EQ(thoughts_block("a: 1\nb: 2\n"), "<thoughts>\na: 1\nb: 2\n</thoughts>");
  EXPECT_EQ(cot_answer_text(cot_target("<thoughts>\nx\n</thoughts>", "C")), "C");
}

}  // namespace
}  // namespace insightv::data
