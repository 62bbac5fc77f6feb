// pipeline/local_backend.h — the "local:PATH" backend: our own checkpoint (config.json,
// model.safetensors, tokenizer.json) answering the protocol through infer/generator.h.
//
//   LocalBackend b("runs/nano/reason", LocalOptions{});
//   std::string reply = b.chat(req);     // thread-safe (calls are serialised)
//   LocalStats s = b.stats();            // prefills, extends, image encodes, tokens
//
// Prefix cache: the conversation of one path only grows (system + image + question, the
// pre-filled turn, then a step and a user message per call), so each call continues from a
// cached DecodeState instead of re-encoding the image and the prompt. A state is cached at the
// last <|eot_id|> of every call's prompt (a boundary the next prompt shares exactly) and
// keyed by (image, token ids); a call clones the longest cached prefix of its prompt and
// extends it with the new tokens only. Paths of one question share the image + question
// prefix. Image features are cached per image file. LRU-bounded (max_cached_states).
// The template's image id must equal config mm.image_token_index (mapped if it differs).
// Not here: batching several paths in one forward (calls are serial on one Generator).
#pragma once

#include <memory>
#include <string>

#include "pipeline/chat_backend.h"

namespace insightv::pipeline {

struct LocalOptions {
  std::string chat_template = "llava_llama_3";
  int max_cached_states = 64;
};

struct LocalStats {
  int64_t calls = 0, prefills = 0, prefix_hits = 0, image_encodes = 0;
  int64_t tokens_prefilled = 0, tokens_extended = 0, tokens_generated = 0;
};

class LocalBackend : public ChatBackend {
 public:
  LocalBackend(const std::string& checkpoint_dir, LocalOptions opts = {});
  ~LocalBackend() override;
  std::string chat(const ChatRequest& req) override;
  std::string name() const override { return "local:" + dir_; }
  LocalStats stats() const;

 private:
  struct Impl;
  std::string dir_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace insightv::pipeline
