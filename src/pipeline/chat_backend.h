// pipeline/chat_backend.h — the one interface every reasoning-data generator implements: given
// a conversation (system, user with image, assistant, ...), return the next assistant message.
// Backends are named by one string (DESIGN.md): "teacher", "local:PATH", "openai:URL".
//
//   std::unique_ptr<ChatBackend> b = make_backend("teacher", {});
//   ChatRequest req{&messages, &task, image_path, /*seed=*/mix_seed(7, 3)};
//   std::string reply = b->chat(req);          // one assistant message (a JSON step, ideally)
//
// What it is: the contract and the factory. What it isn't: the progressive protocol
// (pipeline/protocol.h drives any backend through it) or a backend's transport.
// Thread-safety: chat() may be called from several threads at once on one backend.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "io/json.h"
#include "world/task.h"

namespace insightv::pipeline {

struct ChatMessage {
  std::string role;         // "system" | "user" | "assistant"
  std::string text;
  bool has_image = false;   // the request's image goes before the text of this message
};

struct SamplingOptions {
  double temperature = 0.7;         // PAPER.md §1.1 [CODE]
  double top_p = 0.95;
  double repetition_penalty = 1.05;
  int max_tokens = 1024;
};

struct ChatRequest {
  const std::vector<ChatMessage>* messages = nullptr;
  // The task being reasoned about. Only the teacher reads it (its solver chain and scene);
  // model backends see the image and the messages alone.
  const world::Task* task = nullptr;
  std::string image_path;   // absolute or relative to the working folder; may be empty
  uint64_t seed = 0;        // per path: sampling streams are reproducible
  SamplingOptions sampling;
};

class ChatBackend {
 public:
  virtual ~ChatBackend() = default;
  // The next assistant message. Throws Error when the backend itself fails (after its own
  // retries); a malformed message is not an error here — the protocol repairs or retries.
  virtual std::string chat(const ChatRequest& req) = 0;
  // The name it was made from ("teacher", "openai:http://...").
  virtual std::string name() const = 0;
  // Ground-truth facts the backend knows about the path with this seed (the teacher's injected
  // mistakes); null for model backends.
  virtual json provenance(const world::Task& /*task*/, uint64_t /*seed*/) const { return nullptr; }
};

struct BackendOptions {
  // teacher
  json teacher;              // TeacherOptions as JSON (see pipeline/teacher.h); null = defaults
  // openai
  int concurrency = 8;       // requests in flight
  double timeout_s = 120;
  int max_retries = 5;
  std::string model;         // "model" field of the request; empty = "default"
};

// "teacher" | "local:PATH" | "openai:URL". Throws Error naming the unknown scheme.
std::unique_ptr<ChatBackend> make_backend(const std::string& name, const BackendOptions& opts);

}  // namespace insightv::pipeline
