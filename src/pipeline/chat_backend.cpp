// pipeline/chat_backend.cpp — the backend factory (see chat_backend.h).
#include "pipeline/chat_backend.h"

#include "pipeline/teacher.h"
#include "util/error.h"

namespace insightv::pipeline {

// Defined in openai_backend.cpp and local_backend.cpp.
std::unique_ptr<ChatBackend> make_openai_backend(const std::string& url, const BackendOptions& o);
std::unique_ptr<ChatBackend> make_local_backend(const std::string& dir, const BackendOptions& o);

std::unique_ptr<ChatBackend> make_backend(const std::string& name, const BackendOptions& opts) {
  if (name == "teacher")
    return std::make_unique<TeacherBackend>(teacher_options_from_json(opts.teacher));
  if (name.rfind("openai:", 0) == 0) return make_openai_backend(name.substr(7), opts);
  if (name.rfind("local:", 0) == 0) return make_local_backend(name.substr(6), opts);
  throw Error("backend", "unknown backend '" + name + "'",
              "use teacher, local:CHECKPOINT_DIR or openai:http://HOST:PORT/v1");
}

}  // namespace insightv::pipeline
