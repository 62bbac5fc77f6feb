// Golden cases for data/answer_match.h: verbose answers, option text vs letter, \boxed{},
// numbers with units, times and free text. One table; each row says why it is there.
#include <gtest/gtest.h>

#include "data/answer_match.h"

namespace insightv::data {
namespace {

struct Case {
  const char* why;
  const char* response;
  GoldAnswer gold;
  bool correct;
};

const GoldAnswer kChoice{AnswerType::choice, "B", "7", {"6", "7", "9", "8"}};
const GoldAnswer kColor{AnswerType::choice, "C", "red", {"blue", "green", "red", "yellow"}};
const GoldAnswer kNumber{AnswerType::number, "12", "12", {}};
const GoldAnswer kDecimal{AnswerType::number, "3.5", "3.5", {}};
const GoldAnswer kTime{AnswerType::text, "3:05", "3:05", {}};
const GoldAnswer kText{AnswerType::text, "circle", "circle", {}};

const Case kCases[] = {
    {"bare letter", "B", kChoice, true},
    {"wrong bare letter", "C", kChoice, false},
    {"parenthesised letter", "(B)", kChoice, true},
    {"letter with option text", "B. 7", kChoice, true},
    {"option prefix", "Option B", kChoice, true},
    {"verbose with answer is", "I counted twice. The answer is B.", kChoice, true},
    {"verbose letter wrong", "Looking again, the answer is D. 8", kChoice, false},
    {"option text instead of letter", "7", kChoice, true},
    {"option text with unit", "The answer is 7 apples.", kChoice, true},
    {"wrong option text", "The answer is 9", kChoice, false},
    {"colour option text", "The bar is red", kColor, true},
    {"colour option text wrong", "The answer is blue.", kColor, false},
    {"boxed letter", "So we get \\boxed{B}", kChoice, true},
    {"boxed wins over earlier text", "The answer is A... wait, \\boxed{B}", kChoice, true},
    {"json final answer", "{\"title\": \"FINAL ANSWER\", \"content\": \"The answer is B\"}", kChoice,
     true},
    {"plain number", "12", kNumber, true},
    {"number with unit", "12 cm", kNumber, true},
    {"number in sentence", "There are 12 triangles in total.", kNumber, true},
    {"last number wins unmarked", "3 red and 9 blue make 12", kNumber, true},
    {"marked number wrong", "The answer is 13.", kNumber, false},
    {"boxed number", "\\boxed{12}", kNumber, true},
    {"thousands separator", "12", GoldAnswer{AnswerType::number, "3200", "3200", {}}, false},
    {"comma number", "3,200 units", GoldAnswer{AnswerType::number, "3200", "3200", {}}, true},
    {"decimal", "3.50", kDecimal, true},
    {"decimal with unit", "Final answer: 3.5 cm", kDecimal, true},
    {"decimal outside tolerance", "3.6", kDecimal, false},
    {"fraction", "7/2", kDecimal, true},
    {"time", "It shows 3:05.", kTime, true},
    {"time with leading zero", "03:05", kTime, true},
    {"wrong time", "3:50", kTime, false},
    {"text case and article", "The Circle", kText, true},
    {"text in short sentence", "It is a circle.", kText, true},
    {"text wrong", "square", kText, false},
    {"empty", "", kNumber, false},
};

TEST(GoldenAnswerMatch, EveryCaseMatchesItsExpectation) {
  for (const Case& c : kCases) {
    const MatchResult r = match_answer(c.response, c.gold);
    EXPECT_EQ(r.correct, c.correct) << c.why << ": '" << c.response << "' extracted '"
                                    << r.extracted << "' reason " << r.reason;
  }
}

TEST(GoldenAnswerMatch, ExtractsTheLastBoxedSpan) {
  EXPECT_EQ(extract_answer("\\boxed{1} then \\boxed{\\frac{1}{2}}"), "\\frac{1}{2}");
}

TEST(GoldenAnswerMatch, ParsesNumbersWithUnitsAndSigns) {
  EXPECT_DOUBLE_EQ(*parse_number("-4.5cm"), -4.5);
  EXPECT_DOUBLE_EQ(*parse_number("about 1,024 px"), 1024.0);
  EXPECT_FALSE(parse_number("none").has_value());
}

TEST(GoldenAnswerMatch, OptionLetterNeedsAValidLetter) {
  EXPECT_EQ(parse_option_letter("(c)", 4), 'C');
  EXPECT_FALSE(parse_option_letter("E", 4).has_value());
  EXPECT_FALSE(parse_option_letter("A circle", 4).has_value());
}

}  // namespace
}  // namespace insightv::data
