// Unit tests of the chat templates: ids and loss masks of a two-turn conversation against a
// hand-written expectation. The tokenizer has no merges, so every text byte is one token
// (toy_bytes) and the expectation can be read off the template. (The same templates on the
// real LLaMA-3 tokenizer: tests/integration/llama3_parity_test.cpp.)
#include <gtest/gtest.h>

#include "io/chat_template.h"
#include "support/toy_tokenizer.h"
#include "util/error.h"

using insightv::ChatMessage;
using insightv::ChatTemplate;
using insightv::ChatTemplateOptions;
using insightv::MaskMode;
using insightv::Tokenizer;
using insightv::test::toy_bytes;
using insightv::test::toy_spec;
using Ids = std::vector<int32_t>;

namespace {

// Ids and mask built side by side: add(ids, trained).
struct Expect {
  Ids ids;
  std::vector<uint8_t> mask;
  Expect& add(const Ids& v, bool trained) {
    ids.insert(ids.end(), v.begin(), v.end());
    mask.insert(mask.end(), v.size(), trained ? 1 : 0);
    return *this;
  }
  Expect& text(const std::string& s, bool trained) { return add(toy_bytes(s), trained); }
};

constexpr int32_t BOT = 256, SH = 257, EH = 258, EOT = 259;  // llama-3 specials in the toy
constexpr int32_t IMG = insightv::kImageTokenIndex;

Tokenizer llama_toy() {
  return Tokenizer(toy_spec({}, {"<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"}));
}

const std::vector<ChatMessage> kTwoTurns = {{"user", "<image>\nHi"},
                                            {"assistant", "Yes."},
                                            {"human", "Why?"},
                                            {"gpt", " Because. \n"}};

}  // namespace

TEST(ChatTemplate, LlavaLlama3TwoTurnsIdsAndAssistantMask) {
  const Tokenizer tok = llama_toy();
  ChatTemplateOptions opt;
  opt.system_prompt = "Be brief.";
  const ChatTemplate tpl("llava_llama_3", tok, opt);
  Expect e;
  e.add({BOT, SH}, false).text("system", false).add({EH}, false).text("\n\nBe brief.", false).add({EOT}, false);
  e.add({SH}, false).text("user", false).add({EH}, false).text("\n\n", false).add({IMG}, false)
      .text("\nHi", false).add({EOT}, false);
  e.add({SH}, false).text("assistant", false).add({EH}, false).text("\n\n", false)
      .text("Yes.", true).add({EOT}, true);
  e.add({SH}, false).text("user", false).add({EH}, false).text("\n\nWhy?", false).add({EOT}, false);
  e.add({SH}, false).text("assistant", false).add({EH}, false).text("\n\n", false)
      .text("Because.", true).add({EOT}, true);
  const auto ex = tpl.encode(kTwoTurns);
  EXPECT_EQ(ex.ids, e.ids);
  EXPECT_EQ(ex.loss_mask, e.mask);
  ASSERT_EQ(ex.image_positions.size(), 1u);
  EXPECT_EQ(ex.ids[ex.image_positions[0]], IMG);
  EXPECT_EQ(ex.labels()[0], -100);
}

TEST(ChatTemplate, LlavaMaskModeTrainsWholeAssistantTurnsAndTemplateTokens) {
  const Tokenizer tok = llama_toy();
  ChatTemplateOptions opt;
  opt.system_prompt = "S";
  opt.mask_mode = MaskMode::kLlava;
  const ChatTemplate tpl("llava_llama_3", tok, opt);
  Expect e;
  e.add({BOT, SH}, true).text("system", false).add({EH}, true).text("\n\nS", false).add({EOT}, true);
  e.add({SH}, true).text("user", false).add({EH}, true).text("\n\n", false).add({IMG}, false)
      .text("\nHi", false).add({EOT}, true);
  e.add({SH}, true).text("assistant", true).add({EH}, true).text("\n\nYes.", true).add({EOT}, true);
  e.add({SH}, true).text("user", false).add({EH}, true).text("\n\nWhy?", false).add({EOT}, true);
  e.add({SH}, true).text("assistant", true).add({EH}, true).text("\n\nBecause.", true).add({EOT}, true);
  const auto ex = tpl.encode(kTwoTurns);
  EXPECT_EQ(ex.ids, e.ids);
  EXPECT_EQ(ex.loss_mask, e.mask);
}

TEST(ChatTemplate, LlavaLlama3DefaultSystemPromptIsLlavas) {
  const Tokenizer tok = llama_toy();
  const ChatTemplate tpl("llava_llama_3", tok);
  EXPECT_EQ(tpl.render({{"user", "Hi"}}, false),
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are a helpful "
            "language and vision assistant. You are able to understand the visual content that "
            "the user provides, and assist the user with a variety of tasks using natural "
            "language.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>");
}

