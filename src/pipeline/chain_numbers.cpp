// pipeline/chain_numbers.cpp — see chain_numbers.h.
#include "pipeline/chain_numbers.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <optional>

namespace insightv::pipeline {
namespace {

// A tiny evaluator for "2 x (6 + 9)"-style expressions; nullopt on anything else.
struct Expr {
  const std::string& s;
  size_t i = 0;
  void ws() { while (i < s.size() && s[i] == ' ') ++i; }
  std::optional<double> atom() {
    ws();
    if (i < s.size() && s[i] == '(') {
      ++i;
      auto v = sum();
      ws();
      if (!v || i >= s.size() || s[i] != ')') return std::nullopt;
      ++i;
      return v;
    }
    size_t j = i;
    while (j < s.size() && (std::isdigit(static_cast<unsigned char>(s[j])) || s[j] == '.')) ++j;
    if (j == i) return std::nullopt;
    const double v = std::stod(s.substr(i, j - i));
    i = j;
    return v;
  }
  std::optional<double> product() {
    auto v = atom();
    for (;;) {
      ws();
      if (!v || i >= s.size() || (s[i] != 'x' && s[i] != '*' && s[i] != '/')) return v;
      const char op = s[i++];
      auto r = atom();
      if (!r) return std::nullopt;
      v = op == '/' ? (*r == 0 ? std::optional<double>() : *v / *r) : *v * *r;
    }
  }
  std::optional<double> sum() {
    auto v = product();
    for (;;) {
      ws();
      if (!v || i >= s.size() || (s[i] != '+' && s[i] != '-')) return v;
      const char op = s[i++];
      auto r = product();
      if (!r) return std::nullopt;
      v = op == '+' ? *v + *r : *v - *r;
    }
  }
};

}  // namespace


std::vector<NumTok> number_tokens(const std::string& s, bool keep_letter_suffixed) {
  std::vector<NumTok> out;
  for (size_t i = 0; i < s.size();) {
    if (std::isdigit(static_cast<unsigned char>(s[i])) &&
        (i == 0 || !std::isalnum(static_cast<unsigned char>(s[i - 1])))) {
      size_t j = i;
      while (j < s.size() && (std::isdigit(static_cast<unsigned char>(s[j])) ||
                              (s[j] == '.' && j + 1 < s.size() &&
                               std::isdigit(static_cast<unsigned char>(s[j + 1])))))
        ++j;
      if (keep_letter_suffixed || j == s.size() || !std::isalpha(static_cast<unsigned char>(s[j])))
        out.push_back({i, j - i, s.substr(i, j - i)});
      i = j;
    } else {
      ++i;
    }
  }
  return out;
}

// Replaces every whole-token occurrence of `from` with `to`.
std::string replace_number(const std::string& s, const std::string& from, const std::string& to) {
  std::string out;
  size_t last = 0;
  for (const NumTok& t : number_tokens(s)) {
    if (t.text != from) continue;
    out += s.substr(last, t.pos - last) + to;
    last = t.pos + t.len;
  }
  return out + s.substr(last);
}

// Redoes every "EXPR = N" in text whose N no longer equals EXPR; returns the (old, new)
// results it changed, in order.
std::vector<std::pair<std::string, std::string>> recompute_equations(std::string& text) {
  std::vector<std::pair<std::string, std::string>> changed;
  for (size_t eq = text.find(" = "); eq != std::string::npos; eq = text.find(" = ", eq + 3)) {
    size_t a = eq;
    while (a > 0 && std::string("0123456789.+-*/() x").find(text[a - 1]) != std::string::npos) --a;
    if (a > 0 && std::isalpha(static_cast<unsigned char>(text[a - 1]))) ++a;  // "box" is no operator
    std::string expr = text.substr(a, eq - a);
    while (!expr.empty() && !std::isdigit(static_cast<unsigned char>(expr[0])) && expr[0] != '(') expr.erase(0, 1);
    if (expr.empty()) continue;
    Expr e{expr};
    const auto v = e.sum();
    if (!v || e.i != expr.size()) continue;
    const auto toks = number_tokens(text.substr(eq + 3));
    if (toks.empty() || toks[0].pos != 0) continue;
    const std::string old = toks[0].text;
    char buf[32];
    if (std::fabs(*v - std::round(*v)) < 1e-9) std::snprintf(buf, sizeof buf, "%ld", std::lround(*v));
    else std::snprintf(buf, sizeof buf, "%.1f", *v);
    if (old == buf || std::fabs(std::stod(old) - *v) < 1e-6) continue;
    text.replace(eq + 3, old.size(), buf);
    changed.push_back({old, buf});
  }
  return changed;
}

}  // namespace insightv::pipeline
