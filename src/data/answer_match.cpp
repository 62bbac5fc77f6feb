// data/answer_match.cpp — see answer_match.h.
#include "data/answer_match.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>

#include "io/json.h"

namespace insightv::data {
namespace {

bool is_digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

int option_letter_index(const std::string& letter) {
  return letter.empty() ? -1 : std::toupper(static_cast<unsigned char>(letter[0])) - 'A';
}

std::string trim(const std::string& s) {
  size_t a = 0, b = s.size();
  while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
  return s.substr(a, b - a);
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Strips trailing sentence punctuation and wrapping quotes / markdown emphasis.
std::string strip_wrapping(std::string s) {
  s = trim(s);
  bool changed = true;
  while (changed && !s.empty()) {
    changed = false;
    const char last = s.back();
    if (last == '.' || last == '!' || last == ',' || last == ';' || last == '*' || last == '"' ||
        last == '\'' || last == '`') {
      s.pop_back();
      changed = true;
    }
    if (!s.empty() && (s[0] == '*' || s[0] == '"' || s[0] == '\'' || s[0] == '`' || s[0] == ':')) {
      s.erase(0, 1);
      changed = true;
    }
    s = trim(s);
  }
  return s;
}

// Content of the last \boxed{...}, braces balanced; nullopt when absent.
std::optional<std::string> last_boxed(const std::string& text) {
  const size_t at = text.rfind("\\boxed{");
  if (at == std::string::npos) return std::nullopt;
  size_t i = at + 7;
  int depth = 1;
  std::string out;
  for (; i < text.size(); ++i) {
    if (text[i] == '{') ++depth;
    if (text[i] == '}' && --depth == 0) return trim(out);
    out += text[i];
  }
  return trim(out);
}

struct Extracted {
  std::string span;
  bool marked = false;  // found through a marker (boxed, "answer is", JSON content)
};

Extracted extract(const std::string& text) {
  if (auto b = last_boxed(text)) return {*b, true};
  const std::string t = trim(text);
  if (!t.empty() && t.front() == '{') {
    try {
      const json j = json::parse(t);
      if (j.is_object() && j.contains("content") && j["content"].is_string()) {
        Extracted inner = extract(j["content"].get<std::string>());
        inner.marked = true;
        return inner;
      }
    } catch (const std::exception&) {
    }
  }
  const std::string low = lower(t);
  static const char* markers[] = {"final answer is", "final answer:", "the answer is",
                                  "answer is",       "answer:",       "final answer"};
  size_t best = std::string::npos, best_len = 0;
  for (const char* m : markers) {
    const size_t at = low.rfind(m);
    if (at != std::string::npos && (best == std::string::npos || at > best)) {
      best = at;
      best_len = std::string(m).size();
    }
  }
  if (best != std::string::npos) {
    std::string rest = t.substr(best + best_len);
    const size_t nl = rest.find('\n');
    if (nl != std::string::npos && !trim(rest.substr(0, nl)).empty()) rest = rest.substr(0, nl);
    // End at the first sentence break that is not a decimal point.
    for (size_t i = 0; i + 1 < rest.size(); ++i) {
      if (rest[i] == '.' && std::isspace(static_cast<unsigned char>(rest[i + 1]))) {
        // "B. 7" keeps going: a lone letter before the dot is an option label.
        const std::string head = trim(rest.substr(0, i));
        if (head.size() == 1 && std::isupper(static_cast<unsigned char>(head[0]))) continue;
        rest = rest.substr(0, i);
        break;
      }
    }
    std::string span = strip_wrapping(rest);
    if (!span.empty()) return {span, true};
  }
  return {strip_wrapping(t), false};
}

std::vector<std::string> words(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (!cur.empty()) out.push_back(cur), cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

// True when `needle` (normalised) occurs in `hay` (normalised) on word boundaries.
bool contains_words(const std::string& hay, const std::string& needle) {
  if (needle.empty()) return false;
  size_t at = 0;
  while ((at = hay.find(needle, at)) != std::string::npos) {
    const bool left = at == 0 || hay[at - 1] == ' ';
    const size_t end = at + needle.size();
    const bool right = end == hay.size() || hay[end] == ' ';
    if (left && right) return true;
    ++at;
  }
  return false;
}

// "3:25" style times (hours without leading zero); nullopt when s holds none.
std::optional<std::string> find_time(const std::string& s) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != ':' || i == 0 || i + 2 >= s.size()) continue;
    size_t a = i;
    while (a > 0 && std::isdigit(static_cast<unsigned char>(s[a - 1]))) --a;
    if (a == i || i - a > 2) continue;
    if (!std::isdigit(static_cast<unsigned char>(s[i + 1])) ||
        !std::isdigit(static_cast<unsigned char>(s[i + 2])))
      continue;
    const int h = std::atoi(s.substr(a, i - a).c_str());
    return std::to_string(h) + ":" + s.substr(i + 1, 2);
  }
  return std::nullopt;
}

bool numbers_equal(double a, double b, const MatchOptions& o) {
  return std::fabs(a - b) <= std::max(o.abs_tol, o.rel_tol * std::fabs(b));
}

// The last number in s (for unmarked verbose text, where the conclusion comes last).
std::optional<double> last_number(const std::string& s) {
  std::optional<double> last;
  for (size_t i = 0; i < s.size(); ++i) {
    const bool start = std::isdigit(static_cast<unsigned char>(s[i])) &&
                       (i == 0 || !std::isdigit(static_cast<unsigned char>(s[i - 1])) ) &&
                       (i == 0 || (s[i - 1] != '.' && s[i - 1] != ',' && s[i - 1] != '/'));
    if (!start) continue;
    const size_t from = (i > 0 && s[i - 1] == '-') ? i - 1 : i;
    if (auto v = parse_number(s.substr(from))) last = v;
  }
  return last;
}

}  // namespace

