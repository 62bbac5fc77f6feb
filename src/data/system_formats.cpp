// data/system_formats.cpp — see system_formats.h.
#include "data/system_formats.h"

namespace insightv::data {

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
