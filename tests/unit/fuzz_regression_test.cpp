// tests/unit/fuzz_regression_test.cpp — inputs that crashed or broke a contract in the fuzz
// targets (fuzz/), kept as regression tests: one test per failure, named after the behaviour
// now expected. Each reproducer is also kept in the fuzz corpus as
// fuzz/corpus/<target>/regression-*, and FuzzRegression.KeptInputsAreHandled replays those
// files through the same APIs (an exception other than the library's own fails the test).
#include <dirent.h>

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "data/answer_match.h"
#include "data/llava_json.h"
#include "data/vlm_tsv.h"
#include "io/base64.h"
#include "io/image.h"
#include "io/json.h"
#include "io/safetensors.h"
#include "io/tokenizer.h"
#include "pipeline/step_json.h"
#include "server/openai_api.h"
#include "support/subprocess.h"
#include "support/test_images.h"
#include "util/error.h"
#include "util/fs.h"

using namespace insightv;

namespace {

std::string nested(int depth, const std::string& inner = "") {
  return std::string(depth, '[') + inner + std::string(depth, ']');
}

std::string temp_file(const std::string& name, const std::string& bytes) {
  const std::string path = test::make_temp_dir("fuzzreg") + "/" + name;
  write_file_atomic(path, bytes);
  return path;
}

// The error message of f(), or "" when it returned; any other exception escapes (a failure).
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

template <typename F>
ApiError api_error_of(F&& f) {
  try {
    f();
  } catch (const ApiError& e) {
    return e;
  }
  return ApiError(0, "no error");
}

// A 1x1 PNG whose IHDR is patched to declare width × height (stb does not check CRCs).
RequestLimits small_limits() {
  RequestLimits lim;
  lim.max_image_pixels = 512 * 512;
  return lim;
}

}  // namespace

// fuzz/llava_json: {"from": 1} threw nlohmann's type_error out of read_llava.
TEST(LlavaJson, NonStringTurnFieldIsAClearError) {
  const std::string path = temp_file("sft.json", R"([{"conversations": [{"from": 1, "value": "x"}]}])");
  const std::string err = error_of([&] { data::read_llava(path); });
  EXPECT_NE(err.find("must be strings"), std::string::npos) << err;
}

// fuzz/llava_json, fuzz/tokenizer_json: "1e400" threw nlohmann's out_of_range out of parse_json.
TEST(Json, NumberTooLargeForADoubleIsAnError) {
  const std::string err = error_of([] { parse_json("[1e400]", "x.json"); });
  EXPECT_NE(err.find("[json] x.json: number overflow"), std::string::npos) << err;
  const std::string path = temp_file("rows.jsonl", "{\"a\": 1}\n{\"a\": -1e999}\n");
  const std::string jsonl_err = error_of([&] { read_jsonl(path); });
  EXPECT_NE(jsonl_err.find(":2: number overflow"), std::string::npos) << jsonl_err;
}

// fuzz/openai_request and fuzz/step_json: copying or dumping a value nested 10,000 levels deep
// overflowed the stack (a 20 kB request body). Deep nesting is refused before parsing.
TEST(Json, NestingDeeperThanTheLimitIsRefused) {
  EXPECT_EQ(json_nesting_depth(R"({"a": [1, {"b": "[[[["}], "c": "\"]"})"), 3);
  EXPECT_NO_THROW(parse_json(nested(kMaxJsonDepth), "ok"));
  const std::string err = error_of([] { parse_json(nested(100000), "deep.json"); });
  EXPECT_NE(err.find("nests 100000 levels deep"), std::string::npos) << err;
}

TEST(OpenAiApi, DeeplyNestedBodyIsA400NotACrash) {
  const std::string body = R"({"messages": [{"role": "user", "content": )" + nested(100000) + "}]}";
  const ApiError e = api_error_of([&] { parse_chat_request(body, small_limits()); });
  EXPECT_EQ(e.status, 400);
  EXPECT_EQ(e.code, "invalid_json");
}

// fuzz/openai_request: stream_options.include_usage = 1 threw nlohmann's type_error (a 500).
TEST(OpenAiApi, NonBooleanIncludeUsageIsA400) {
  const std::string body =
      R"({"messages": [{"role": "user", "content": "x"}], "stream_options": {"include_usage": 1}})";
  const ApiError e = api_error_of([&] { parse_chat_request(body, small_limits()); });
  EXPECT_EQ(e.status, 400);
  EXPECT_EQ(e.param, "stream_options.include_usage");
}

// fuzz/openai_request: a data: URI holding an emoji made base64_decode name one byte of it in
// the message, which then was not UTF-8 and could not be serialised as JSON.
TEST(Base64, InvalidByteIsNamedInHexSoTheMessageIsUtf8) {
  const std::string err = error_of([] { base64_decode("QUJ\xf0\x9f\x98\x80" "A", "url"); });
  EXPECT_NE(err.find("invalid character byte 0xF0 at offset 3"), std::string::npos) << err;
  EXPECT_NO_THROW(json(err).dump());
  const ApiError e = api_error_of([] {
    parse_chat_request(R"({"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": )"
                       R"({"url": "data:image/png;base64,AAA\ud83d\ude00"}}]}]})",
                       small_limits());
  });
  EXPECT_EQ(e.code, "invalid_base64");
  EXPECT_NO_THROW(error_body(e).dump());
}

TEST(OpenAiApi, ImageDeclaringTooManyPixelsIsRefusedBeforeDecoding) {
  const std::string body =
      R"({"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "data:image/png;base64,)" +
      base64_encode(test::png_declaring(16000, 16000)) + R"("}}]}]})";
  const ApiError e = api_error_of([&] { parse_chat_request(body, small_limits()); });
  EXPECT_EQ(e.status, 400);
  EXPECT_EQ(e.code, "image_too_large");
}

