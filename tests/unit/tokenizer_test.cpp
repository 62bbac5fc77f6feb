// Unit tests of the byte-level BPE tokenizer: alphabet, pre-tokenizer, merges, added tokens,
// decode, cache and threads — on hand-built tokenizers whose ids are worked out by hand.
// (Parity with the real LLaMA-3 tokenizer: tests/integration/llama3_parity_test.cpp.)
#include <gtest/gtest.h>

#include <cstring>
#include <thread>

#include "io/byte_level.h"
#include "io/piece_cache.h"
#include "io/pretokenize.h"
#include "io/tokenizer.h"
#include "support/subprocess.h"
#include "support/toy_tokenizer.h"
#include "util/error.h"
#include "util/fs.h"

using insightv::DecodeOptions;
using insightv::EncodeOptions;
using insightv::Pretokenizer;
using insightv::Tokenizer;
using insightv::test::toy_byte_id;
using insightv::test::toy_bytes;
using insightv::test::toy_spec;
using Ids = std::vector<int32_t>;

TEST(ByteLevel, MapsSpaceAndNewlineToTheGpt2Symbols) {
  EXPECT_EQ(insightv::bytes_to_token_text(" \n"), "\xC4\xA0\xC4\x8A");  // "ĠĊ"
  EXPECT_EQ(insightv::bytes_to_token_text("Hi!"), "Hi!");
}

TEST(ByteLevel, EveryByteRoundTrips) {
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  std::string back;
  ASSERT_TRUE(insightv::token_text_to_bytes(insightv::bytes_to_token_text(all), back));
  EXPECT_EQ(back, all);
}

TEST(ByteLevel, RepairReplacesInvalidUtf8) {
  EXPECT_EQ(insightv::repair_utf8("a\xC3"), "a\xEF\xBF\xBD");
  EXPECT_EQ(insightv::repair_utf8("\xC3\xA9"), "\xC3\xA9");
  EXPECT_EQ(insightv::valid_utf8_prefix("ab\xED\xA0\x80"), 2u);  // a UTF-16 surrogate
}

TEST(Pretokenizer, SplitsLikeTheLlama3Pattern) {
  const Pretokenizer pre(insightv::kLlama3Pattern);
  const std::vector<std::string> want = {"Hello", " world", "'s", " ", "123", "45",
                                         " !!!\n\n", " ", " x"};
  EXPECT_EQ(pre.split_to_vector("Hello world's 12345 !!!\n\n  x"), want);
  const std::vector<std::string> contractions = {"I", "'LL", " ", " don", "'t", "\r\n", "\tok"};
  EXPECT_EQ(pre.split_to_vector("I'LL  don't\r\n\tok"), contractions);
}

TEST(Pretokenizer, SplitsLikeTheGpt2Pattern) {
  const Pretokenizer pre(insightv::kGpt2Pattern);
  const std::vector<std::string> want = {"Hello", " world", "'s", " 12345", " !!!", "\n\n", " x"};
  EXPECT_EQ(pre.split_to_vector("Hello world's 12345 !!!\n\n  x").size(), 7u);
  EXPECT_EQ(pre.split_to_vector("Hello world's 12345 !!!\n\n x"), want);
}

TEST(Pretokenizer, WhitespaceIsUnicodeWhiteSpace) {
  // As in Meta's tiktoken: U+0085 is whitespace; U+FEFF and U+180E are not.
  const Pretokenizer pre(insightv::kLlama3Pattern);
  using V = std::vector<std::string>;
  EXPECT_EQ(pre.split_to_vector("!\xC2\x85"), (V{"!", "\xC2\x85"}));
  EXPECT_EQ(pre.split_to_vector("!\xEF\xBB\xBF"), (V{"!\xEF\xBB\xBF"}));
  EXPECT_EQ(pre.split_to_vector("\xE1\xA0\x8E'B"), (V{"\xE1\xA0\x8E'", "B"}));
  EXPECT_EQ(pre.split_to_vector("a \xE1\xA0\x8E"), (V{"a", " \xE1\xA0\x8E"}));
}

TEST(Pretokenizer, CaseInsensitiveContractionsFollowUnicodeCaseFolding) {
  // (?i:'s) also matches 's' written as U+017F LATIN SMALL LETTER LONG S, as in tiktoken.
  const Pretokenizer pre(insightv::kLlama3Pattern);
  EXPECT_EQ(pre.split_to_vector("it'\xC5\xBF"), (std::vector<std::string>{"it", "'\xC5\xBF"}));
}

