// Unit tests of the BPE trainer: trained tokenizers load back, round-trip any text, compress
// VisWorld-style text, are deterministic, and carry the chat templates' special tokens.
#include <gtest/gtest.h>

#include "io/bpe_trainer.h"
#include "io/chat_template.h"
#include "io/byte_level.h"
#include "io/tokenizer.h"
#include "support/subprocess.h"
#include "support/text_corpus.h"
#include "util/error.h"

using insightv::BpeTrainerOptions;
using insightv::Tokenizer;

namespace {

insightv::TokenizerSpec train_small(int vocab_size = 700) {
  BpeTrainerOptions opt;
  opt.vocab_size = vocab_size;
  return insightv::train_bpe(insightv::test::visworld_text(7, 3000), opt);
}

}  // namespace

TEST(BpeTrainer, TrainedTokenizerLoadsBackAndRoundTripsAnyText) {
  const std::string dir = insightv::test::make_temp_dir("bpe-train");
  insightv::write_tokenizer_files(dir, train_small());
  const Tokenizer tok = Tokenizer::load(dir);
  for (const auto& c : insightv::test::parity_corpus(5, 15))
    EXPECT_EQ(tok.decode(tok.encode(c.text)), c.text) << insightv::test::show(c.text);
  EXPECT_EQ(tok.bos_id(), tok.token_to_id("<|begin_of_text|>"));
}

TEST(BpeTrainer, CompressesHeldOutVisWorldTextToFewerTokensThanBytes) {
  const Tokenizer tok(train_small());
  const std::string held_out = insightv::test::visworld_text(99, 500);
  const auto ids = tok.encode(held_out);
  EXPECT_LT(ids.size(), held_out.size() / 3) << ids.size() << " tokens for " << held_out.size() << " bytes";
}

TEST(BpeTrainer, ReachesTheRequestedVocabularySizeExactly) {
  const auto spec = train_small(450);
  EXPECT_EQ(spec.vocab.size() + spec.added_tokens.size(), 450u);
  EXPECT_EQ(Tokenizer(spec).vocab_size(), 450);
}

TEST(BpeTrainer, StopsWhenNoPairOccursMinFrequencyTimes) {
  // The synthetic VisWorld text has a small vocabulary: it runs out of pairs seen twice.
  const auto spec = train_small(5000);
  EXPECT_LT(spec.vocab.size() + spec.added_tokens.size(), 5000u);
  EXPECT_GT(spec.merges.size(), 100u);
}

TEST(BpeTrainer, IsDeterministic) {
  EXPECT_EQ(insightv::tokenizer_json(train_small()).dump(), insightv::tokenizer_json(train_small()).dump());
}

TEST(BpeTrainer, SpecialTokensAreSingleIdsAndBothTemplatesWork) {
  Tokenizer tok(train_small());
  for (const auto& s : insightv::default_special_tokens()) {
    const auto ids = tok.encode(s);
    ASSERT_EQ(ids.size(), 1u) << s;
    EXPECT_TRUE(tok.is_special(ids[0])) << s;
  }
  for (const auto& name : insightv::ChatTemplate::names()) {
    const insightv::ChatTemplate tpl(name, tok);
    const auto ex = tpl.encode({{"user", "<image>\nHow many red circles?"}, {"assistant", "<thoughts>\nCounting.\n</thoughts>\n3"}});
    EXPECT_EQ(ex.image_positions.size(), 1u) << name;
    EXPECT_EQ(tok.decode({ex.ids[ex.image_positions[0]]}), "<image>");
  }
}

TEST(BpeTrainer, SpecialTokensInTheCorpusAreNotMergedIntoWords) {
  BpeTrainerOptions opt;
  opt.vocab_size = 400;
  std::string corpus;
  for (int i = 0; i < 200; ++i) corpus += "<|eot_id|>hello<|eot_id|>\n";
  const Tokenizer tok(insightv::train_bpe(corpus, opt));
  EXPECT_EQ(tok.token_to_id(insightv::bytes_to_token_text("<|")), -1);
  EXPECT_EQ(tok.encode("hello").size(), 1u);
}

TEST(BpeTrainer, TooSmallVocabularyIsAClearError) {
  BpeTrainerOptions opt;
  opt.vocab_size = 100;
  try {
    insightv::train_bpe("abc", opt);
    FAIL();
  } catch (const insightv::Error& e) {
    EXPECT_NE(std::string(e.what()).find("below 256 bytes"), std::string::npos) << e.what();
  }
}
