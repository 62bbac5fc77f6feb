// fuzz/make_corpus.cpp — writes the seed corpora under fuzz/corpus/<target>/ from the
// project's own writers (safetensors, tokenizer.json, PNG/JPEG/BMP, TSV, LLaVA JSON) and a
// few hand-written replies and requests, so the seeds are what the project reads in practice.
// Deterministic; rerun after a format change (fuzz/README.md). Small test files from
// tests/data are copied in by fuzz/build.sh's caller, not here.
//
//   build-fuzz/fuzz/make_corpus fuzz/corpus
#include <cstdio>
#include <string>
#include <vector>

#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include <stb_image_write.h>
#pragma GCC diagnostic pop

#include "data/llava_json.h"
#include "data/vlm_tsv.h"
#include "io/base64.h"
#include "io/byte_level.h"
#include "io/image.h"
#include "io/pretokenize.h"
#include "io/safetensors.h"
#include "io/tokenizer_file.h"
#include "util/fs.h"

using namespace insightv;

namespace {

std::string root;

void put(const std::string& target, const std::string& name, const std::string& bytes) {
  make_dirs(root + "/" + target);
  write_file_atomic(root + "/" + target + "/" + name, bytes);
}

Image pattern_image(int w, int h) {
  Image img(w, h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      uint8_t* p = img.at(x, y);
      p[0] = static_cast<uint8_t>(x * 40), p[1] = static_cast<uint8_t>(y * 60), p[2] = static_cast<uint8_t>((x + y) * 20);
    }
  return img;
}

void append(void* ctx, void* data, int size) { static_cast<std::string*>(ctx)->append(static_cast<char*>(data), size); }

void safetensors_seeds() {
  const float f32[6] = {1, -2, 3.5f, 0, 1e-3f, 7};
  const uint16_t bf16[4] = {0x3f80, 0xc000, 0, 0x7f80};
  const int64_t i64[2] = {-1, 42};
  const uint8_t u8[3] = {1, 2, 3};
  const std::string tmp = root + "/.tmp.safetensors";
  write_safetensors(tmp, {{"model.embed_tokens.weight", DType::F32, {2, 3}, f32, sizeof f32},
                          {"lm_head.weight", DType::BF16, {2, 2}, bf16, sizeof bf16},
                          {"position_ids", DType::I64, {2}, i64, sizeof i64},
                          {"mask", DType::BOOL, {3}, u8, sizeof u8},
                          {"empty", DType::F16, {0, 4}, nullptr, 0}},
                    {{"format", "pt"}});
  put("safetensors", "mixed.safetensors", read_file(tmp));
  write_safetensors(tmp, {{"x", DType::U8, {3}, u8, sizeof u8}});
  put("safetensors", "one.safetensors", read_file(tmp));
  write_safetensors(tmp, {});
  put("safetensors", "none.safetensors", read_file(tmp));
  std::remove(tmp.c_str());
}

TokenizerSpec toy_tokenizer() {
  TokenizerSpec spec;
  spec.source = "seed";
  spec.pattern = kLlama3Pattern;
  const uint8_t* order = byte_alphabet_order();
  for (int i = 0; i < 256; ++i)
    spec.vocab.emplace_back(bytes_to_token_text(std::string(1, static_cast<char>(order[i]))), i);
  int32_t next = 256;
  for (auto [a, b] : std::vector<std::pair<std::string, std::string>>{
           {" ", "t"}, {"h", "e"}, {" t", "he"}, {"i", "n"}, {"1", "2"}, {"\xc3", "\xa9"}}) {
    spec.merges.emplace_back(bytes_to_token_text(a), bytes_to_token_text(b));
    spec.vocab.emplace_back(bytes_to_token_text(a + b), next++);
  }
  for (const char* s : {"<|begin_of_text|>", "<|eot_id|>", "<image>", "<thoughts>"}) {
    AddedTokenSpec t;
    t.id = next++;
    t.content = s;
    spec.added_tokens.push_back(t);
  }
  spec.bos_token = "<|begin_of_text|>";
  spec.eos_token = "<|eot_id|>";
  return spec;
}

void tokenizer_seeds() {
  TokenizerSpec spec = toy_tokenizer();
  put("tokenizer_json", "llama3_style.json", tokenizer_json(spec).dump());
  spec.byte_level_regex = true;
  spec.pattern = kGpt2Pattern;
  spec.ignore_merges = true;
  spec.added_tokens[2].lstrip = spec.added_tokens[2].rstrip = true;
  spec.added_tokens[3].special = false;
  put("tokenizer_json", "gpt2_style.json", tokenizer_json(spec).dump());
  ordered_json strings = tokenizer_json(spec);
  ordered_json merges = ordered_json::array();
  for (const auto& m : strings["model"]["merges"]) merges.push_back(m[0].get<std::string>() + " " + m[1].get<std::string>());
  strings["model"]["merges"] = merges;
  put("tokenizer_json", "merges_as_strings.json", strings.dump());

  const char* texts[] = {"Hello world! It's 12:45.", "caf\xc3\xa9 \xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x98\x80 na\xc3\xafve",
                         "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n<image>\nHow many?<|eot_id|>",
                         "<thoughts> Step 1: 3 + 4 = 7 </thoughts><output>7</output>",
                         "   \t\n\n  x  ", "1234567890 ,.;:!? don't I'LL", "\xe2\x80\x8b\xef\xbb\xbf\xc2\x85\xe1\xa0\x8e"};
  int i = 0;
  for (const char* t : texts) put("tokenizer_encode", "text" + std::to_string(i++), t);
}

void step_seeds() {
  const char* replies[] = {
      R"({"title": "Count the circles", "content": "There are 3 red circles.", "next_action": "continue"})",
      R"({"title": "Final Answer", "content": "B"})",
      "```json\n{\"title\": \"Read the bar\", \"content\": \"The bar reaches 7.\", \"next_action\": \"final_answer\",}\n```",
      "Sure! Here is the step: {'title': 'Add', 'content': 'It's 3 + 4 = 7', 'next_action': 'summary'} Hope it helps.",
      "{\"title\": \"Unclosed\", \"content\": \"line one\nline two\", \"next_action\": \"continue\"",
      R"({"title": "Numbers", "content": [1, 2, {"x": 3.5e2}], "next_action": "final"})",
      R"({"title": "Escapes", "content": "tab\t quote\" \u00e9 \ud83d\ude00", "next_action": "continue"})",
  };
  int i = 0;
  for (const char* r : replies) put("step_json", "reply" + std::to_string(i++), r);
}