TEST(Image, DeclaredSizeAboveTheLimitIsAnErrorBeforeDecoding) {
  const std::string png = test::png_declaring(16384, 16384);
  EXPECT_EQ(image_size(png, "a.png").width, 16384);
  const std::string err = error_of([&] { decode_image(png, "a.png"); });
  EXPECT_NE(err.find("16384x16384 is more than"), std::string::npos) << err;
}

// fuzz/image: a JPEG whose Huffman table counts sum past 256 made stb_image 2.27 write past
// the table (UBSan: index 257 out of bounds for stbi_uc[257]).
TEST(Image, JpegHuffmanTableWithMoreThan256SymbolsIsRefused) {
  const std::string dir = std::string(INSIGHTV_SOURCE_DIR) + "/fuzz/corpus/image/";
  const std::string bad = read_file(dir + "regression-jpeg-huffman-overflow");
  const std::string err = error_of([&] { decode_image(bad, "bad.jpg"); });
  EXPECT_NE(err.find("more than 256 symbols"), std::string::npos) << err;
  const Image ok = decode_image(read_file(dir + "pattern.jpg"), "pattern.jpg");  // a valid JPEG still decodes
  EXPECT_EQ(ok.width, 8);
  EXPECT_EQ(ok.height, 8);
}

// fuzz/image, a day later: the same overflow behind 123 FF fill bytes before the SOI marker
// (stb skips fill bytes before every marker; the check started at byte 0 only).
TEST(Image, JpegHuffmanOverflowBehindFillBytesIsRefused) {
  const std::string dir = std::string(INSIGHTV_SOURCE_DIR) + "/fuzz/corpus/image/";
  const std::string bad = read_file(dir + "regression-jpeg-fill-bytes-huffman-overflow");
  ASSERT_EQ(static_cast<unsigned char>(bad[0]), 0xFF);
  const std::string err = error_of([&] { decode_image(bad, "bad.jpg"); });
  EXPECT_NE(err.find("more than 256 symbols"), std::string::npos) << err;
  // A valid JPEG with fill bytes before its SOI still decodes.
  const std::string good = read_file(dir + "pattern.jpg");
  const Image ok = decode_image(std::string(5, '\xff') + good, "filled.jpg");
  EXPECT_EQ(ok.width, 8);
}

// fuzz/image: stb returned an image with no pixels, which decode_image handed out.
TEST(Image, FileDecodingToNoPixelsIsAnError) {
  const std::string bytes =
      read_file(std::string(INSIGHTV_SOURCE_DIR) + "/fuzz/corpus/image/regression-empty-image");
  const std::string err = error_of([&] { decode_image(bytes, "empty"); });
  EXPECT_NE(err.find("[image] empty:"), std::string::npos) << err;
}

// fuzz/image: a 251-byte BMP declaring 8 x 5,963,784 pixels (under the decode limit) made stb
// decode 143 MB of zero padding (a 12 s timeout under ASan). A truncated BMP is now refused
// before decoding; a complete BMP still decodes.
TEST(Image, TruncatedBmpIsRefusedBeforeDecoding) {
  const std::string dir = std::string(INSIGHTV_SOURCE_DIR) + "/fuzz/corpus/image/";
  const std::string bad = read_file(dir + "regression-bmp-truncated");
  EXPECT_EQ(image_size(bad, "bad.bmp").height, 5963784);
  const std::string err = error_of([&] { decode_image(bad, "bad.bmp"); });
  EXPECT_NE(err.find("truncated BMP"), std::string::npos) << err;
  const std::string good = read_file(dir + "pattern.bmp");
  const Image ok = decode_image(good, "pattern.bmp");
  EXPECT_GT(ok.width, 0);
  // The same file with its last byte cut is refused.
  const std::string cut_err = error_of([&] { decode_image(good.substr(0, good.size() - 1), "cut.bmp"); });
  EXPECT_NE(cut_err.find("truncated BMP (1 bytes"), std::string::npos) << cut_err;
}

