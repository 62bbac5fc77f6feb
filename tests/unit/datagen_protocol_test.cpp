// Step-JSON parsing and repair, the progressive protocol over scripted backends (broken JSON,
// the 3-try limit, the 16-step limit), and the teacher backend's variety and mistakes.
#include <gtest/gtest.h>

#include <functional>
#include <set>

#include "data/answer_match.h"
#include "data/system_formats.h"
#include "pipeline/chain_numbers.h"
#include "pipeline/protocol.h"
#include "pipeline/step_json.h"
#include "pipeline/teacher.h"
#include "support/vw_tasks.h"
#include "util/error.h"

namespace insightv::pipeline {
namespace {

// A backend whose replies come from a function of the conversation.
class ScriptedBackend : public ChatBackend {
 public:
  explicit ScriptedBackend(std::function<std::string(const std::vector<ChatMessage>&)> f)
      : f_(std::move(f)) {}
  std::string chat(const ChatRequest& req) override {
    ++calls;
    return f_(*req.messages);
  }
  std::string name() const override { return "scripted"; }
  int calls = 0;

 private:
  std::function<std::string(const std::vector<ChatMessage>&)> f_;
};

world::Task one_task() { return test::make_vw_tasks(1)[0]; }

TEST(StepJson, StrictJsonParses) {
  auto s = parse_step(R"({"title": "A", "content": "B", "next_action": "final_answer"})");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->title, "A");
  EXPECT_EQ(s->next_action, "final_answer");
  EXPECT_FALSE(s->repaired);
}

TEST(StepJson, RepairsFencesTrailingCommasQuotesAndCutObjects) {
  const char* broken[] = {
      "```json\n{\"title\": \"A\", \"content\": \"B\", \"next_action\": \"continue\"}\n```",
      "{\"title\": \"A\", \"content\": \"B\", \"next_action\": \"continue\",}",
      "{'title': 'A', 'content': 'B', 'next_action': 'continue'}",
      "Sure! {\"title\": \"A\", \"content\": \"line one\nline two\", \"next_action\": \"continue\"} Done.",
      "{\"title\": \"A\", \"content\": \"B\", \"next_action\": \"continue"};
  for (const char* b : broken) {
    auto s = parse_step(b);
    ASSERT_TRUE(s) << b;
    EXPECT_TRUE(s->repaired) << b;
    EXPECT_EQ(s->title, "A") << b;
    EXPECT_EQ(s->next_action, "continue") << b;
  }
}

TEST(StepJson, StrictModeRejectsWhatRepairAccepts) {
  StepParseOptions strict;
  strict.repair = false;
  EXPECT_FALSE(parse_step("```json\n{\"title\": \"A\", \"content\": \"B\"}\n```", strict));
}

TEST(StepJson, RejectsTextWithoutTitleAndContent) {
  EXPECT_FALSE(parse_step("I think the answer is 4."));
  EXPECT_FALSE(parse_step("{\"step\": 1}"));
}

TEST(StepJson, SummaryActionMeansFinalAnswer) {
  auto s = parse_step(R"({"title": "A", "content": "B", "next_action": "summary"})");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->next_action, "final_answer");
}

TEST(Protocol, ConversationFollowsThePaper) {
  std::vector<ChatMessage> seen;
  ScriptedBackend b([&](const std::vector<ChatMessage>& m) {
    seen = m;
    if (m.back().text == final_answer_prompt()) return std::string(R"({"title": "FINAL ANSWER", "content": "B"})");
    return std::string(R"({"title": "T", "content": "C", "next_action": "final_answer"})");
  });
  const world::Task t = one_task();
  ReasoningPath p = run_protocol(b, t, "", 0, 1, ProtocolOptions{});
  ASSERT_EQ(seen.size(), 5u);
  EXPECT_EQ(seen[0].role, "system");
  EXPECT_NE(seen[0].text.find("USE AT LEAST 3 METHODS"), std::string::npos);
  EXPECT_TRUE(seen[1].has_image);
  EXPECT_EQ(seen[1].text, data::task_prompt(t));
  EXPECT_EQ(seen[2].text, prefill_assistant());
  EXPECT_EQ(seen[3].role, "assistant");
  EXPECT_EQ(seen[4].text, final_answer_prompt());
  EXPECT_EQ(p.steps.size(), 1u);
  EXPECT_EQ(p.final_answer, "B");
  EXPECT_EQ(b.calls, 2);
}