void answer_seeds() {
  // byte 0: type (mode % 3: 0 choice, 1 number, 2 text) and option count ((mode / 3) % 5).
  auto seed = [](int type, int n_options, const std::vector<std::string>& parts) {
    std::string s(1, static_cast<char>(type + 3 * n_options));
    for (size_t i = 0; i < parts.size(); ++i) s += (i ? "\x01" : "") + parts[i];
    return s;
  };
  put("answer_match", "choice_letter", seed(0, 4, {"The answer is (B).", "B", "7", "6", "7", "9", "8"}));
  put("answer_match", "choice_text", seed(0, 4, {"So there are 7 apples.", "B", "7", "6", "7", "9", "8"}));
  put("answer_match", "boxed", seed(1, 0, {"Thus \\boxed{3,200 cm}", "3200", "3200"}));
  put("answer_match", "fraction", seed(1, 0, {"Final answer: -1/2.", "-0.5", "-0.5"}));
  put("answer_match", "time", seed(2, 0, {"The clock shows 3:25 now", "3:25", "3:25"}));
  put("answer_match", "json", seed(2, 0, {R"({"title": "Final Answer", "content": "the red one"})", "red", "red"}));
  put("answer_match", "text", seed(2, 0, {"It is not blue. Answer: blue", "blue", "blue"}));
}

void image_seeds() {
  put("image", "pattern.png", encode_png(pattern_image(5, 3)));
  put("image", "one.png", encode_png(pattern_image(1, 1)));
  std::string jpg, bmp, tga;
  const Image img = pattern_image(8, 8);
  stbi_write_jpg_to_func(append, &jpg, img.width, img.height, 3, img.rgb.data(), 80);
  stbi_write_bmp_to_func(append, &bmp, img.width, img.height, 3, img.rgb.data());
  stbi_write_tga_to_func(append, &tga, img.width, img.height, 3, img.rgb.data());
  put("image", "pattern.jpg", jpg);
  put("image", "pattern.bmp", bmp);
  put("image", "pattern.tga", tga);
}

void tsv_seeds() {
  data::TsvRow a;
  a.index = 0;
  a.image = encode_png(pattern_image(2, 2));
  a.question = "How many red circles?\tTab\\and newline\nhere";
  a.options = {"3", "4", "5", "6"};
  a.answer = "B";
  a.category = a.family = "shapes";
  a.difficulty = 2;
  a.id = "shapes-0";
  data::TsvRow b;
  b.index = 7;
  b.question = "What time is it?";
  b.answer = "3:25";
  b.hint = "read the clock";
  const std::string tmp = root + "/.tmp.tsv";
  data::write_tsv(tmp, {a, b});
  put("vlm_tsv", "two_rows.tsv", read_file(tmp));
  std::remove(tmp.c_str());
  put("vlm_tsv", "minimal.tsv", "index\tquestion\tanswer\n1\tWhat colour?\tred\n");
}

void llava_seeds() {
  data::LlavaSample s;
  s.id = "shapes-0";
  s.image = "images/shapes-0.png";
  s.conversations = {{"human", "<image>\nHow many circles?\nA. 3\nB. 4"}, {"gpt", "B"}};
  s.extra["provenance"] = {{"task", "shapes-0"}, {"score", 97.5}};
  const std::string tmp = root + "/.tmp.json";
  data::write_llava(tmp, {s});
  put("llava_json", "array.json", read_file(tmp));
  std::remove(tmp.c_str());
  put("llava_json", "lines.jsonl",
      data::llava_to_json(s).dump() + "\n" +
          R"({"id": 3, "conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "hello"}]})" + "\n");
}

void openai_seeds() {
  const std::string png = base64_encode(encode_png(pattern_image(4, 4)));
  put("openai_request", "text.json",
      R"({"model": "insightv", "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "How many circles?"}], "max_tokens": 64, "temperature": 0.7, "top_p": 0.95, "seed": 7, "n": 2, "stop": ["</output>"]})");
  put("openai_request", "image.json",
      R"({"model": "insightv", "messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "data:image/png;base64,)" +
          png + R"("}}, {"type": "text", "text": "How many circles?"}]}], "stream": true, "stream_options": {"include_usage": true}})");
  put("openai_request", "assistant_prefill.json",
      R"({"messages": [{"role": "developer", "content": null}, {"role": "user", "content": "Q"}, {"role": "assistant", "content": "{\"title\": \"Step 1\""}], "max_completion_tokens": 16, "stop": "x"})");
  put("openai_request", "completion.json", R"({"model": "m", "prompt": ["Once upon a time"], "max_tokens": 8, "stream": false})");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_corpus OUT_DIR (fuzz/corpus)\n");
    return 2;
  }
  root = argv[1];
  make_dirs(root);
  safetensors_seeds();
  tokenizer_seeds();
  step_seeds();
  answer_seeds();
  image_seeds();
  tsv_seeds();
  llava_seeds();
  openai_seeds();
  return 0;
}