GoldAnswer gold_from_task(const world::Task& t) {
  return GoldAnswer{t.answer_type, t.answer, t.answer_value, t.options};
}

std::string extract_answer(const std::string& text) { return extract(text).span; }

std::string normalize_text(const std::string& s) {
  std::string cleaned;
  for (char c : lower(s)) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '.' || c == ':' || c == '-' || c == '/' || (u & 0x80))
      cleaned += c;
    else
      cleaned += ' ';
  }
  std::string out;
  for (const std::string& w0 : words(cleaned)) {
    std::string w = w0;
    while (!w.empty() && (w.back() == '.' || w.back() == ':' || w.back() == '-')) w.pop_back();
    if (w.empty() || w == "a" || w == "an" || w == "the") continue;
    if (!out.empty()) out += ' ';
    out += w;
  }
  return out;
}

std::optional<double> parse_number(const std::string& s) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) continue;
    const bool neg = i > 0 && s[i - 1] == '-';
    std::string digits;
    size_t j = i;
    while (j < s.size()) {
      const char c = s[j];
      if (std::isdigit(static_cast<unsigned char>(c))) {
        digits += c;
      } else if (c == ',' && j + 3 < s.size() && is_digit(s[j + 1]) && is_digit(s[j + 2]) &&
                 is_digit(s[j + 3]) && (j + 4 >= s.size() || !is_digit(s[j + 4]))) {
        // thousands separator: skip
      } else if (c == '.' && j + 1 < s.size() && std::isdigit(static_cast<unsigned char>(s[j + 1])) &&
                 digits.find('.') == std::string::npos) {
        digits += c;
      } else {
        break;
      }
      ++j;
    }
    double v = std::strtod(digits.c_str(), nullptr);
    // A fraction "1/2".
    if (j + 1 < s.size() && s[j] == '/' && std::isdigit(static_cast<unsigned char>(s[j + 1]))) {
      const double den = std::strtod(s.c_str() + j + 1, nullptr);
      if (den != 0) v /= den;
    }
    return neg ? -v : v;
  }
  return std::nullopt;
}