TEST(Pretokenizer, RewritesWhitespaceEscapesInAndOutOfClasses) {
  EXPECT_EQ(insightv::adapt_whitespace_class("\\s+(?!\\S)|[^\\s\\p{L}]+|[\\sx]|[^\\S]|\\\\s"),
            "[^\\S\\x{180E}]+(?![\\S\\x{180E}])|(?:[^\\s\\p{L}]|\\x{180E})+|"
            "(?:(?!\\x{180E})[\\sx])|[^\\S\\x{180E}]|\\\\s");
}

TEST(Bpe, AppliesLowestRankFirst) {
  const Tokenizer tok(toy_spec({{"a", "b"}, {"ab", "c"}, {"b", "c"}}));
  EXPECT_EQ(tok.encode("abc"), (Ids{257}));       // a+b (rank 0), then ab+c
  EXPECT_EQ(tok.encode("bcab"), (Ids{258, 256}));  // a+b first, then b+c
}

TEST(Bpe, BreaksTiesLeftmost) {
  const Tokenizer tok(toy_spec({{"a", "a"}}));
  EXPECT_EQ(tok.encode("aaa"), (Ids{256, toy_byte_id('a')}));
}

TEST(Bpe, LongPieceEncodesAndRoundTrips) {
  const Tokenizer tok(toy_spec({{"a", "a"}, {"aa", "aa"}, {"aaaa", "aaaa"}}));
  const std::string text(300000, 'a');  // one pre-token of 300k letters
  const Ids ids = tok.encode(text);
  EXPECT_EQ(ids.size(), 300000u / 8);
  EXPECT_EQ(tok.decode(ids), text);
}

TEST(Bpe, IgnoreMergesTakesWholeVocabularyPieces) {
  auto spec = toy_spec({{"a", "b"}});
  spec.vocab.emplace_back("abd", 257);  // reachable only as a whole piece
  Tokenizer plain(spec);
  EXPECT_EQ(plain.encode("abd"), (Ids{256, toy_byte_id('d')}));
  spec.ignore_merges = true;
  Tokenizer ignoring(spec);
  EXPECT_EQ(ignoring.encode("abd"), (Ids{257}));
}

TEST(AddedTokens, SpecialTokensAreMatchedBeforeBpeUnlessDisabled) {
  const Tokenizer tok(toy_spec({{"<", "|"}}, {"<|eot|>"}));
  const int32_t eot = tok.token_to_id("<|eot|>");
  EXPECT_EQ(eot, 257);
  EXPECT_EQ(tok.encode("a<|eot|>b"), (Ids{toy_byte_id('a'), eot, toy_byte_id('b')}));
  const Ids as_text = tok.encode("<|eot|>", EncodeOptions{false, false});
  EXPECT_EQ(as_text.front(), 256);  // "<|" merged as ordinary text
  EXPECT_EQ(tok.decode(as_text), "<|eot|>");
}

TEST(AddedTokens, NonSpecialTokensAreAlwaysMatched) {
  auto spec = toy_spec({}, {});
  spec.added_tokens.push_back({256, "<x>", /*special=*/false});
  const Tokenizer tok(spec);
  EXPECT_EQ(tok.encode("<x>", EncodeOptions{false, false}), (Ids{256}));
}

TEST(AddedTokens, LongestMatchWinsAndStripsSwallowSpaces) {
  auto spec = toy_spec({}, {"<a>", "<a>>"});
  spec.added_tokens[1].lstrip = true;
  spec.added_tokens[1].rstrip = true;
  const Tokenizer tok(spec);
  EXPECT_EQ(tok.encode("x <a>> y"), (Ids{toy_byte_id('x'), 257, toy_byte_id('y')}));
  EXPECT_EQ(tok.encode("<a>"), (Ids{256}));
}

TEST(AddedTokens, AddTokensAppendsIdsAndKeepsExistingOnes) {
  Tokenizer tok(toy_spec({}, {"<|eot|>"}));
  const Ids ids = tok.add_tokens({"<image>", "<thoughts>", "</thoughts>", "<output>", "</output>", "<|eot|>"});
  EXPECT_EQ(ids, (Ids{257, 258, 259, 260, 261, 256}));
  EXPECT_EQ(tok.vocab_size(), 262);
  EXPECT_EQ(tok.encode("<thoughts>x</thoughts>"), (Ids{258, toy_byte_id('x'), 259}));
  EXPECT_TRUE(tok.is_special(258));
}

TEST(AddedTokens, SurviveSaveAndLoad) {
  Tokenizer tok(toy_spec({{"a", "b"}}, {"<|eot|>"}));
  tok.add_tokens({"<image>"});
  const std::string dir = insightv::test::make_temp_dir("tok-save");
  tok.save(dir);
  const Tokenizer back = Tokenizer::load(dir);
  EXPECT_EQ(back.encode("ab<image><|eot|>"), (Ids{256, 258, 257}));
  EXPECT_EQ(back.vocab_size(), 259);
}

