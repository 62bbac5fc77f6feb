// io/base64.cpp — base64 encode and strict decode.
#include "io/base64.h"

#include <array>
#include <cstdio>

#include "util/error.h"

namespace insightv {

namespace {
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::array<int8_t, 256> make_table() {
  std::array<int8_t, 256> t{};
  t.fill(-1);
  for (int i = 0; i < 64; ++i) t[static_cast<uint8_t>(kAlphabet[i])] = static_cast<int8_t>(i);
  return t;
}
}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t v = (uint32_t(uint8_t(bytes[i])) << 16) | (uint32_t(uint8_t(bytes[i + 1])) << 8) |
                       uint32_t(uint8_t(bytes[i + 2]));
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  const size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t v = uint32_t(uint8_t(bytes[i])) << 16;
    if (rest == 2) v |= uint32_t(uint8_t(bytes[i + 1])) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string base64_decode(std::string_view text, const std::string& source) {
  static const std::array<int8_t, 256> table = make_table();
  check(text.size() % 4 == 0, "base64",
        source + ": length " + std::to_string(text.size()) + " is not a multiple of 4",
        "truncated or not base64?");
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    int pad = 0;
    uint32_t v = 0;
    for (size_t k = 0; k < 4; ++k) {
      const char c = text[i + k];
      int d = table[static_cast<uint8_t>(c)];
      if (c == '=' && last && k >= 2) {
        ++pad;
        d = 0;
      } else if (d < 0 || pad > 0) {
        // Printable ASCII is quoted; any other byte is named in hex, so the message stays
        // valid UTF-8 (one byte of a multi-byte character is not; found by fuzz/openai_request).
        const auto u = static_cast<unsigned char>(c);
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02X", u);
        const std::string shown = u >= 0x20 && u < 0x7f ? "'" + std::string(1, c) + "'" : std::string("byte ") + hex;
        throw Error("base64",
                    source + ": invalid character " + shown + " at offset " + std::to_string(i + k),
                    "only A-Z a-z 0-9 + / and trailing '=' are allowed");
      }
      v = (v << 6) | static_cast<uint32_t>(d);
    }
    out += static_cast<char>((v >> 16) & 0xff);
    if (pad < 2) out += static_cast<char>((v >> 8) & 0xff);
    if (pad < 1) out += static_cast<char>(v & 0xff);
  }
  return out;
}

}  // namespace insightv
