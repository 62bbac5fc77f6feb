// server/openai_api.cpp — validation of OpenAI requests and the JSON of responses.
#include "server/openai_api.h"

#include <algorithm>

#include <ctime>

#include "io/base64.h"
#include "util/error.h"
#include "util/fs.h"

namespace insightv {

namespace {

[[noreturn]] void bad(const std::string& message, const std::string& param, const std::string& code = "invalid_value") {
  throw ApiError(400, message, param, code);
}

json parse_body(const std::string& body) {
  if (body.empty()) bad("request body is empty; send a JSON object", "", "invalid_json");
  if (json_nesting_depth(body) > kMaxJsonDepth)
    bad("request body nests deeper than " + std::to_string(kMaxJsonDepth) + " levels", "", "invalid_json");
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) bad("request body is not valid JSON", "", "invalid_json");
  if (!j.is_object()) bad("request body must be a JSON object", "", "invalid_json");
  return j;
}

Image load_image_url(const std::string& url, const std::string& param, const RequestLimits& lim) {
  std::string bytes;
  if (url.rfind("data:", 0) == 0) {
    const size_t comma = url.find(',');
    if (comma == std::string::npos || url.substr(0, comma).find(";base64") == std::string::npos)
      bad("image data URI must be data:image/<type>;base64,<data>", param, "invalid_image");
    if ((url.size() - comma) / 4 * 3 > lim.max_image_bytes + 3)
      bad("image is larger than " + std::to_string(lim.max_image_bytes) + " bytes", param, "image_too_large");
    try {
      bytes = base64_decode(std::string_view(url).substr(comma + 1), param);
    } catch (const Error& e) {
      bad(std::string("image data is not valid base64: ") + e.what(), param, "invalid_base64");
    }
  } else if (url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0) {
    bad("remote image URLs are not fetched; send the image as a data: URI", param, "unsupported_image_url");
  } else {
    std::string path = url.rfind("file://", 0) == 0 ? url.substr(7) : url;
    if (!lim.allow_local_files)
      bad("local image paths are disabled; send a data: URI (or start the server with --allow-local-files)", param,
          "unsupported_image_url");
    if (!file_exists(path)) bad("image file not found: " + path, param, "invalid_image");
    bytes = read_file(path);
  }
  if (bytes.size() > lim.max_image_bytes)
    bad("image is larger than " + std::to_string(lim.max_image_bytes) + " bytes", param, "image_too_large");
  // The declared size is checked before decoding: a small file can declare a huge image.
  ImageSize size;
  try {
    size = image_size(bytes, param);
  } catch (const Error& e) {
    bad(std::string("not a decodable PNG/JPEG image: ") + e.what(), param, "invalid_image");
  }
  if (static_cast<int64_t>(size.width) * size.height > lim.max_image_pixels)
    bad("image is " + std::to_string(size.width) + "x" + std::to_string(size.height) + ", above the limit of " +
            std::to_string(lim.max_image_pixels) + " pixels",
        param, "image_too_large");
  Image img;
  try {
    img = decode_image(bytes, param, lim.max_image_pixels);
  } catch (const Error& e) {
    bad(std::string("not a decodable PNG/JPEG image: ") + e.what(), param, "invalid_image");
  }
  return img;
}

SamplingOverrides parse_sampling(const json& j, const RequestLimits& lim) {
  SamplingOverrides s;
  auto number = [&](const char* key) -> std::optional<double> {
    if (!j.contains(key) || j[key].is_null()) return std::nullopt;
    if (!j[key].is_number()) bad(std::string(key) + " must be a number", key, "invalid_type");
    return j[key].get<double>();
  };
  auto integer = [&](const char* key) -> std::optional<int64_t> {
    if (!j.contains(key) || j[key].is_null()) return std::nullopt;
    if (!j[key].is_number_integer()) bad(std::string(key) + " must be an integer", key, "invalid_type");
    return j[key].get<int64_t>();
  };
  if (auto n = integer("n")) {
    if (*n < 1 || *n > lim.max_n) bad("n must be between 1 and " + std::to_string(lim.max_n), "n");
    s.n = static_cast<int>(*n);
  }
  if (auto t = number("temperature")) {
    if (*t < 0 || *t > 2) bad("temperature must be between 0 and 2", "temperature");
    s.temperature = static_cast<float>(*t);
  }
  if (auto p = number("top_p")) {
    if (*p <= 0 || *p > 1) bad("top_p must be in (0, 1]", "top_p");
    s.top_p = static_cast<float>(*p);
  }
  for (const char* key : {"max_tokens", "max_completion_tokens"})
    if (auto m = integer(key)) {
      if (*m < 1) bad(std::string(key) + " must be >= 1", key);
      if (*m > lim.max_tokens)
        bad(std::string(key) + " = " + std::to_string(*m) + " exceeds this server's limit of " +
                std::to_string(lim.max_tokens),
            key, "context_length_exceeded");
      s.max_tokens = static_cast<int>(*m);
    }
  if (auto seed = integer("seed")) s.seed = static_cast<uint64_t>(*seed);
  if (j.contains("stop") && !j["stop"].is_null()) {
    const json& st = j["stop"];
    if (st.is_string()) s.stop.push_back(st.get<std::string>());
    else if (st.is_array() && st.size() <= 4) {
      for (const auto& x : st) {
        if (!x.is_string()) bad("stop must be a string or an array of up to 4 strings", "stop", "invalid_type");
        s.stop.push_back(x.get<std::string>());
      }
    } else bad("stop must be a string or an array of up to 4 strings", "stop", "invalid_type");
  }
  if (j.contains("stream") && !j["stream"].is_null()) {
    if (!j["stream"].is_boolean()) bad("stream must be a boolean", "stream", "invalid_type");
    s.stream = j["stream"].get<bool>();
  }
  if (j.contains("stream_options") && j["stream_options"].is_object()) {
    const json& so = j["stream_options"];
    if (so.contains("include_usage") && !so["include_usage"].is_null()) {
      if (!so["include_usage"].is_boolean())
        bad("stream_options.include_usage must be a boolean", "stream_options.include_usage", "invalid_type");
      s.include_usage = so["include_usage"].get<bool>();
    }
    if (so.contains("include_insightv") && !so["include_insightv"].is_null()) {
      if (!so["include_insightv"].is_boolean())
        bad("stream_options.include_insightv must be a boolean", "stream_options.include_insightv", "invalid_type");
      s.include_insightv = so["include_insightv"].get<bool>();
    }
  }
  return s;
}

std::string model_of(const json& j) {
  if (!j.contains("model") || j["model"].is_null()) return "";
  if (!j["model"].is_string()) bad("model must be a string", "model", "invalid_type");
  return j["model"].get<std::string>();
}

}  // namespace

