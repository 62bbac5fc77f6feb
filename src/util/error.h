// util/error.h — the library's one error type.
//
// Every failure the library reports is an insightv::Error whose message reads
//   [where] what — hint
// e.g. "[safetensors] header length 9e18 exceeds file size 1204 — file truncated?".
// Library code throws; only the CLI's main() and HTTP handlers catch (STYLE.md §9).
// Not here: logging (util/log.h) and exit codes (tools/).
#pragma once

#include <stdexcept>
#include <string>

namespace insightv {

class Error : public std::runtime_error {
 public:
  // where: the component ("json", "safetensors", "cli"); what: what went wrong, with the
  // offending value; hint: what the user can do next (may be empty).
  Error(std::string where, std::string what, std::string hint = {});

  const std::string& where() const { return where_; }
  const std::string& what_text() const { return what_; }
  const std::string& hint() const { return hint_; }

 private:
  std::string where_, what_, hint_;
};

// Throws Error(where, what, hint) when cond is false. A function, not a macro: the message
// is built only by the caller, so keep expensive formatting behind the condition.
inline void check(bool cond, const char* where, const std::string& what,
                  const std::string& hint = {}) {
  if (!cond) throw Error(where, what, hint);
}

}  // namespace insightv