TEST(Protocol, BrokenJsonIsReprompedThenErrorStepAfterThreeTries) {
  ScriptedBackend b([](const std::vector<ChatMessage>& m) {
    if (m.back().text == final_answer_prompt()) return std::string("not json either");
    return std::string("I refuse to write JSON.");
  });
  ReasoningPath p = run_protocol(b, one_task(), "", 0, 1, ProtocolOptions{});
  ASSERT_EQ(p.steps.size(), 1u);
  EXPECT_EQ(p.steps[0].title, "Error");
  EXPECT_EQ(p.steps[0].next_action, "final_answer");
  EXPECT_EQ(p.retries, 3);
  EXPECT_EQ(p.error_steps, 1);
  EXPECT_EQ(b.calls, 3 + 1);
  EXPECT_EQ(p.final_answer, "No available answer");
}

TEST(Protocol, CorrectiveMessageFollowsABadReplyAndASecondTrySucceeds) {
  int n = 0;
  ScriptedBackend b([&](const std::vector<ChatMessage>& m) {
    if (m.back().text == final_answer_prompt()) return std::string(R"({"title": "FINAL ANSWER", "content": "7"})");
    if (n++ == 0) return std::string("garbage");
    EXPECT_EQ(m.back().text, invalid_json_prompt());
    EXPECT_EQ(m[m.size() - 2].text, "garbage");
    return std::string(R"({"title": "T", "content": "C", "next_action": "final_answer"})");
  });
  ReasoningPath p = run_protocol(b, one_task(), "", 0, 1, ProtocolOptions{});
  EXPECT_EQ(p.retries, 1);
  EXPECT_EQ(p.error_steps, 0);
  EXPECT_EQ(p.steps[0].title, "T");
}

TEST(Protocol, StopsAfterSixteenSteps) {
  ScriptedBackend b([](const std::vector<ChatMessage>& m) {
    if (m.back().text == final_answer_prompt()) return std::string(R"({"title": "FINAL ANSWER", "content": "1"})");
    return std::string(R"({"title": "T", "content": "C", "next_action": "continue"})");
  });
  ReasoningPath p = run_protocol(b, one_task(), "", 0, 1, ProtocolOptions{});
  EXPECT_EQ(p.steps.size(), 16u);
  EXPECT_EQ(b.calls, 17);
}

TEST(Protocol, PathRecordRoundTripsThroughJson) {
  TeacherBackend b;
  const world::Task t = one_task();
  ReasoningPath p = run_protocol(b, t, "", 2, 99, ProtocolOptions{});
  ReasoningPath q = path_from_json(path_to_json(p), "test");
  EXPECT_EQ(path_to_json(p), path_to_json(q));
}

TEST(ChainNumbers, ReplacesWholeTokensOnly) {
  EXPECT_EQ(replace_number("E = 13, 113 and 13.5, total 13", "13", "14"), "E = 14, 113 and 13.5, total 14");
}

TEST(ChainNumbers, RecomputesStaleEquationResults) {
  std::string s = "P + E = 10 + 14 = 23 and perimeter = 2 x (6 + 11) = 30.";
  const auto changed = recompute_equations(s);
  EXPECT_EQ(s, "P + E = 10 + 14 = 24 and perimeter = 2 x (6 + 11) = 34.");
  ASSERT_EQ(changed.size(), 2u);
  EXPECT_EQ(changed[0], std::make_pair(std::string("23"), std::string("24")));
}

TEST(Teacher, SamePathForSameSeedAndDifferentPathsAcrossSeeds) {
  const world::Task t = one_task();
  TeacherOptions o;
  const auto a = plan_teacher_path(t, 5, o), b = plan_teacher_path(t, 5, o);
  ASSERT_EQ(a.steps.size(), b.steps.size());
  for (size_t i = 0; i < a.steps.size(); ++i) EXPECT_EQ(a.steps[i].content, b.steps[i].content);
  std::set<std::string> distinct;
  for (uint64_t s = 0; s < 40; ++s) {
    std::string text;
    for (const auto& st : plan_teacher_path(t, s, o).steps) text += st.title + st.content;
    distinct.insert(text);
  }
  EXPECT_GT(distinct.size(), 10u);
}

