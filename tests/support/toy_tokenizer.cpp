// tests/support/toy_tokenizer.cpp — see toy_tokenizer.h.
#include "support/toy_tokenizer.h"

#include "io/byte_level.h"
#include "io/pretokenize.h"

namespace insightv::test {

int32_t toy_byte_id(unsigned char b) {
  const uint8_t* order = byte_alphabet_order();
  for (int i = 0; i < 256; ++i)
    if (order[i] == b) return i;
  return -1;
}

std::vector<int32_t> toy_bytes(const std::string& s) {
  std::vector<int32_t> ids;
  for (unsigned char c : s) ids.push_back(toy_byte_id(c));
  return ids;
}

TokenizerSpec toy_spec(const std::vector<std::pair<std::string, std::string>>& merges,
                       const std::vector<std::string>& specials) {
  TokenizerSpec spec;
  spec.source = "toy";
  spec.pattern = kLlama3Pattern;
  const uint8_t* order = byte_alphabet_order();
  for (int i = 0; i < 256; ++i)
    spec.vocab.emplace_back(bytes_to_token_text(std::string(1, static_cast<char>(order[i]))), i);
  int32_t next = 256;
  for (const auto& [a, b] : merges) {
    spec.merges.emplace_back(bytes_to_token_text(a), bytes_to_token_text(b));
    spec.vocab.emplace_back(bytes_to_token_text(a + b), next++);
  }
  for (const auto& s : specials) {
    AddedTokenSpec t;
    t.id = next++;
    t.content = s;
    t.special = true;
    spec.added_tokens.push_back(t);
  }
  return spec;
}

}  // namespace insightv::test
