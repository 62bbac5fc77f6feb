// io/byte_level.cpp — see byte_level.h.
#include "io/byte_level.h"

#include <array>

namespace insightv {

namespace {

struct Tables {
  std::array<uint32_t, 256> to_cp{};
  std::array<int16_t, 512> from_cp{};  // every alphabet code point is below U+0144
  std::array<uint8_t, 256> order{};
  std::array<std::string, 256> utf8;
  Tables() {
    from_cp.fill(-1);
    int n = 0, extra = 0;
    auto printable = [](int b) {
      return (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
    };
    for (int b = 0; b < 256; ++b)
      if (printable(b)) { to_cp[b] = static_cast<uint32_t>(b); order[n++] = static_cast<uint8_t>(b); }
    for (int b = 0; b < 256; ++b)
      if (!printable(b)) { to_cp[b] = static_cast<uint32_t>(256 + extra++); order[n++] = static_cast<uint8_t>(b); }
    for (int b = 0; b < 256; ++b) {
      from_cp[to_cp[b]] = static_cast<int16_t>(b);
      append_utf8(to_cp[b], utf8[b]);
    }
  }
};

const Tables& tables() {
  static const Tables t;
  return t;
}

// Decodes one UTF-8 sequence at s[i]; returns its length, or 0 when invalid there.
size_t utf8_sequence(std::string_view s, size_t i, uint32_t* cp_out) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  const unsigned c = p[i];
  if (c < 0x80) { *cp_out = c; return 1; }
  size_t len;
  uint32_t cp, min;
  if ((c & 0xE0) == 0xC0) { len = 2; cp = c & 0x1F; min = 0x80; }
  else if ((c & 0xF0) == 0xE0) { len = 3; cp = c & 0x0F; min = 0x800; }
  else if ((c & 0xF8) == 0xF0) { len = 4; cp = c & 0x07; min = 0x10000; }
  else return 0;
  if (i + len > n) return 0;
  for (size_t k = 1; k < len; ++k) {
    if ((p[i + k] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (p[i + k] & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  *cp_out = cp;
  return len;
}

}  // namespace

uint32_t byte_to_codepoint(uint8_t b) { return tables().to_cp[b]; }

int codepoint_to_byte(uint32_t cp) { return cp < 512 ? tables().from_cp[cp] : -1; }

const uint8_t* byte_alphabet_order() { return tables().order.data(); }

void append_bytes_as_token_text(std::string_view raw, std::string& out) {
  const auto& t = tables();
  for (unsigned char b : raw) {
    if (b >= 33 && b <= 126) out.push_back(static_cast<char>(b));
    else out += t.utf8[b];
  }
}

std::string bytes_to_token_text(std::string_view raw) {
  std::string out;
  out.reserve(raw.size() * 2);
  append_bytes_as_token_text(raw, out);
  return out;
}

bool token_text_to_bytes(std::string_view text, std::string& out) {
  size_t i = 0;
  while (i < text.size()) {
    uint32_t cp = 0;
    const size_t len = utf8_sequence(text, i, &cp);
    if (len == 0) return false;
    const int b = codepoint_to_byte(cp);
    if (b < 0) return false;
    out.push_back(static_cast<char>(b));
    i += len;
  }
  return true;
}

void append_utf8(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

size_t valid_utf8_prefix(std::string_view s) {
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    // Fast path over ASCII, eight bytes at a time.
    while (i + 8 <= n) {
      uint64_t w;
      __builtin_memcpy(&w, s.data() + i, 8);
      if (w & 0x8080808080808080ULL) break;
      i += 8;
    }
    if (i >= n) break;
    uint32_t cp;
    const size_t len = utf8_sequence(s, i, &cp);
    if (len == 0) return i;
    i += len;
  }
  return n;
}

std::string repair_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    uint32_t cp;
    const size_t len = utf8_sequence(s, i, &cp);
    if (len > 0) {
      out.append(s.data() + i, len);
      i += len;
      continue;
    }
    // Skip the maximal prefix of a would-be sequence (a lead byte and its continuations).
    out += "\xEF\xBF\xBD";
    ++i;
    while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++i;
  }
  return out;
}

}  // namespace insightv
