// Tests for data/system_formats.h: the evaluation prompt follows VLMEvalKit's layout and a VisWorld
// task's prompt is the evaluation prompt of its question and options; the cot answer part is found
// after the last close tag; every answer style's reply is graded as the task's answer.
#include <gtest/gtest.h>

#include "data/answer_match.h"
#include "data/system_formats.h"
#include "util/error.h"
#include "world/generate.h"
#include "world/task.h"

namespace insightv::data {
namespace {

// The first n tasks of every family, generated without images.
std::vector<world::Task> every_family_tasks(int n) {
  std::vector<world::Task> out;
  for (const auto* fam : world::resolve_families({"all"})) {
    world::TaskSpec spec;
    spec.family = fam;
    for (spec.index = 0; spec.index < n; ++spec.index) out.push_back(world::generate_task(spec, nullptr));
  }
  return out;
}

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
  for (const world::Task& t : every_family_tasks(20)) {
    const std::string p = task_prompt(t);
    const bool is_choice = t.answer_type == world::AnswerType::choice;
    EXPECT_EQ(is_choice, !t.options.empty()) << t.id;
    const std::string instruction = is_choice ? kChoiceInstruction : kOpenInstruction;
    EXPECT_EQ(p.find(instruction), p.size() - instruction.size()) << t.id;
    for (size_t k = 0; k < t.options.size(); ++k)
      EXPECT_NE(p.find("\n" + world::option_letter(k) + ". " + t.options[k] + "\n"), std::string::npos) << t.id;
  }
}

TEST(SystemFormats, EveryAnswerStyleIsGradedAsTheTasksAnswer) {
  int sentences = 0;
  for (const world::Task& t : every_family_tasks(40)) {
    EXPECT_EQ(answer_reply(t, AnswerStyle::letter), t.answer) << t.id;
    const bool by_text = t.options.empty() || option_text_reads_as_itself(t.answer_value, t.options.size());
    EXPECT_EQ(answer_reply(t, AnswerStyle::text), by_text ? t.answer_value : t.answer) << t.id;
    for (const AnswerStyle style : {AnswerStyle::letter, AnswerStyle::text, AnswerStyle::sentence}) {
      const std::string reply = answer_reply(t, style);
      EXPECT_TRUE(match_answer(reply, gold_from_task(t)).correct)
          << t.id << " " << answer_style_name(style) << ": '" << reply << "' for " << t.answer_value;
    }
    // Each wrong option's sentence is graded wrong: the sentence names its option and no other.
    for (size_t k = 0; k < t.options.size(); ++k) {
      if (world::option_letter(k) == t.answer) continue;
      world::Task wrong = t;
      wrong.answer = world::option_letter(k);
      wrong.answer_value = t.options[k];
      EXPECT_FALSE(match_answer(answer_reply(wrong, AnswerStyle::sentence), gold_from_task(t)).correct) << t.id;
    }
    if (t.family == "perception") sentences += answer_reply(t, AnswerStyle::sentence) != t.answer_value;
  }
  EXPECT_EQ(sentences, 40);  // perception restates its lookup
  world::TaskSpec spec;
  spec.family = &world::find_family("perception");
  for (spec.index = 0; spec.index < 200; ++spec.index) {
    const world::Task t = world::generate_task(spec, nullptr);
    const std::string kind = t.query.at("kind");
    const std::string s = answer_reply(t, AnswerStyle::sentence);
    if (kind == "shape_of")
      EXPECT_EQ(s, "The " + t.query.at("color").get<std::string>() + " object is a " + t.answer_value + ".");
    if (kind == "color_of") EXPECT_EQ(s, "The " + t.query.at("shape").get<std::string>() + " is " + t.answer_value + ".");
    if (kind == "where") {
      EXPECT_EQ(s.rfind("The " + t.query.at("color").get<std::string>() + " ", 0), 0u) << s;
      EXPECT_NE(s.find(" is at " + t.answer_value + "."), std::string::npos) << s;
    }
  }
  EXPECT_FALSE(option_text_reads_as_itself("A", 4));  // a bar label: answered by its letter
  EXPECT_TRUE(option_text_reads_as_itself("G", 4));
  EXPECT_TRUE(option_text_reads_as_itself("square", 4));
  EXPECT_EQ(parse_answer_style("sentence"), AnswerStyle::sentence);
  EXPECT_THROW(parse_answer_style("letters"), Error);
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