// fuzz/image: a PNG whose first IDAT chunk is empty made stb_image memcpy into a null buffer
// (UBSan, in the ASan build of this test). Empty IDAT chunks are dropped before decoding: the
// kept input is a clear error (its image data is truncated), and a valid PNG with empty IDAT
// chunks before its data decodes to the same pixels.
TEST(Image, EmptyPngDataChunksAreDroppedBeforeDecoding) {
  const std::string dir = std::string(INSIGHTV_SOURCE_DIR) + "/fuzz/corpus/image/";
  const std::string err = error_of([&] { decode_image(read_file(dir + "regression-png-empty-idat"), "bad.png"); });
  EXPECT_NE(err.find("[image] bad.png"), std::string::npos) << err;
  const std::string good = read_file(dir + "pattern.png");
  const Image want = decode_image(good, "pattern.png");
  // Chunks: the 8-byte signature, IHDR (8 + 13 + 4 bytes), then the rest.
  const std::string empty_idat("\0\0\0\0IDAT\x35\xaf\x06\x1e", 12);
  ASSERT_EQ(good.substr(12, 4), "IHDR");
  const Image got = decode_image(good.substr(0, 33) + empty_idat + empty_idat + good.substr(33), "padded.png");
  EXPECT_EQ(got.width, want.width);
  EXPECT_EQ(got.height, want.height);
  EXPECT_EQ(got.rgb, want.rgb);
}

TEST(StepJson, DeeplyNestedReplyIsRejectedNotACrash) {
  const std::string reply = R"({"title": "t", "content": )" + nested(30000) + "}";
  EXPECT_FALSE(pipeline::parse_step(reply).has_value());
  EXPECT_FALSE(pipeline::repair_json_object(reply).has_value());
}

TEST(Safetensors, DeeplyNestedHeaderIsRejected) {
  const std::string header = R"({"x": {"dtype": "U8", "shape": [)" + nested(50000) + R"(], "data_offsets": [0, 0]}})";
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((header.size() >> (8 * i)) & 0xff);
  const std::string path = temp_file("deep.safetensors", bytes + header);
  const std::string err = error_of([&] { SafetensorsFile f(path); });
  EXPECT_NE(err.find("nests deeper"), std::string::npos) << err;
}

TEST(AnswerMatch, NonAsciiByteInParenthesesIsNotAnOptionLetter) {
  EXPECT_FALSE(data::parse_option_letter("(\xc3)", 4).has_value());
  EXPECT_EQ(data::parse_option_letter("(b)", 4), 'B');
}

// Every fuzz/corpus/<target>/regression-* file goes through the API its target feeds; only the
// library's own errors may come out.
TEST(FuzzRegression, KeptInputsAreHandled) {
  auto files = [](const std::string& target) {
    std::vector<std::string> out;
    const std::string dir = std::string(INSIGHTV_SOURCE_DIR) + "/fuzz/corpus/" + target;
    if (DIR* d = opendir(dir.c_str())) {
      while (const dirent* e = readdir(d))
        if (std::string(e->d_name).rfind("regression-", 0) == 0) out.push_back(dir + "/" + e->d_name);
      closedir(d);
    }
    return out;
  };
  size_t n = 0;
  auto replay = [&](const std::string& target, const std::function<void(const std::string&)>& use) {
    for (const auto& f : files(target)) {
      SCOPED_TRACE(f);
      error_of([&] { use(f); });  // an insightv::Error is fine; anything else fails the test
      ++n;
    }
  };
  replay("safetensors", [](const std::string& f) { SafetensorsFile s(f); });
  replay("tokenizer_json", [](const std::string& f) {
    Tokenizer(parse_tokenizer_json(parse_json(read_file(f), f), f)).encode("Hello <|eot_id|>");
  });
  replay("llava_json", [](const std::string& f) { data::read_llava(f); });
  replay("vlm_tsv", [](const std::string& f) { data::read_tsv(f); });
  replay("image", [](const std::string& f) { decode_image(read_file(f), f); });
  replay("step_json", [](const std::string& f) { pipeline::parse_step(read_file(f)); });
  replay("answer_match", [](const std::string& f) { data::extract_answer(read_file(f)); });
  for (const auto& f : files("openai_request")) {
    const std::string body = read_file(f);
    try {
      parse_chat_request(body, small_limits());
    } catch (const ApiError& e) {
      EXPECT_EQ(e.status / 100, 4) << f;
    }
    ++n;
  }
  RecordProperty("inputs", static_cast<int>(n));
}
