// util/error.cpp — formatting of insightv::Error messages.
#include "util/error.h"

namespace insightv {

namespace {
std::string format_error(const std::string& where, const std::string& what,
                         const std::string& hint) {
  std::string msg = "[" + where + "] " + what;
  if (!hint.empty()) msg += " — " + hint;
  return msg;
}
}  // namespace

Error::Error(std::string where, std::string what, std::string hint)
    : std::runtime_error(format_error(where, what, hint)),
      where_(std::move(where)),
      what_(std::move(what)),
      hint_(std::move(hint)) {}

}  // namespace insightv
