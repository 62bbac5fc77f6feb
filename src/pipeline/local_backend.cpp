// pipeline/local_backend.cpp — placeholder until the local: backend lands.
#include "pipeline/chat_backend.h"
#include "util/error.h"

namespace insightv::pipeline {
std::unique_ptr<ChatBackend> make_local_backend(const std::string& dir, const BackendOptions&) {
  throw Error("backend", "local:" + dir + " is not implemented yet", "use teacher or openai:URL");
}
}  // namespace insightv::pipeline
