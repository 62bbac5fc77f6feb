// tests/support/toy_tokenizer.h — tiny hand-built tokenizers whose ids can be worked out by
// hand: the 256 byte symbols get ids 0..255 in the alphabet's order, then the given merges
// add one token each, then the special tokens.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "io/tokenizer_file.h"

namespace insightv::test {

// merges: pairs of RAW byte strings ("a","b"); specials: added special tokens.
TokenizerSpec toy_spec(const std::vector<std::pair<std::string, std::string>>& merges,
                       const std::vector<std::string>& specials = {});
// The id of raw byte b in a toy tokenizer.
int32_t toy_byte_id(unsigned char b);
// Ids of each byte of s in a toy tokenizer (what a tokenizer without merges produces).
std::vector<int32_t> toy_bytes(const std::string& s);

}  // namespace insightv::test
