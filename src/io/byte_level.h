// io/byte_level.h — the GPT-2 / LLaMA-3 byte-level alphabet and UTF-8 helpers.
//
// Byte-level BPE never sees raw bytes: every byte 0..255 is first mapped to one printable
// Unicode character (printable Latin-1 bytes map to themselves, the other 68 to U+0100..U+0143,
// so a space becomes 'Ġ' and a newline 'Ċ'), and vocabulary tokens are strings over that
// alphabet. These functions convert between raw bytes and that alphabet.
//
//   std::string t = bytes_to_token_text("Hi\n");        // "HiĊ"
//   std::string b;  bool ok = token_text_to_bytes(t, b);  // b == "Hi\n"
//
// Also here: UTF-8 validation (the pre-tokenizer requires valid UTF-8) and lossy repair
// (invalid sequences become U+FFFD, as the reference decoders do). Pure functions, thread-safe.
// Not here: the pre-tokenizer (io/pretokenize.h) or the merges (io/bpe.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace insightv {

// The code point byte b maps to.
uint32_t byte_to_codepoint(uint8_t b);
// The byte code point cp stands for, or -1 when cp is not in the alphabet.
int codepoint_to_byte(uint32_t cp);
// The 256 bytes in the alphabet's canonical order (printable bytes first, as GPT-2 lists
// them); trained vocabularies give bytes their ids in this order.
const uint8_t* byte_alphabet_order();

// Maps each byte of raw to its alphabet character (UTF-8 encoded).
std::string bytes_to_token_text(std::string_view raw);
void append_bytes_as_token_text(std::string_view raw, std::string& out);
// The inverse; false when text holds a character outside the alphabet or is not UTF-8.
bool token_text_to_bytes(std::string_view text, std::string& out);

// Appends the UTF-8 encoding of cp.
void append_utf8(uint32_t cp, std::string& out);
// Length of the valid UTF-8 prefix of s (== s.size() when all of s is valid). Rejects
// overlong forms, surrogates and code points above U+10FFFF, as the standard requires.
size_t valid_utf8_prefix(std::string_view s);
// s with every maximal invalid subsequence replaced by U+FFFD.
std::string repair_utf8(std::string_view s);

}  // namespace insightv