std::optional<char> parse_option_letter(const std::string& s0, size_t n_options) {
  std::string s = trim(s0);
  const std::string low = lower(s);
  for (const char* prefix : {"option ", "choice ", "answer "}) {
    if (low.rfind(prefix, 0) == 0) s = trim(s.substr(std::string(prefix).size()));
  }
  if (s.empty()) return std::nullopt;
  const char last = static_cast<char>('A' + std::max<size_t>(n_options, 1) - 1);
  auto valid = [&](char c) { return c >= 'A' && c <= last; };
  if (s.size() >= 3 && s[0] == '(' && s[2] == ')' &&
      valid(static_cast<char>(std::toupper(static_cast<unsigned char>(s[1])))))
    return static_cast<char>(std::toupper(static_cast<unsigned char>(s[1])));
  if (s.size() == 1) {
    const char c = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
    return valid(c) ? std::optional<char>(c) : std::nullopt;
  }
  if (valid(s[0]) && (s[1] == '.' || s[1] == ')' || s[1] == ':' || s[1] == ',')) return s[0];
  return std::nullopt;
}

MatchResult match_answer(const std::string& response, const GoldAnswer& gold,
                         const MatchOptions& opts) {
  MatchResult r;
  const Extracted ex = extract(response);
  r.extracted = ex.span;
  if (trim(ex.span).empty()) {
    r.reason = "empty";
    return r;
  }
  const std::string norm = normalize_text(ex.span);

  if (gold.type == AnswerType::choice) {
    const size_t n = gold.options.size();
    if (auto letter = parse_option_letter(ex.span, n)) {
      r.correct = !gold.answer.empty() && *letter == gold.answer[0];
      r.reason = r.correct ? "letter" : "wrong-letter";
      return r;
    }
    // Option text: exact, then the only option whose words the span contains.
    std::vector<size_t> hits;
    for (size_t i = 0; i < n; ++i)
      if (normalize_text(gold.options[i]) == norm) hits.push_back(i);
    if (hits.empty()) {
      for (size_t i = 0; i < n; ++i)
        if (contains_words(norm, normalize_text(gold.options[i]))) hits.push_back(i);
    }
    if (hits.empty()) {
      // Numeric options: compare the number.
      const auto v = ex.marked ? parse_number(ex.span) : last_number(ex.span);
      if (v)
        for (size_t i = 0; i < n; ++i)
          if (auto o = parse_number(gold.options[i]); o && numbers_equal(*v, *o, opts))
            hits.push_back(i);
    }
    if (hits.size() == 1) {
      r.correct = option_letter_index(gold.answer) == static_cast<int>(hits[0]);
      r.reason = r.correct ? "option-text" : "wrong-option-text";
    } else {
      r.reason = hits.empty() ? "no-option" : "ambiguous-options";
    }
    return r;
  }

  if (auto gt = find_time(gold.value)) {
    const auto t = find_time(ex.span);
    r.correct = t && *t == *gt;
    r.reason = r.correct ? "time" : "mismatch";
    return r;
  }
  if (gold.type == AnswerType::number) {
    const auto g = parse_number(gold.value);
    const auto v = ex.marked ? parse_number(ex.span) : last_number(ex.span);
    if (g && v) {
      r.correct = numbers_equal(*v, *g, opts);
      r.reason = r.correct ? "number" : "mismatch";
      return r;
    }
  }
  const std::string g = normalize_text(gold.value);
  if (norm == g) {
    r.correct = true;
    r.reason = "text";
  } else if (words(norm).size() <= 8 && contains_words(norm, g) && !contains_words(norm, "not " + g)) {
    r.correct = true;
    r.reason = "text-contains";
  } else {
    r.reason = "mismatch";
  }
  return r;
}

}  // namespace insightv::data
