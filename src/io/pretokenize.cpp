// io/pretokenize.cpp — see pretokenize.h.
#define PCRE2_CODE_UNIT_WIDTH 8
#include "io/pretokenize.h"

#include <pcre2.h>

#include "util/error.h"

namespace insightv {

const char* const kLlama3Pattern =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| "
    "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const char* const kGpt2Pattern =
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

// PCRE2's \s (with UCP) is Unicode White_Space plus U+180E MONGOLIAN VOWEL SEPARATOR (it keeps
// 180E in its horizontal-space list although Unicode 6.3 made it a format character). The
// reference engines follow White_Space, so every \s and \S is rewritten to leave U+180E out:
//   \s            → [^\S\x{180E}]          \S            → [\S\x{180E}]
//   [^ … \s … ]   → (?:[^ … \s … ]|\x{180E})   (nothing else in such a class names U+180E)
//   [ … \s … ]    → (?:(?!\x{180E})[ … \s … ])
//   \S in a class → \S\x{180E}
std::string adapt_whitespace_class(const std::string& p) {
  const size_t n = p.size();
  std::string out;
  out.reserve(n + 64);
  size_t i = 0;
  while (i < n) {
    const char c = p[i];
    if (c == '\\' && i + 1 < n) {
      const char e = p[i + 1];
      if (e == 's') out += "[^\\S\\x{180E}]";
      else if (e == 'S') out += "[\\S\\x{180E}]";
      else { out += '\\'; out += e; }
      i += 2;
      continue;
    }
    if (c != '[') {
      out += c;
      ++i;
      continue;
    }
    // A character class: [ ^? ]? body ]
    size_t j = i + 1;
    const bool negated = j < n && p[j] == '^';
    if (negated) ++j;
    const size_t body_start = j;
    if (j < n && p[j] == ']') ++j;  // a leading ']' is a literal member
    while (j < n && p[j] != ']') {
      if (p[j] == '\\') j += 2;
      else if (p[j] == '[' && j + 1 < n && p[j + 1] == ':') {  // [:alpha:]
        const size_t close = p.find(":]", j + 2);
        j = close == std::string::npos ? n : close + 2;
      } else ++j;
    }
    if (j >= n) {  // unterminated: leave it to PCRE2 to report
      out.append(p, i, std::string::npos);
      break;
    }
    std::string body;
    bool has_s = false;
    for (size_t k = body_start; k < j; ++k) {
      if (p[k] == '\\' && k + 1 < j) {
        body += p[k];
        body += p[k + 1];
        if (p[k + 1] == 's') has_s = true;
        if (p[k + 1] == 'S') body += "\\x{180E}";
        ++k;
      } else {
        body += p[k];
      }
    }
    const std::string cls = std::string(negated ? "[^" : "[") + body + "]";
    if (!has_s) out += cls;
    else if (negated) out += "(?:" + cls + "|\\x{180E})";
    else out += "(?:(?!\\x{180E})" + cls + ")";
    i = j + 1;
  }
  return out;
}

Pretokenizer::Pretokenizer(const std::string& pattern) : pattern_(pattern) {
  const std::string adapted = adapt_whitespace_class(pattern);
  int err = 0;
  PCRE2_SIZE err_offset = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(adapted.data()), adapted.size(),
                                   PCRE2_UTF | PCRE2_UCP, &err, &err_offset, nullptr);
  if (code == nullptr) {
    PCRE2_UCHAR msg[256];
    pcre2_get_error_message(err, msg, sizeof(msg));
    throw Error("tokenizer",
                "bad pre-tokenizer regex at offset " + std::to_string(err_offset) + ": " +
                    reinterpret_cast<const char*>(msg) + " in /" + pattern + "/",
                "fix pre_tokenizer.pattern.Regex in tokenizer.json");
  }
  jit_ = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0;
  code_ = code;
}

Pretokenizer::~Pretokenizer() { pcre2_code_free(static_cast<pcre2_code*>(code_)); }

void Pretokenizer::split_impl(std::string_view text, EmitFn emit, void* ctx) const {
  if (text.empty()) return;
  auto* code = static_cast<pcre2_code*>(code_);
  // One ovector pair is enough: when it is too small pcre2_match returns 0 and still fills
  // the whole-match pair.
  pcre2_match_data* md = pcre2_match_data_create(1, nullptr);
  check(md != nullptr, "tokenizer", "out of memory creating PCRE2 match data");
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  const size_t n = text.size();
  size_t offset = 0, last = 0;
  while (offset < n) {
    const int rc = jit_ ? pcre2_jit_match(code, subject, n, offset, PCRE2_NO_UTF_CHECK, md, nullptr)
                        : pcre2_match(code, subject, n, offset, PCRE2_NO_UTF_CHECK, md, nullptr);
    if (rc == PCRE2_ERROR_NOMATCH) break;
    if (rc < 0) {
      pcre2_match_data_free(md);
      PCRE2_UCHAR msg[256];
      pcre2_get_error_message(rc, msg, sizeof(msg));
      throw Error("tokenizer", std::string("pre-tokenizer regex failed: ") +
                                   reinterpret_cast<const char*>(msg),
                  "is the input valid UTF-8?");
    }
    const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
    const size_t s = ov[0], e = ov[1];
    if (e == s) {  // empty match: produce nothing, step over one character
      offset = s + 1;
      while (offset < n && (static_cast<unsigned char>(text[offset]) & 0xC0) == 0x80) ++offset;
      continue;
    }
    if (s > last) emit(ctx, text.data() + last, s - last);
    emit(ctx, text.data() + s, e - s);
    last = offset = e;
  }
  if (last < n) emit(ctx, text.data() + last, n - last);
  pcre2_match_data_free(md);
}

std::vector<std::string> Pretokenizer::split_to_vector(std::string_view text) const {
  std::vector<std::string> out;
  split(text, [&](std::string_view piece) { out.emplace_back(piece); });
  return out;
}

}  // namespace insightv
