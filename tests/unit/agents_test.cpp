// Unit tests of infer/agents: the prompts (verbatim), chain extraction, voting, streaming text,
// and the two-agent sequence over fake and tiny real models.
#include <torch/torch.h>

#include <gtest/gtest.h>

#include "data/sft_data.h"
#include "infer/agents.h"
#include "pipeline/assess.h"
#include "support/text_corpus.h"
#include "support/tiny_agents.h"

using namespace insightv;

TEST(Agents, PromptsAreThePapersVerbatim) {
  EXPECT_EQ(std::string(kReasoningSuffix), test::kReasoningSuffix);
  EXPECT_EQ(std::string(kSummaryPromptHead), test::kSummaryPromptHead);
  EXPECT_NE(std::string(kSummaryPromptHead).find("You shold directly"), std::string::npos);
  EXPECT_NE(std::string(kSummaryPromptHead).find("QUESTION  without"), std::string::npos);
  EXPECT_EQ(summary_question("<image>\nQ?", "a: b\n"),
            std::string(kSummaryPromptHead) + "<image>\nQ?\n\nREASON PROCESS: <thoughts>\na: b\n</thoughts>");
  EXPECT_EQ(reasoning_question("<image>\nQ?"), "<image>\nQ?" + std::string(kReasoningSuffix));
}

// The summary agent sees at inference exactly what it was trained on: the summary set's user
// turn (pipeline/assess: the path's thoughts block) and the inference prompt built from the
// reasoning agent's output as generated (tokens → text → extract_chain) give the same token ids.
TEST(Agents, SummaryPromptAtInferenceHasTheTrainingSetsTokens) {
  const Tokenizer tok = test::tiny_agent_tokenizer();
  pipeline::ReasoningPath path;
  path.steps = {{"Look at the circle", "The only circle is at top-left, and it is red.", "continue"},
                {"Answer", "The colour is red.", "final_answer"}};
  const std::string question = "<image>\nWhat colour is the circle?\nA. red\nB. blue";
  const std::string block = pipeline::thoughts_text(path);  // what the reasoning agent is trained to write

  data::LlavaSample train;
  train.image = "x.png";
  train.conversations = {{"human", data::summary_question(question, block)}, {"gpt", "A"}};
  SftDataOptions d;
  ChatTemplate tpl("llava_llama_3", tok);
  d.image_token_index = tpl.image_token_id();
  const TrainExample ex = build_sft_examples({train}, tok, d, "")[0];
  size_t first_label = 0;
  while (first_label < ex.labels.size() && ex.labels[first_label] == -100) ++first_label;
  const std::vector<int64_t> trained_prompt(ex.ids.begin(), ex.ids.begin() + static_cast<long>(first_label));

  std::vector<int64_t> generated;  // the reasoning agent's tokens, ending in its end-of-turn
  for (int32_t id : tok.encode(block)) generated.push_back(id);
  const std::string chain = extract_chain(decode_generated(tok, generated, false), 1 << 20);
  std::vector<int64_t> inference_prompt;
  for (int32_t id : tpl.generation_prompt({{"user", summary_question(question, chain)}}).ids) inference_prompt.push_back(id);
  EXPECT_EQ(inference_prompt, trained_prompt);
  EXPECT_EQ(summary_question(question, chain), data::summary_question(question, block));
}

TEST(Agents, ExtractChainSplitsOnLastOpenAndFirstClose) {
  EXPECT_EQ(extract_chain("x<thoughts>a<thoughts>b</thoughts>c</thoughts>", 100), "b");
  EXPECT_EQ(extract_chain("no tags at all", 100), "no tags at all");
}

TEST(Agents, ExtractChainSurvivesMissingCloseTagAndRunawayLength) {
  EXPECT_EQ(extract_chain("<thoughts>step 1\nstep 2", 100), "step 1\nstep 2");
  EXPECT_EQ(extract_chain("<thoughts>abcdefgh", 4), "abcd");
  EXPECT_EQ(extract_chain("<thoughts>ab\xC3\xA9", 3), "ab");  // never splits a UTF-8 character
  EXPECT_EQ(extract_chain("<thoughts>a<image>b", 100), "ab");  // no second image for the summary
}