ChatRequest parse_chat_request(const std::string& body, const RequestLimits& lim) {
  const json j = parse_body(body);
  ChatRequest r;
  r.model = model_of(j);
  if (!j.contains("messages")) bad("messages is required", "messages", "missing_required_parameter");
  const json& msgs = j["messages"];
  if (!msgs.is_array()) bad("messages must be an array", "messages", "invalid_type");
  if (msgs.empty()) bad("messages must not be empty", "messages");
  if (static_cast<int>(msgs.size()) > lim.max_messages) bad("too many messages", "messages");
  for (size_t i = 0; i < msgs.size(); ++i) {
    const std::string where = "messages[" + std::to_string(i) + "]";
    const json& m = msgs[i];
    if (!m.is_object()) bad(where + " must be an object", where, "invalid_type");
    if (!m.contains("role") || !m["role"].is_string()) bad(where + ".role must be a string", where + ".role", "invalid_type");
    std::string role = m["role"].get<std::string>();
    if (role == "developer") role = "system";
    if (role != "system" && role != "user" && role != "assistant")
      bad(where + ".role must be system, user or assistant (got '" + role + "')", where + ".role");
    std::string images, text;
    const json content = m.contains("content") ? m["content"] : json();
    if (content.is_string()) {
      text = content.get<std::string>();
    } else if (content.is_array()) {
      for (size_t k = 0; k < content.size(); ++k) {
        const std::string pw = where + ".content[" + std::to_string(k) + "]";
        const json& part = content[k];
        if (!part.is_object() || !part.contains("type") || !part["type"].is_string())
          bad(pw + " must be an object with a type", pw, "invalid_type");
        const std::string type = part["type"].get<std::string>();
        if (type == "text") {
          if (!part.contains("text") || !part["text"].is_string()) bad(pw + ".text must be a string", pw + ".text", "invalid_type");
          text += (text.empty() ? "" : "\n") + part["text"].get<std::string>();
        } else if (type == "image_url") {
          const json iu = part.contains("image_url") ? part["image_url"] : json();
          std::string url;
          if (iu.is_string()) url = iu.get<std::string>();
          else if (iu.is_object() && iu.contains("url") && iu["url"].is_string()) url = iu["url"].get<std::string>();
          else bad(pw + ".image_url must be {\"url\": ...}", pw + ".image_url", "invalid_type");
          if (role != "user") bad("images are accepted in user messages only", pw);
          if (static_cast<int>(r.images.size()) >= lim.max_images)
            bad("too many images (limit " + std::to_string(lim.max_images) + ")", pw);
          r.images.push_back(load_image_url(url, pw + ".image_url", lim));
          images += "<image>\n";
        } else {
          bad(pw + ".type must be text or image_url (got '" + type + "')", pw + ".type");
        }
      }
    } else if (!content.is_null()) {
      bad(where + ".content must be a string or an array of parts", where + ".content", "invalid_type");
    } else if (role != "assistant") {
      bad(where + ".content is required", where + ".content", "missing_required_parameter");
    }
    // Typed "<image>" markers would not match the images sent: only image_url parts make one.
    for (size_t at; (at = text.find("<image>")) != std::string::npos;) text.erase(at, 7);
    if (role == "user") r.question = text;
    r.messages.push_back({role, images + text});
  }
  // A conversation may end with an assistant message (a pre-filled turn, as the paper's data
  // generator sends): the reply is a new assistant turn after it, as OpenAI and vLLM do.
  if (r.question.empty() && std::none_of(r.messages.begin(), r.messages.end(),
                                         [](const auto& m) { return m.role == "user"; }))
    bad("the conversation needs a user message", "messages");
  r.sampling = parse_sampling(j, lim);
  return r;
}