TEST(ChatTemplate, GenerationPromptEndsWithTheAssistantHeaderAndTrainsNothing) {
  const Tokenizer tok = llama_toy();
  ChatTemplateOptions opt;
  opt.system_prompt = "S";
  const ChatTemplate tpl("llava_llama_3", tok, opt);
  Expect e;
  e.add({BOT, SH}, false).text("system", false).add({EH}, false).text("\n\nS", false).add({EOT}, false);
  e.add({SH}, false).text("user", false).add({EH}, false).text("\n\nHi", false).add({EOT}, false);
  e.add({SH}, false).text("assistant", false).add({EH}, false).text("\n\n", false);
  const auto ex = tpl.generation_prompt({{"user", "Hi"}});
  EXPECT_EQ(ex.ids, e.ids);
  EXPECT_EQ(ex.loss_mask, e.mask);
  EXPECT_EQ(tpl.stop_ids(), (Ids{EOT}));

  opt.reference_inference_bos = true;  // PAPER.md §5's stray BOS before the assistant header
  const ChatTemplate ref("llava_llama_3", tok, opt);
  const auto ids = ref.generation_prompt({{"user", "Hi"}}).ids;
  const size_t header = e.ids.size() - toy_bytes("assistant\n\n").size() - 2;
  EXPECT_EQ(ids[header], BOT);
  EXPECT_EQ(ids.size(), e.ids.size() + 1);
}

TEST(ChatTemplate, ChatmlTwoTurnsIdsAndAssistantMask) {
  const Tokenizer tok(toy_spec({}, {"<|im_start|>", "<|im_end|>"}));
  ChatTemplateOptions opt;
  opt.system_prompt = "S";
  const ChatTemplate tpl("chatml", tok, opt);
  const int32_t IS = 256, IE = 257;
  Expect e;
  e.add({IS}, false).text("system\nS", false).add({IE}, false).text("\n", false);
  e.add({IS}, false).text("user\n", false).add({IMG}, false).text("\nHi", false).add({IE}, false).text("\n", false);
  e.add({IS}, false).text("assistant\n", false).text("Yes.", true).add({IE}, true).text("\n", false);
  e.add({IS}, false).text("user\nWhy?", false).add({IE}, false).text("\n", false);
  e.add({IS}, false).text("assistant\n", false).text(" Because. \n", true).add({IE}, true).text("\n", false);
  const auto ex = tpl.encode(kTwoTurns);
  EXPECT_EQ(ex.ids, e.ids);
  EXPECT_EQ(ex.loss_mask, e.mask);
  EXPECT_EQ(tpl.stop_ids(), (Ids{IE}));
}

TEST(ChatTemplate, TokenStraddlingTheContentStartIsNotTrained) {
  // With a "\n\n" merge, chatml's "assistant\n" + "\nX" yields a "\n\n" token that begins in
  // the header: it stays masked, the rest of the content is trained.
  const Tokenizer tok(toy_spec({{"\n", "\n"}}, {"<|im_start|>", "<|im_end|>"}));
  const ChatTemplate tpl("chatml", tok);
  const auto ex = tpl.encode({{"user", "u"}, {"assistant", "\nX"}});
  const auto& ids = ex.ids;
  const size_t x = ids.size() - 3;  // X, <|im_end|>, "\n"
  EXPECT_EQ(ids[x - 1], 256);       // the merged "\n\n"
  EXPECT_EQ(ex.loss_mask[x - 1], 0);
  EXPECT_EQ(ex.loss_mask[x], 1);
}

TEST(ChatTemplate, ImageTokenOfTheTokenizerIsUsedWhenPresent) {
  Tokenizer tok = llama_toy();
  const int32_t image = tok.add_tokens({"<image>"})[0];
  const ChatTemplate tpl("llava_llama_3", tok);
  EXPECT_EQ(tpl.image_token_id(), image);
  const auto ex = tpl.encode({{"user", "<image>\nQ"}, {"assistant", "A"}});
  ASSERT_EQ(ex.image_positions.size(), 1u);
  EXPECT_EQ(ex.ids[ex.image_positions[0]], image);
}

TEST(ChatTemplate, TokenizerWithoutTheTemplateTokensIsAClearError) {
  const Tokenizer tok(toy_spec({}, {"<|im_start|>", "<|im_end|>"}));
  try {
    ChatTemplate tpl("llava_llama_3", tok);
    FAIL() << "expected an error";
  } catch (const insightv::Error& e) {
    EXPECT_NE(std::string(e.what()).find("<|begin_of_text|>"), std::string::npos) << e.what();
  }
  EXPECT_THROW(ChatTemplate("vicuna", tok), insightv::Error);
}

TEST(ChatTemplate, UnknownRoleIsAClearError) {
  const Tokenizer tok = llama_toy();
  const ChatTemplate tpl("llava_llama_3", tok);
  EXPECT_THROW(tpl.encode({{"robot", "x"}}), insightv::Error);
}