TEST(Agents, MajorityPicksTheLargestGroupWithItsShare) {
  auto [best, share] = majority({"B", "A.", "a", " A ", "C"});
  EXPECT_EQ(best, 1u);
  EXPECT_DOUBLE_EQ(share, 0.6);
  EXPECT_EQ(majority({"x"}).second, 1.0);
}

TEST(Agents, TextStreamHoldsBackUnfinishedUtf8) {
  const Tokenizer tok = test::tiny_agent_tokenizer();
  TextStream s(tok, true);
  const auto ids = tok.encode("h\xC3\xA9!");  // é is two byte tokens in the toy tokenizer
  std::string all, first_of_e;
  for (size_t i = 0; i < ids.size(); ++i) {
    const std::string d = s.push(ids[i]);
    if (i == 1) first_of_e = d;
    all += d;
  }
  EXPECT_EQ(first_of_e, "");
  EXPECT_EQ(all, "h\xC3\xA9!");
}

namespace {
// A fake model that records its prompts and answers with fixed text.
struct FakeModel {
  std::vector<Prompt> prompts;
  std::string reply;
  AgentModel agent(const Tokenizer& tok) {
    AgentModel m;
    m.image_token_id = -200;
    m.encode_image = [](const Image&) { return torch::zeros({3, 8}); };
    m.sample = [this, &tok](const std::vector<Prompt>& ps, int n, const GenerationParams&, const TokenCallback& cb) {
      std::vector<GenerationResult> out;
      for (const auto& p : ps) {
        prompts.push_back(p);
        for (int i = 0; i < n; ++i) {
          GenerationResult r;
          for (int32_t id : tok.encode(reply)) {
            r.tokens.push_back(id);
            if (cb) cb(out.size(), id);
          }
          r.finish_reason = "stop";
          r.prompt_tokens = static_cast<int64_t>(p.ids.size());
          out.push_back(r);
        }
      }
      return out;
    };
    return m;
  }
};
std::string text_of(const Tokenizer& tok, const Prompt& p) {
  std::vector<int32_t> ids;
  for (int64_t id : p.ids) ids.push_back(id == -200 ? tok.token_to_id("<image>") : static_cast<int32_t>(id));
  return tok.decode(ids);
}
}  // namespace

TEST(Agents, SummaryAgentSeesTheImageQuestionAndWrappedChain) {
  const Tokenizer tok = test::tiny_agent_tokenizer();
  FakeModel reason, summary;
  reason.reply = "<thoughts>\nCounting: three circles.\n</thoughts>";
  summary.reply = "3";
  AgentRunner runner(reason.agent(tok), summary.agent(tok), tok);
  std::string streamed;
  AgentCallbacks cb;
  cb.on_reasoning = [&](size_t, const std::string& d) { return streamed += d, true; };
  AgentAnswer a = runner.ask({"How many circles?", {test::tiny_test_image()}}, cb);
  EXPECT_EQ(a.answer, "3");
  EXPECT_EQ(a.chains[0].chain, "\nCounting: three circles.\n");
  EXPECT_EQ(streamed, "\nCounting: three circles.\n");  // special tokens skipped when streaming
  ASSERT_EQ(reason.prompts.size(), 1u);
  ASSERT_EQ(summary.prompts.size(), 1u);
  const std::string rp = text_of(tok, reason.prompts[0]), sp = text_of(tok, summary.prompts[0]);
  EXPECT_NE(rp.find("<image>\nHow many circles?" + std::string(kReasoningSuffix)), std::string::npos);
  // The chain is framed as in the summary agent's training set: one newline inside each tag.
  EXPECT_NE(sp.find("QUESTION: <image>\nHow many circles?\n\nREASON PROCESS: <thoughts>\nCounting: three circles.\n</thoughts>"),
            std::string::npos);
  EXPECT_EQ(summary.prompts[0].images.size(), 1u);  // the same image, to both agents
  EXPECT_EQ(reason.prompts[0].images.size(), 1u);
}