TEST(Decode, JoinsUtf8SplitAcrossTokens) {
  const Tokenizer tok(toy_spec({}));
  const Ids ids = tok.encode("\xC3\xA9");  // é: two byte tokens
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(tok.decode(ids), "\xC3\xA9");
  EXPECT_EQ(tok.decode({ids[0]}), "\xC3");
  EXPECT_EQ(tok.decode({ids[0]}, DecodeOptions{false, true}), "\xEF\xBF\xBD");
}

TEST(Decode, SkipsSpecialTokensWhenAsked) {
  const Tokenizer tok(toy_spec({}, {"<|eot|>"}));
  const Ids ids = tok.encode("hi<|eot|>");
  EXPECT_EQ(tok.decode(ids), "hi<|eot|>");
  EXPECT_EQ(tok.decode(ids, DecodeOptions{true, false}), "hi");
}

TEST(Decode, RejectsUnknownIdsClearly) {
  const Tokenizer tok(toy_spec({}));
  try {
    tok.decode({-200});
    FAIL() << "expected an error";
  } catch (const insightv::Error& e) {
    EXPECT_NE(std::string(e.what()).find("-200"), std::string::npos) << e.what();
  }
}

TEST(Encode, RejectsInvalidUtf8) {
  const Tokenizer tok(toy_spec({}));
  EXPECT_THROW(tok.encode("ok\xFF"), insightv::Error);
}

TEST(Encode, AddsBosFromTheConfig) {
  auto spec = toy_spec({}, {"<s>"});
  spec.bos_token = "<s>";
  const Tokenizer tok(spec);
  EXPECT_EQ(tok.encode("a", EncodeOptions{true, true}), (Ids{256, toy_byte_id('a')}));
  EXPECT_EQ(tok.bos_id(), 256);
}

TEST(Encode, CachedAndColdResultsAgreeAcrossThreads) {
  const Tokenizer tok(toy_spec({{"t", "h"}, {"th", "e"}, {" ", "the"}}));
  std::string text;
  for (int i = 0; i < 2000; ++i) text += "the cat " + std::to_string(i) + " sat on the mat. ";
  tok.clear_cache();
  const Ids cold = tok.encode(text);
  EXPECT_GT(tok.cache_entries(), 0u);
  std::vector<Ids> results(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back([&, t] { results[t] = tok.encode(text); });
  for (auto& th : threads) th.join();
  for (const auto& r : results) EXPECT_EQ(r, cold);
  EXPECT_EQ(tok.decode(cold), text);
}

// A run of one character is one long pre-token; kept in the cache, every request's text stayed
// in memory (found by tests/integration/server_abuse_test.cpp). Long pieces are not kept, and the
// key bytes stay under a budget.
TEST(PieceCache, LongPiecesAreNotKeptAndKeyBytesAreBounded) {
  insightv::PieceCache c(1 << 16);
  EXPECT_EQ(c.slots(), 256u);  // starts small
  const int32_t ids[2] = {1, 2};
  const std::string long_piece(insightv::PieceCache::kMaxPieceBytes + 1, 'a');
  c.insert(long_piece, insightv::PieceCache::hash(long_piece), ids, 2);
  EXPECT_EQ(c.size(), 0u);
  EXPECT_FALSE(c.find(long_piece, insightv::PieceCache::hash(long_piece)));
  const std::string piece(insightv::PieceCache::kMaxPieceBytes, 'b');
  size_t inserted = 0;
  for (size_t i = 0; i < 2 * insightv::PieceCache::kMaxKeyBytes / piece.size(); ++i) {
    std::string k = piece;
    std::memcpy(k.data(), &i, sizeof(i));
    c.insert(k, insightv::PieceCache::hash(k), ids, 2);
    ++inserted;
    ASSERT_LE(c.size() * piece.size(), insightv::PieceCache::kMaxKeyBytes);
  }
  EXPECT_LT(c.size(), inserted);  // it emptied itself on the way
  EXPECT_GT(c.size(), 0u);
  EXPECT_GT(c.slots(), 256u);      // and grew
  EXPECT_LE(c.slots(), 2u << 16);
}

TEST(PieceCache, EveryEntryIsFoundAfterTheSlotArrayGrows) {
  insightv::PieceCache c(4096);
  std::vector<std::string> keys;
  for (int i = 0; i < 3000; ++i) {
    keys.push_back("piece-" + std::to_string(i));
    const int32_t id = i;
    c.insert(keys.back(), insightv::PieceCache::hash(keys.back()), &id, 1);
  }
  EXPECT_EQ(c.size(), 3000u);
  for (int i = 0; i < 3000; ++i) {
    const auto hit = c.find(keys[i], insightv::PieceCache::hash(keys[i]));
    ASSERT_TRUE(hit) << keys[i];
    EXPECT_EQ(hit.ids[0], i);
  }
}
