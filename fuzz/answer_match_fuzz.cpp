// fuzz/answer_match_fuzz.cpp — libFuzzer target: data/answer_match.h, the answer extractor and
// rule matcher shared by assessment and evaluation.
//
// Input layout: byte 0 picks the gold answer type (choice / number / text) and the number of
// options (0..4); the rest is split at '\x01' into response, gold answer, gold value and the
// options. Contract checked: nothing throws; a correct choice match names a real option; the
// extracted span is what extract_answer returns; normalize_text is idempotent.
#include <cstdint>
#include <string>
#include <vector>

#include "data/answer_match.h"
#include "fuzz_util.h"

namespace {

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out(1);
  for (char c : s) {
    if (c == sep) out.emplace_back();
    else out.back() += c;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace insightv::data;
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  std::vector<std::string> parts = split(insightv::fuzz::as_text(data + 1, size - 1), '\x01');
  parts.resize(std::max<size_t>(parts.size(), 3));
  GoldAnswer gold;
  gold.type = mode % 3 == 0 ? AnswerType::choice : mode % 3 == 1 ? AnswerType::number : AnswerType::text;
  gold.answer = parts[1];
  gold.value = parts[2];
  const size_t n_options = (mode / 3) % 5;
  for (size_t i = 0; i < n_options; ++i) gold.options.push_back(3 + i < parts.size() ? parts[3 + i] : "");
  const std::string& response = parts[0];

  const std::string span = extract_answer(response);
  const std::string norm = normalize_text(span);
  IV_FUZZ_CHECK(normalize_text(norm) == norm, "normalize_text is idempotent");
  parse_number(response);
  parse_option_letter(span, n_options);
  if (auto letter = parse_option_letter(span, n_options))
    IV_FUZZ_CHECK(*letter >= 'A' && *letter < 'A' + static_cast<int>(std::max<size_t>(n_options, 1)),
                  "option letter in range");
  const MatchResult m = match_answer(response, gold);
  IV_FUZZ_CHECK(m.extracted == span, "match_answer compares extract_answer's span");
  IV_FUZZ_CHECK(!m.reason.empty(), "a reason is always given");
  if (m.correct && gold.type == AnswerType::choice && m.reason == "option-text")
    IV_FUZZ_CHECK(!gold.answer.empty() && gold.answer[0] - 'A' >= 0 &&
                      static_cast<size_t>(std::toupper(static_cast<unsigned char>(gold.answer[0])) - 'A') < n_options,
                  "a correct option names a real option");
  return 0;
}
