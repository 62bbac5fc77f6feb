// fuzz/openai_request_fuzz.cpp — libFuzzer target: server/openai_api.h, the validation of
// /v1/chat/completions and /v1/completions request bodies (data: URI images included). The
// input is the request body.
//
// Contract checked: parsing throws only ApiError (what the HTTP handler turns into a 4xx), with
// a 4xx status; the error body it makes serialises; an accepted request respects the limits
// (n, max_tokens, images, pixels) and its messages serialise.
#include <cstdint>
#include <string>

#include "fuzz_util.h"
#include "server/openai_api.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  insightv::RequestLimits lim;
  lim.max_image_bytes = 1u << 20;
  lim.max_image_pixels = 512 * 512;
  lim.max_images = 4;
  lim.max_n = 8;
  lim.max_tokens = 4096;
  lim.allow_local_files = false;
  const std::string body(insightv::fuzz::as_text(data, size));
  try {
    const insightv::ChatRequest r = insightv::parse_chat_request(body, lim);
    IV_FUZZ_CHECK(!r.messages.empty(), "messages");
    IV_FUZZ_CHECK(static_cast<int>(r.images.size()) <= lim.max_images, "image count limit");
    for (const auto& img : r.images)
      IV_FUZZ_CHECK(static_cast<int64_t>(img.width) * img.height <= lim.max_image_pixels && !img.empty() &&
                        img.rgb.size() == static_cast<size_t>(img.width) * img.height * 3,
                    "image limits");
    IV_FUZZ_CHECK(r.sampling.n >= 1 && r.sampling.n <= lim.max_n, "n limit");
    IV_FUZZ_CHECK(!r.sampling.max_tokens || (*r.sampling.max_tokens >= 1 && *r.sampling.max_tokens <= lim.max_tokens),
                  "max_tokens limit");
    insightv::json msgs = insightv::json::array();
    for (const auto& m : r.messages) msgs.push_back({{"role", m.role}, {"content", m.content}});
    msgs.dump();
  } catch (const insightv::ApiError& e) {
    IV_FUZZ_CHECK(e.status >= 400 && e.status < 500, "a 4xx status");
    insightv::error_body(e).dump();
  }
  try {
    const insightv::CompletionRequest r = insightv::parse_completion_request(body, lim);
    IV_FUZZ_CHECK(!r.prompt.empty(), "prompt");
  } catch (const insightv::ApiError& e) {
    IV_FUZZ_CHECK(e.status >= 400 && e.status < 500, "a 4xx status");
    insightv::error_body(e).dump();
  }
  return 0;
}