CompletionRequest parse_completion_request(const std::string& body, const RequestLimits& lim) {
  const json j = parse_body(body);
  CompletionRequest r;
  r.model = model_of(j);
  if (!j.contains("prompt")) bad("prompt is required", "prompt", "missing_required_parameter");
  if (j["prompt"].is_string()) r.prompt = j["prompt"].get<std::string>();
  else if (j["prompt"].is_array() && j["prompt"].size() == 1 && j["prompt"][0].is_string())
    r.prompt = j["prompt"][0].get<std::string>();
  else bad("prompt must be a string", "prompt", "invalid_type");
  if (r.prompt.empty()) bad("prompt must not be empty", "prompt");
  r.sampling = parse_sampling(j, lim);
  return r;
}

json error_body(const ApiError& e) {
  json err = {{"message", e.what()}, {"type", e.type}, {"param", nullptr}, {"code", nullptr}};
  if (!e.param.empty()) err["param"] = e.param;
  if (!e.code.empty()) err["code"] = e.code;
  return {{"error", err}};
}

json error_body(int status, const std::string& message, const std::string& code) {
  const std::string type = status == 429 ? "rate_limit_error" : status >= 500 ? "server_error" : "invalid_request_error";
  return error_body(ApiError(status, message, "", code, type));
}

json Usage::to_json() const {
  return {{"prompt_tokens", prompt_tokens}, {"completion_tokens", completion_tokens},
          {"total_tokens", prompt_tokens + completion_tokens}};
}

json chat_response(const std::string& id, const std::string& model, const std::vector<ChatChoice>& choices,
                   const Usage& usage) {
  json cs = json::array();
  for (size_t i = 0; i < choices.size(); ++i) {
    json msg = {{"role", "assistant"}, {"content", choices[i].content}};
    if (!choices[i].reasoning_content.empty()) msg["reasoning_content"] = choices[i].reasoning_content;
    cs.push_back({{"index", i}, {"message", msg}, {"finish_reason", choices[i].finish_reason}, {"logprobs", nullptr}});
  }
  return {{"id", id}, {"object", "chat.completion"}, {"created", static_cast<int64_t>(std::time(nullptr))},
          {"model", model}, {"choices", cs}, {"usage", usage.to_json()}};
}

json completion_response(const std::string& id, const std::string& model, const std::vector<ChatChoice>& choices,
                         const Usage& usage) {
  json cs = json::array();
  for (size_t i = 0; i < choices.size(); ++i)
    cs.push_back({{"index", i}, {"text", choices[i].content}, {"finish_reason", choices[i].finish_reason},
                  {"logprobs", nullptr}});
  return {{"id", id}, {"object", "text_completion"}, {"created", static_cast<int64_t>(std::time(nullptr))},
          {"model", model}, {"choices", cs}, {"usage", usage.to_json()}};
}

json chat_chunk(const std::string& id, const std::string& model, size_t index, const json& delta,
                const std::string& finish_reason) {
  json choice = {{"index", index}, {"delta", delta}, {"logprobs", nullptr}, {"finish_reason", nullptr}};
  if (!finish_reason.empty()) choice["finish_reason"] = finish_reason;
  return {{"id", id}, {"object", "chat.completion.chunk"}, {"created", static_cast<int64_t>(std::time(nullptr))},
          {"model", model}, {"choices", json::array({choice})}};
}

json models_response(const std::vector<std::string>& names) {
  json data = json::array();
  for (const auto& n : names) data.push_back({{"id", n}, {"object", "model"}, {"created", 0}, {"owned_by", "insightv"}});
  return {{"object", "list"}, {"data", data}};
}

std::string openai_finish_reason(const std::string& r) { return r == "length" ? "length" : "stop"; }

}  // namespace insightv
