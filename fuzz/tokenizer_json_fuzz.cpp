// fuzz/tokenizer_json_fuzz.cpp — libFuzzer target: loading a hub tokenizer.json
// (io/tokenizer_file.h parse + io/tokenizer.h validation), then encoding and decoding with
// whatever loaded. The input is the tokenizer.json text.
//
// Contract checked: loading throws only insightv::Error; a tokenizer that loads encodes valid
// UTF-8 to ids it can decode, decode(encode(s)) == s when no added token strips whitespace,
// and invalid UTF-8 is an Error, not a crash.
#include <cstdint>
#include <set>
#include <string>

#include "fuzz_util.h"
#include "io/json.h"
#include "io/tokenizer.h"
#include "util/error.h"

namespace {

const char* const kTexts[] = {
    "Hello world! 123 4567 it's",
    "  spaces\tand\nnewlines\r\n ",
    "caf\xc3\xa9 \xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x98\x80",
    "<|begin_of_text|><image>\nHow many? <|eot_id|><thoughts></thoughts>",
    "",
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const insightv::json root =
        insightv::parse_json(std::string(insightv::fuzz::as_text(data, size)), "fuzz tokenizer.json");
    insightv::Tokenizer tok(insightv::parse_tokenizer_json(root, "fuzz tokenizer.json"));
    // Round trips hold unless an added token strips whitespace, a prefix space is added, or an
    // added token takes over a vocabulary id (then that id decodes as the added text).
    std::set<int32_t> vocab_ids;
    for (const auto& [text, id] : tok.spec().vocab) vocab_ids.insert(id);
    bool round_trips = !tok.spec().add_prefix_space;
    for (const auto& t : tok.spec().added_tokens)
      round_trips = round_trips && !t.lstrip && !t.rstrip && vocab_ids.count(t.id) == 0;
    for (const char* text : kTexts) {
      for (bool special : {true, false}) {
        insightv::EncodeOptions eo;
        eo.parse_special = special;
        const std::vector<int32_t> ids = tok.encode(text, eo);
        for (int32_t id : ids) IV_FUZZ_CHECK(id >= 0 && id < tok.vocab_size(), "ids in range");
        const std::string back = tok.decode(ids);
        if (round_trips) IV_FUZZ_CHECK(back == text, "decode(encode(s)) == s");
        insightv::DecodeOptions d;
        d.skip_special = true;
        d.repair_utf8 = true;
        tok.decode(ids, d);
      }
    }
    try {
      tok.encode("bad \xff utf-8");
      IV_FUZZ_CHECK(false, "invalid UTF-8 must be an Error");
    } catch (const insightv::Error&) {
    }
    for (int32_t id = -1; id <= tok.vocab_size() && id < 512; ++id) {
      tok.is_special(id);
      tok.is_added(id);
      try {
        IV_FUZZ_CHECK(tok.token_to_id(tok.id_to_token(id)) >= 0, "a token's text has an id");
      } catch (const insightv::Error&) {
      }
    }
  } catch (const insightv::Error&) {
  }
  return 0;
}
