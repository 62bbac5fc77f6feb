// tests/support/text_corpus.cpp — see text_corpus.h.
#include "support/text_corpus.h"

#include <functional>

#include "io/byte_level.h"
#include "io/json.h"
#include "util/rng.h"

namespace insightv::test {

const char* const kLlavaSystemPrompt =
    "You are a helpful language and vision assistant. You are able to understand the visual "
    "content that the user provides, and assist the user with a variety of tasks using natural "
    "language.";
const char* const kReasoningSuffix =
    "\n\nPerform step-by-step reasoning of the problem. Only provide the reasoning process.";
const char* const kSummaryPromptHead =
    "I will give you a reasoning process of the question. You should determine whether the "
    "reasoning process is correct about the question. If it is correct, please summarize the "
    "answer based on the reasoning process. If it is incorrect, answer the question and ignore "
    "the reasoning process. You shold directly give the summarization or answer as you are "
    "directly answer the QUESTION  without saying your judgement about the reasoning process."
    "\n\nQUESTION: ";

std::string show(const std::string& s) {
  return json(s).dump(-1, ' ', true, json::error_handler_t::replace);
}

namespace {

template <typename T>
const T& pick(Rng& r, const std::vector<T>& v) {
  return v[static_cast<size_t>(r.uniform_int(0, static_cast<int64_t>(v.size()) - 1))];
}

std::string cp(uint32_t c) {
  std::string s;
  append_utf8(c, s);
  return s;
}

const std::vector<std::string> kWords = {
    "the", "a", "reasoning", "image", "shows", "three", "red", "circles", "and", "two", "blue",
    "squares", "Therefore", "answer", "is", "model", "we", "count", "objects", "left", "of",
    "triangle", "larger", "than", "Step", "First", "Next", "Finally", "question", "OpenAI",
    "LLaMA", "tokenizer", "HELLO", "World", "don", "isn", "It", "They", "I", "you", "We",
    "because", "which", "chart", "value", "increase", "percent", "Samsung", "Sharp", "microwave"};
const std::vector<std::string> kContractions = {"'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S",
                                                "'T", "'RE", "'Ve", "'M", "'LL", "'D", "'x", "'"};
const std::vector<std::string> kSeparators = {" ", "  ", "\n", "\n\n", "\t", " \n", "\r\n", "",
                                              ", ", ". ", "   \n  ", cp(0xA0), cp(0x3000)};

std::string prose(Rng& r) {
  std::string s;
  const int n = static_cast<int>(r.uniform_int(1, 25));
  for (int i = 0; i < n; ++i) {
    if (i > 0) s += r.bernoulli(0.85) ? " " : pick(r, kSeparators);
    s += pick(r, kWords);
    if (r.bernoulli(0.12)) s += pick(r, kContractions);
    if (r.bernoulli(0.1)) s += pick(r, std::vector<std::string>{",", ".", "!", "?", ";", ":"});
  }
  if (r.bernoulli(0.3)) s += ".";
  return s;
}

std::string code(Rng& r) {
  static const std::vector<std::string> snippets = {
      "int main(int argc, char** argv) {\n  return 0;\n}\n",
      "def f(x):\n    return x ** 2 + 3*x - 1  # square\n",
      "for (size_t i = 0; i < n; ++i) sum += a[i] * b[i];",
      "{\"title\": \"Identifying Key Information\", \"content\": \"...\", \"next_action\": \"continue\"}",
      "if (x != nullptr && x->next) { x = x->next; }\n\telse\t{ return -1; }",
      "const auto it = std::find_if(v.begin(), v.end(), [](int k) { return k % 2 == 0; });",
      "SELECT name, COUNT(*) FROM tasks WHERE family = 'count' GROUP BY name;",
      "    <div class=\"row\">\n        <span>{{ value }}</span>\n    </div>",
      "x = [1, 2, 3]; y = {'a': 1, 'b': [2, 3]}; print(f\"{x!r:>10}\")",
      "#include <vector>\n#define MAX(a,b) ((a)>(b)?(a):(b))\n",
      "    \n\n\tfoo();\n    // comment\n\n\n",
      "$ cmake -S . -B build -G Ninja && cmake --build build -j2",
      "a&&b||!c^d>>=2<<1", "std::vector<std::pair<int,int>>", "i++;j--;k+=1;"};
  std::string s = pick(r, snippets);
  if (r.bernoulli(0.5)) s += pick(r, kSeparators) + pick(r, snippets);
  return s;
}

std::string digits(Rng& r, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += static_cast<char>('0' + r.uniform_int(0, 9));
  return s;
}

std::string numbers(Rng& r) {
  switch (r.uniform_int(0, 7)) {
    case 0: return digits(r, static_cast<int>(r.uniform_int(1, 24)));
    case 1: return digits(r, 3) + "." + digits(r, static_cast<int>(r.uniform_int(1, 6)));
    case 2: return "1,234,567 and " + digits(r, 2) + "%";
    case 3: return "2024-0" + digits(r, 1) + "-1" + digits(r, 1) + "T12:34:56Z";
    case 4: return "abc" + digits(r, 5) + "def" + digits(r, 2);
    case 5: return "-" + digits(r, 4) + "e-" + digits(r, 2) + " +" + digits(r, 7);
    case 6: return cp(0xFF11) + cp(0xFF12) + cp(0xFF13) + digits(r, 4) + cp(0x00B2) + cp(0x2153) + cp(0x0663);
    default: return "(" + digits(r, 3) + ") " + digits(r, 3) + "-" + digits(r, 4) + " x" + digits(r, 10);
  }
}

std::string whitespace(Rng& r) {
  static const std::vector<std::string> ws = {" ", "  ", "\t", "\n", "\r\n", "\r", "\n\n\n",
                                              "\v", "\f", cp(0xA0), cp(0x2003), cp(0x3000),
                                              cp(0x2028), cp(0x2029), cp(0x202F), cp(0x1680),
                                              cp(0x180E), cp(0x205F), cp(0x200B)};
  std::string s;
  const int n = static_cast<int>(r.uniform_int(1, 8));
  for (int i = 0; i < n; ++i) {
    const int k = static_cast<int>(r.uniform_int(1, 4));
    for (int j = 0; j < k; ++j) s += pick(r, ws);
    if (r.bernoulli(0.6)) s += pick(r, kWords);
    if (r.bernoulli(0.2)) s += pick(r, std::vector<std::string>{"!", "...", "'s", "42", "("});
  }
  return s;
}

std::string punctuation(Rng& r) {
  static const std::vector<std::string> p = {
      "!!!", "???", "...", "?!", "--", cp(0x2014), cp(0x2026), cp(0xAB) + "x" + cp(0xBB),
      "''", "\"\"", "``", "@#$%^&*()", "[]{}<>", "~~~", "===", "->", "=>", "::", ";;",
      cp(0x3002) + cp(0xFF0C), cp(0x00BF) + "Qu" + cp(0xE9) + "?", "' s", "'ll've", "#!/bin/sh",
      ".\n", "!\n\n", "),\r\n", cp(0x201C) + "quoted" + cp(0x201D), "*_*", "\\\\n", "|||"};
  std::string s;
  const int n = static_cast<int>(r.uniform_int(1, 6));
  for (int i = 0; i < n; ++i) {
    if (r.bernoulli(0.5)) s += pick(r, kWords);
    if (r.bernoulli(0.3)) s += " ";
    s += pick(r, p);
  }
  return s;
}

std::string accented(Rng& r) {
  static const std::vector<std::string> w = {
      "caf" + cp(0xE9), "na" + cp(0xEF) + "ve", cp(0xC6) + "r" + cp(0xF8) + "sk" + cp(0xF8) + "bing",
      "Stra" + cp(0xDF) + "e", "e" + cp(0x301) + "t" + cp(0x301) + "e", cp(0x1C5) + "ur",
      "S" + cp(0xE3) + "o Paulo", "Krak" + cp(0xF3) + "w", cp(0x130) + "stanbul", "fa" + cp(0xE7) + "ade",
      "se" + cp(0xF1) + "or", "r" + cp(0xE9) + "sum" + cp(0xE9), cp(0xC5) + "ngstr" + cp(0xF6) + "m",
      "d" + cp(0x27) + "accord", "L'" + cp(0xC9) + "t" + cp(0xE9), "CAF" + cp(0xC9) + "'S"};
  std::string s;
  const int n = static_cast<int>(r.uniform_int(1, 8));
  for (int i = 0; i < n; ++i) s += (i ? " " : "") + pick(r, w);
  return s;
}

std::string scripts(Rng& r) {
  static const std::vector<std::string> w = {
      "Привет, мир!", "Ελληνικά γράμματα", "مرحبا بالعالم", "שלום עולם", "नमस्ते दुनिया",
      "สวัสดีครับ", "வணக்கம்", "ქართული", "Հայերեն", "ሰላም", "Tiếng Việt có dấu", "Türkçe İı"};
  std::string s = pick(r, w);
  if (r.bernoulli(0.5)) s += pick(r, kSeparators) + pick(r, w) + " " + digits(r, 3);
  return s;
}

std::string cjk(Rng& r) {
  static const std::vector<std::string> w = {
      "图中有三个红色的圆形。", "日本語のテキストです", "カタカナとひらがな", "한국어 문장입니다",
      "答案是（B）", "这是一个测试：123个苹果", "漢字と English mixed 文字", "「引用」『二重』",
      "第1步：识别关键信息", "東京タワー 333m"};
  std::string s = pick(r, w);
  const int extra = static_cast<int>(r.uniform_int(0, 12));
  for (int i = 0; i < extra; ++i) s += cp(static_cast<uint32_t>(r.uniform_int(0x4E00, 0x9FA5)));
  if (r.bernoulli(0.3)) s += cp(static_cast<uint32_t>(r.uniform_int(0xAC00, 0xD7A3)));
  if (r.bernoulli(0.3)) s += cp(static_cast<uint32_t>(r.uniform_int(0x3041, 0x3096)));
  return s;
}

std::string emoji(Rng& r) {
  const std::string zwj = cp(0x200D), vs16 = cp(0xFE0F);
  std::vector<std::string> e = {
      cp(0x1F600), cp(0x1F44D) + cp(0x1F3FD), cp(0x1F468) + zwj + cp(0x1F469) + zwj + cp(0x1F467),
      cp(0x1F3F3) + vs16 + zwj + cp(0x1F308), cp(0x1F1EF) + cp(0x1F1F5), "1" + vs16 + cp(0x20E3),
      cp(0x2764) + vs16, cp(0x1F9D1) + cp(0x1F3FB) + zwj + cp(0x1F4BB), cp(0x2728), cp(0x1F680)};
  std::string s;
  const int n = static_cast<int>(r.uniform_int(1, 6));
  for (int i = 0; i < n; ++i) {
    if (r.bernoulli(0.5)) s += pick(r, kWords) + (r.bernoulli(0.5) ? " " : "");
    s += pick(r, e);
    if (r.bernoulli(0.3)) s += pick(r, e);
  }
  return s;
}

std::string prompts(Rng& r) {
  static const std::vector<std::string> q = {
      "How many red circles are in the image?", "What is the value of the largest bar?",
      "Which shape is to the left of the blue square?\nA. circle\nB. square\nC. triangle\nD. star"};
  switch (r.uniform_int(0, 6)) {
    case 0: return kLlavaSystemPrompt;
    case 1: return "<image>\n" + pick(r, q) + kReasoningSuffix;
    case 2: return std::string(kSummaryPromptHead) + pick(r, q) + "\n\nREASON PROCESS: " +
                   "Identifying Key Information: the image shows " + digits(r, 1) + " circles.\n";
    case 3: return pick(r, q) + "\nAnswer with the option letter from the given choices directly.";
    case 4: return pick(r, q) + "\nAnswer the question using a single word or phrase.";
    case 5: return "<thoughts>\nStep 1: count the circles.\nStep 2: compare.\n</thoughts>\n<output>B</output>";
    default:
      return "{\"title\": \"FINAL ANSWER\", \"content\": \"" + pick(r, kWords) + "\"}";
  }
}

std::string specials(Rng& r) {
  static const std::vector<std::string> sp = {
      "<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>",
      "<|eot_id|>", "<|reserved_special_token_0|>", "<|reserved_special_token_250|>",
      "<|eot_id", "<|", "|>", "<|start_header_id|", "<image>", "<|eot_id|><|eot_id|>"};
  std::string s;
  const int n = static_cast<int>(r.uniform_int(1, 6));
  for (int i = 0; i < n; ++i) {
    if (r.bernoulli(0.4)) s += pick(r, kSeparators);
    s += pick(r, sp);
    if (r.bernoulli(0.6)) s += pick(r, std::vector<std::string>{"user", "assistant", "\n\n", " Hi", "system\n"});
  }
  return s;
}

std::string random_codepoints(Rng& r) {
  static const std::vector<std::pair<uint32_t, uint32_t>> ranges = {
      {0x20, 0x7E}, {0xA0, 0xFF}, {0x100, 0x17E}, {0x391, 0x3C9}, {0x400, 0x4FF},
      {0x621, 0x64A}, {0x905, 0x939}, {0x2000, 0x200A}, {0x2010, 0x2027}, {0x2030, 0x205E},
      {0x2190, 0x21FF}, {0x2200, 0x22FF}, {0x2500, 0x257F}, {0x3041, 0x3096}, {0x4E00, 0x9FA5},
      {0xAC00, 0xD7A3}, {0x1F600, 0x1F64F}, {0x09, 0x0D}, {0x300, 0x36F}};
  std::string s;
  const int n = static_cast<int>(r.uniform_int(1, 40));
  for (int i = 0; i < n; ++i) {
    const auto& [lo, hi] = pick(r, ranges);
    s += cp(static_cast<uint32_t>(r.uniform_int(lo, hi)));
  }
  return s;
}

}  // namespace

std::vector<CorpusString> parity_corpus(uint64_t seed, int per_category) {
  Rng rng(seed);
  const std::vector<std::pair<std::string, std::function<std::string(Rng&)>>> gens = {
      {"prose", prose},           {"code", code},         {"numbers", numbers},
      {"whitespace", whitespace}, {"punctuation", punctuation}, {"accented", accented},
      {"scripts", scripts},       {"cjk", cjk},           {"emoji", emoji},
      {"prompts", prompts},       {"specials", specials}, {"codepoints", random_codepoints}};
  std::vector<CorpusString> out;
  for (const auto& [name, gen] : gens)
    for (int i = 0; i < per_category; ++i) out.push_back({name, gen(rng)});
  // Mixtures of everything, the way real documents mix them.
  for (int i = 0; i < per_category; ++i) {
    std::string s;
    const int n = static_cast<int>(rng.uniform_int(2, 6));
    for (int k = 0; k < n; ++k) s += pick(rng, kSeparators) + gens[rng.uniform_int(0, 11)].second(rng);
    out.push_back({"mixed", s});
  }
  // Edge cases, once each.
  for (const char* s : {"", " ", "\n", "  \n\n  ", "a", "'", "'s", " 's", "1", "12345", "\t\t",
                        "Hello world", " Hello", "hello  ", "x\r\n\r\ny"})
    out.push_back({"edge", s});
  return out;
}

std::vector<CorpusString> engine_edge_corpus(uint64_t seed, int n) {
  Rng r(seed);
  const std::vector<std::string> alphabet = {cp(0x85), cp(0xFEFF), cp(0x17F), cp(0x180E), " ", "\n",
                                             "\t", "a", "s", "!", "1", "'", cp(0xA0), cp(0x2028), "B"};
  std::vector<CorpusString> out;
  for (int i = 0; i < n; ++i) {
    std::string s;
    const int len = static_cast<int>(r.uniform_int(1, 7));
    for (int k = 0; k < len; ++k) s += pick(r, alphabet);
    out.push_back({"engine_edges", s});
  }
  return out;
}

std::string visworld_text(uint64_t seed, int lines) {
  Rng r(seed);
  const std::vector<std::string> colors = {"red", "blue", "green", "yellow", "purple", "orange", "gray"};
  const std::vector<std::string> shapes = {"circle", "square", "triangle", "star", "hexagon"};
  const std::vector<std::string> rel = {"left of", "right of", "above", "below", "next to"};
  std::string s;
  for (int i = 0; i < lines; ++i) {
    const std::string c = pick(r, colors), sh = pick(r, shapes);
    switch (r.uniform_int(0, 4)) {
      case 0:
        s += "How many " + c + " " + sh + "s are in the image?";
        break;
      case 1:
        s += "Which shape is " + pick(r, rel) + " the " + c + " " + sh + "?\nA. " + pick(r, shapes) +
             "\nB. " + pick(r, shapes) + "\nC. " + pick(r, shapes) + "\nD. " + pick(r, shapes);
        break;
      case 2:
        s += "Counting Objects: I count " + std::to_string(r.uniform_int(0, 12)) + " " + c + " " +
             sh + "s in the grid at row " + std::to_string(r.uniform_int(1, 5)) + ".";
        break;
      case 3:
        s += "Comparing Sizes: the " + c + " " + sh + " is larger than the " + pick(r, colors) +
             " " + pick(r, shapes) + ", so the answer is " + pick(r, std::vector<std::string>{"A", "B", "C", "D"}) + ".";
        break;
      default:
        s += "The bar chart shows values " + std::to_string(r.uniform_int(10, 99)) + ", " +
             std::to_string(r.uniform_int(10, 99)) + " and " + std::to_string(r.uniform_int(10, 99)) +
             "; the " + c + " bar is the tallest.";
    }
    s += "\n";
  }
  return s;
}

}  // namespace insightv::test
