// data/system_formats.cpp — see system_formats.h.
#include "data/system_formats.h"

#include "data/answer_match.h"
#include "util/error.h"
#include "world/family.h"

namespace insightv::data {

const char* const kReasoningSuffix =
    "\n\nPerform step-by-step reasoning of the problem. Only provide the reasoning process.";
const char* const kSummaryPromptHead =
    "I will give you a reasoning process of the question. You should determine whether the "
    "reasoning process is correct about the question. If it is correct, please summarize the "
    "answer based on the reasoning process. If it is incorrect, answer the question and ignore "
    "the reasoning process. You shold directly give the summarization or answer as you are "
    "directly answer the QUESTION  without saying your judgement about the reasoning "
    "process.\n\nQUESTION: ";

std::string summary_question(const std::string& question_with_image, const std::string& chain) {
  std::string c = chain;
  const std::string open = "<thoughts>", close = "</thoughts>";
  const size_t a = c.find_first_not_of(" \t\r\n");
  if (a != std::string::npos && c.compare(a, open.size(), open) == 0) c.erase(0, a + open.size());
  const size_t z = c.find_last_not_of(" \t\r\n");
  if (z != std::string::npos && z + 1 >= close.size() && c.compare(z + 1 - close.size(), close.size(), close) == 0)
    c.resize(z + 1 - close.size());
  const size_t first = c.find_first_not_of("\r\n");
  c = first == std::string::npos ? std::string() : c.substr(first);
  while (!c.empty() && (c.back() == '\n' || c.back() == '\r' || c.back() == ' ' || c.back() == '\t')) c.pop_back();
  return std::string(kSummaryPromptHead) + question_with_image + "\n\nREASON PROCESS: <thoughts>\n" + c + "\n</thoughts>";
}

const char* const kChoiceInstruction = "Answer with the option letter from the given choices directly.";
const char* const kOpenInstruction = "Answer the question using a single word or phrase.";
const char* const kCotSuffix =
    "\n\nPerform step-by-step reasoning of the problem inside <thoughts> </thoughts>, then give the final answer.";
const char* const kMultiTurnFollowup = "Based on your reasoning, give the final answer to the question.";

std::string eval_prompt(const std::string& hint, const std::string& question,
                        const std::vector<std::string>& options) {
  std::string p = hint.empty() ? question : hint + "\n" + question;
  for (size_t i = 0; i < options.size(); ++i)
    p += "\n" + std::string(1, static_cast<char>('A' + i)) + ". " + options[i];
  p += "\n";
  p += options.empty() ? kOpenInstruction : kChoiceInstruction;
  return p;
}

std::string task_prompt(const world::Task& t) { return eval_prompt("", t.question, t.options); }

AnswerStyle parse_answer_style(const std::string& name) {
  if (name == "letter") return AnswerStyle::letter;
  if (name == "text") return AnswerStyle::text;
  if (name == "sentence") return AnswerStyle::sentence;
  throw Error("data", "unknown answer style '" + name + "'", "use letter, text or sentence");
}

const char* answer_style_name(AnswerStyle style) {
  switch (style) {
    case AnswerStyle::letter: return "letter";
    case AnswerStyle::text: return "text";
    case AnswerStyle::sentence: return "sentence";
  }
  return "letter";
}

bool option_text_reads_as_itself(const std::string& text, size_t n_options) {
  return !parse_option_letter(text, n_options).has_value();
}

std::string answer_reply(const world::Task& t, AnswerStyle style) {
  if (style == AnswerStyle::letter) return t.answer;
  if (!t.options.empty() && !option_text_reads_as_itself(t.answer_value, t.options.size())) return t.answer;
  return style == AnswerStyle::text ? t.answer_value : world::find_family(t.family).answer_sentence(t);
}

std::string thoughts_block(const std::string& chain) { return "<thoughts>\n" + chain + "</thoughts>"; }

std::string cot_target(const std::string& thoughts_block, const std::string& answer) {
  return thoughts_block + "\n" + answer;
}

std::string cot_answer_text(const std::string& response) {
  const std::string close = "</thoughts>";
  const size_t at = response.rfind(close);
  if (at == std::string::npos) return response;
  const size_t start = response.find_first_not_of(" \t\r\n", at + close.size());
  return start == std::string::npos ? std::string() : response.substr(start);
}

}  // namespace insightv::data
