// pipeline/step_json.cpp — see step_json.h.
#include "pipeline/step_json.h"

#include <cctype>

namespace insightv::pipeline {
namespace {

std::optional<json> try_parse(const std::string& s) {
  if (json_nesting_depth(s) > kMaxJsonDepth) return std::nullopt;  // copies would recurse that deep
  try {
    json j = json::parse(s);
    if (j.is_object()) return j;
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

// The text from the first '{' to its balanced '}' (string-aware), or to the end when the
// object is not closed.
std::string first_object(const std::string& s, bool* closed) {
  const size_t start = s.find('{');
  *closed = false;
  if (start == std::string::npos) return {};
  int depth = 0;
  bool in_str = false, esc = false;
  char quote = 0;
  for (size_t i = start; i < s.size(); ++i) {
    const char c = s[i];
    if (in_str) {
      if (esc) esc = false;
      else if (c == '\\') esc = true;
      else if (c == quote) in_str = false;
      continue;
    }
    if (c == '"' || c == '\'') {
      in_str = true;
      quote = c;
    } else if (c == '{') {
      ++depth;
    } else if (c == '}' && --depth == 0) {
      *closed = true;
      return s.substr(start, i - start + 1);
    }
  }
  return s.substr(start);
}

// Rewrites single-quoted strings to double-quoted, escapes raw control characters inside
// strings, drops trailing commas before } or ], and closes an unterminated string/object.
std::string normalise(const std::string& s) {
  std::string out;
  bool in_str = false, esc = false;
  char quote = 0;
  int depth = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (in_str) {
      if (esc) {
        out += c;
        esc = false;
      } else if (c == '\\') {
        out += c;
        esc = true;
      } else if (c == quote) {
        out += '"';
        in_str = false;
      } else if (c == '"') {
        out += "\\\"";  // a double quote inside a single-quoted string
      } else if (c == '\n') {
        out += "\\n";
      } else if (c == '\t') {
        out += "\\t";
      } else if (c == '\r') {
      } else {
        out += c;
      }
      continue;
    }
    if (c == '"' || c == '\'') {
      // An apostrophe inside a bare word is not a quote (it cannot be: we are outside strings).
      in_str = true;
      quote = c;
      out += '"';
    } else if (c == ',') {
      size_t j = i + 1;
      while (j < s.size() && std::isspace(static_cast<unsigned char>(s[j]))) ++j;
      if (j < s.size() && (s[j] == '}' || s[j] == ']')) continue;  // trailing comma
      if (j == s.size()) continue;
      out += c;
    } else {
      if (c == '{') ++depth;
      if (c == '}') --depth;
      out += c;
    }
  }
  if (in_str) out += '"';
  while (depth-- > 0) out += '}';
  return out;
}

}  // namespace

std::optional<json> repair_json_object(const std::string& reply) {
  bool closed = false;
  const std::string obj = first_object(reply, &closed);
  if (obj.empty()) return std::nullopt;
  if (closed)
    if (auto j = try_parse(obj)) return j;
  return try_parse(normalise(obj));
}

std::optional<ParsedStep> parse_step(const std::string& reply, const StepParseOptions& opts) {
  ParsedStep step;
  std::optional<json> j = try_parse(reply);
  if (!j && opts.repair) {
    j = repair_json_object(reply);
    step.repaired = j.has_value();
  }
  if (!j) return std::nullopt;
  const json& o = *j;
  if (!o.contains("title") || !o["title"].is_string() || !o.contains("content")) return std::nullopt;
  step.title = o["title"].get<std::string>();
  if (o["content"].is_string())
    step.content = o["content"].get<std::string>();
  else if (opts.repair)
    step.content = o["content"].dump();  // a number or list where text was asked for
  else
    return std::nullopt;
  if (o.contains("next_action") && o["next_action"].is_string()) {
    std::string a = o["next_action"].get<std::string>();
    if (a == "summary" || a == "final answer" || a == "final") a = "final_answer";
    if (a != "continue" && a != "final_answer") {
      if (!opts.repair) return std::nullopt;
      a = "continue";
    }
    step.next_action = a;
  } else if (opts.require_next_action) {
    return std::nullopt;
  }
  return step;
}

json step_to_json(const ParsedStep& s) {
  return json{{"title", s.title}, {"content", s.content}, {"next_action", s.next_action}};
}

}  // namespace insightv::pipeline
