// server/openai_api.h — the OpenAI wire format: request parsing with validation, responses,
// stream chunks and error bodies. Torch-free and HTTP-free (server/http_server.h does HTTP).
//
//   ChatRequest r = parse_chat_request(body, limits);   // throws ApiError (400) naming the field
//   json resp = chat_response(id, model, choices, usage);
//   json chunk = chat_chunk(id, model, 0, {{"reasoning_content", "Step 1"}});
//   json err = error_body(ApiError(400, "messages must be an array", "messages"));
//
// Images: content parts {"type": "image_url", "image_url": {"url": ...}} with data: URIs
// (base64 PNG/JPEG); local paths (file:// or absolute) only when limits.allow_local_files;
// http(s) URLs are refused. Each image becomes an "<image>\n" marker before the message text.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "io/chat_template.h"
#include "io/image.h"
#include "io/json.h"

namespace insightv {

// An error with its HTTP status and OpenAI fields; handlers turn it into error_body().
class ApiError : public std::runtime_error {
 public:
  ApiError(int status, std::string message, std::string param = {}, std::string code = {},
           std::string type = "invalid_request_error")
      : std::runtime_error(message), status(status), param(std::move(param)), code(std::move(code)),
        type(std::move(type)) {}
  int status;
  std::string param, code, type;
};

struct RequestLimits {
  size_t max_image_bytes = 8u << 20;       // decoded bytes of one image
  int64_t max_image_pixels = 4096 * 4096;  // width × height
  int max_images = 4;
  int max_n = 8;
  int max_tokens = 4096;                   // the most new tokens a request may ask for
  int max_messages = 256;
  bool allow_local_files = false;
};

struct SamplingOverrides {
  int n = 1;
  std::optional<float> temperature, top_p;
  std::optional<int> max_tokens;
  std::optional<uint64_t> seed;
  std::vector<std::string> stop;
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage
  bool include_insightv = false;  // stream_options.include_insightv: a last chunk with the vote
};

struct ChatRequest {
  std::string model;
  std::vector<ChatMessage> messages;  // contents with "<image>\n" markers
  std::vector<Image> images;          // in marker order
  std::string question;               // the last user message's text (no markers)
  SamplingOverrides sampling;
};

struct CompletionRequest {
  std::string model;
  std::string prompt;
  SamplingOverrides sampling;
};

ChatRequest parse_chat_request(const std::string& body, const RequestLimits& limits);
CompletionRequest parse_completion_request(const std::string& body, const RequestLimits& limits);

json error_body(const ApiError& e);
json error_body(int status, const std::string& message, const std::string& code = {});

struct Usage {
  int64_t prompt_tokens = 0, completion_tokens = 0;
  json to_json() const;
};
struct ChatChoice {
  std::string content, reasoning_content, finish_reason = "stop";
};

json chat_response(const std::string& id, const std::string& model, const std::vector<ChatChoice>& choices,
                   const Usage& usage);
json completion_response(const std::string& id, const std::string& model, const std::vector<ChatChoice>& choices,
                         const Usage& usage);
// One server-sent event's payload: a delta for choice `index` (finish_reason null unless given).
json chat_chunk(const std::string& id, const std::string& model, size_t index, const json& delta,
                const std::string& finish_reason = {});
json models_response(const std::vector<std::string>& names);
// "stop" | "length" (the engine's "cancelled" is reported as "stop").
std::string openai_finish_reason(const std::string& engine_reason);

}  // namespace insightv