TEST(Agents, BestOfNAnswersEveryChainAndVotes) {
  const Tokenizer tok = test::tiny_agent_tokenizer();
  FakeModel reason, summary;
  reason.reply = "<thoughts>x</thoughts>";
  summary.reply = "A";
  AgentOptions o;
  o.chains = 4;
  AgentRunner runner(reason.agent(tok), summary.agent(tok), tok, o);
  AgentAnswer a = runner.ask({"Q?", {}});
  EXPECT_EQ(a.chains.size(), 4u);
  EXPECT_EQ(summary.prompts.size(), 4u);  // one summary prompt per chain, in one batch call
  EXPECT_DOUBLE_EQ(a.agreement, 1.0);
  EXPECT_EQ(a.answer, "A");
}

TEST(Agents, TwoAgentsRunOnATinyRealModel) {
  const Tokenizer tok = test::tiny_agent_tokenizer();
  Generator rg(test::tiny_multimodal_lm(tok.vocab_size(), 1)), sg(test::tiny_multimodal_lm(tok.vocab_size(), 2));
  AgentOptions o;
  o.reason.max_new_tokens = 12;
  o.summary.max_new_tokens = 6;
  o.chains = 2;
  AgentRunner runner(agent_model(rg), agent_model(sg), tok, o);
  AgentAnswer a = runner.ask({"How many?", {test::tiny_test_image()}});
  ASSERT_EQ(a.chains.size(), 2u);
  for (const auto& c : a.chains) {
    EXPECT_LE(c.reason.tokens.size(), 12u);
    EXPECT_LE(c.summary.tokens.size(), 6u);
  }
  EXPECT_GT(a.prompt_tokens, 0);
  ChatAnswer single = chat_once(agent_model(sg), tok, {{"user", "<image>\nHi"}}, {test::tiny_test_image()},
                                o.summary, 2);
  EXPECT_EQ(single.texts.size(), 2u);
}

TEST(Agents, AReplyPrefixIsPrefilledAfterTheTemplateAndNotEchoed) {
  const Tokenizer tok = test::tiny_agent_tokenizer();
  Generator g(test::tiny_multimodal_lm(tok.vocab_size(), 3));
  const AgentModel m = agent_model(g);
  GenerationParams greedy;
  greedy.max_new_tokens = 5;
  const std::string prefix = "The answer is";
  const ChatAnswer plain = chat_once(m, tok, {{"user", "Hi"}}, {}, greedy, 1);
  const ChatAnswer prefilled = chat_once(m, tok, {{"user", "Hi"}}, {}, greedy, 1, nullptr, prefix);
  EncodeOptions no_bos;
  no_bos.add_bos = false;
  const std::vector<int32_t> prefix_ids = tok.encode(prefix, no_bos);
  ASSERT_FALSE(prefix_ids.empty());
  EXPECT_EQ(prefilled.prompt_tokens, plain.prompt_tokens + static_cast<int64_t>(prefix_ids.size()));
  // The same continuation as sampling the rendered template followed by the prefix's tokens.
  Prompt by_hand;
  const ChatTemplate tpl(m.template_name, tok);
  for (int32_t id : tpl.generation_prompt({{"user", "Hi"}}).ids) by_hand.ids.push_back(id);
  for (int32_t id : prefix_ids) by_hand.ids.push_back(id);
  GenerationParams stop = greedy;
  for (int32_t id : tpl.stop_ids()) stop.stop_ids.push_back(id);
  if (tok.eos_id() >= 0) stop.stop_ids.push_back(tok.eos_id());
  const std::vector<GenerationResult> expected = m.sample({by_hand}, 1, stop, nullptr);
  ASSERT_EQ(prefilled.results.size(), 1u);
  EXPECT_EQ(prefilled.results[0].tokens, expected[0].tokens);
  EXPECT_EQ(prefilled.texts[0], decode_generated(tok, expected[0].tokens, true));
}