TEST(Teacher, CleanTeacherIsAlwaysRightAndMistakesOftenMakeItWrong) {
  TeacherOptions clean;
  clean.miscount_rate = clean.misread_rate = clean.arithmetic_rate = 0;
  clean.skip_rate = clean.irrelevant_rate = clean.malformed_rate = clean.garbage_rate = 0;
  TeacherOptions bad = clean;
  bad.miscount_rate = 1;
  bad.self_correct_rate = 0;
  bad.propagate_rate = 1;
  int right_clean = 0, wrong_bad = 0, n = 0;
  for (const world::Task& t : test::make_vw_tasks(70)) {
    TeacherBackend cb(clean), bb(bad);
    const auto gold = data::gold_from_task(t);
    right_clean += data::match_answer(run_protocol(cb, t, "", 0, 3, {}).final_answer, gold).correct;
    const ReasoningPath p = run_protocol(bb, t, "", 0, 3, {});
    wrong_bad += !data::match_answer(p.final_answer, gold).correct;
    EXPECT_EQ(p.provenance["expected_correct"].get<bool>(),
              data::match_answer(p.final_answer, gold).correct) << t.id << " " << p.final_answer;
    ++n;
  }
  EXPECT_EQ(right_clean, n);
  EXPECT_GT(wrong_bad, n * 3 / 4);
}

TEST(Teacher, AnswerStyleTextConcludesWithTheOptionsTextAndNoLetter) {
  const TeacherOptions letter;
  const TeacherOptions text = teacher_options_from_json(json{{"answer_style", "text"}});
  EXPECT_EQ(text.answer_style, data::AnswerStyle::text);
  EXPECT_EQ(teacher_options_to_json(text)["answer_style"], "text");
  EXPECT_THROW(teacher_options_from_json(json{{"answer_style", "letters"}}), Error);
  int choices = 0;
  for (const world::Task& t : test::make_vw_tasks(35)) {
    const TeacherPlan a = plan_teacher_path(t, 3, letter), b = plan_teacher_path(t, 3, text);
    ASSERT_EQ(a.steps.size(), b.steps.size()) << t.id;  // the same path, only its last words differ
    const std::string va = a.provenance["final_value"], vb = b.provenance["final_value"];
    EXPECT_EQ(va, vb) << t.id;
    if (t.options.empty()) {
      EXPECT_EQ(b.final_text, vb) << t.id;
      continue;
    }
    ++choices;
    if (!data::option_text_reads_as_itself(vb, t.options.size())) {  // a bar labelled "B": its letter
      EXPECT_EQ(b.final_text, a.final_text) << t.id;
      continue;
    }
    EXPECT_EQ(b.final_text, vb) << t.id;
    EXPECT_EQ(b.steps.back().content.find("which is option"), std::string::npos) << b.steps.back().content;
    EXPECT_EQ(a.final_text.size(), 1u) << t.id;  // the letter
    EXPECT_NE(a.steps.back().content.find(", which is option " + a.final_text + "."), std::string::npos);
    // Both name the same option.
    const auto gold = data::gold_from_task(t);
    EXPECT_EQ(data::match_answer(a.final_text, gold).correct, data::match_answer(b.final_text, gold).correct) << t.id;
  }
  EXPECT_GT(choices, 5);
}

TEST(Teacher, MalformedRepliesExerciseRepairAndRetry) {
  TeacherOptions o;
  o.malformed_rate = 0.5;
  o.garbage_rate = 0.3;
  int repaired = 0, retries = 0;
  for (const world::Task& t : test::make_vw_tasks(20)) {
    TeacherBackend b(o);
    const ReasoningPath p = run_protocol(b, t, "", 0, 11, {});
    repaired += p.repaired;
    retries += p.retries;
    EXPECT_EQ(p.error_steps, 0);  // garbage only on first tries
  }
  EXPECT_GT(repaired, 0);
  EXPECT_GT(retries, 0);
}

}  // namespace
}  // namespace insightv::pipeline
