// fuzz/tokenizer_encode_fuzz.cpp — libFuzzer target: io/tokenizer.h's encode and decode on a
// fixed tokenizer (a byte-level BPE trained in-process by io/bpe_trainer.h, with the default
// special tokens). The input is the text; its bytes are also read as token ids to decode.
//
// Contract checked: valid UTF-8 encodes to in-range ids and decode(encode(s)) == s, with and
// without special-token parsing; invalid UTF-8 is an insightv::Error; decoding any in-range
// ids with repair_utf8 gives valid UTF-8 (it encodes again); out-of-range ids are an Error.
#include <cstdint>
#include <string>

#include "fuzz_util.h"
#include "io/bpe_trainer.h"
#include "io/tokenizer.h"
#include "util/error.h"

namespace {

const insightv::Tokenizer& tokenizer() {
  static const insightv::Tokenizer tok = [] {
    std::string corpus;
    for (int i = 0; i < 40; ++i)
      corpus += "Step " + std::to_string(i) + ": the answer is " + std::to_string(i * 37 % 101) +
                ". How many red circles are there? <thoughts> Counting the shapes: 3 + 4 = 7 "
                "</thoughts> caf\xc3\xa9 na\xc3\xafve \xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x98\x80 "
                "It's 12:45, don't   stop\n\n";
    insightv::BpeTrainerOptions opt;
    opt.vocab_size = 600;
    return insightv::Tokenizer(insightv::train_bpe(corpus, opt));
  }();
  return tok;
}

bool valid_utf8(std::string_view s) {
  try {
    tokenizer().encode(s);
    return true;
  } catch (const insightv::Error&) {
    return false;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const insightv::Tokenizer& tok = tokenizer();
  const std::string_view text = insightv::fuzz::as_text(data, size);
  for (bool special : {true, false}) {
    insightv::EncodeOptions eo;
    eo.parse_special = special;
    std::vector<int32_t> ids;
    try {
      ids = tok.encode(text, eo);
    } catch (const insightv::Error&) {
      continue;  // invalid UTF-8
    }
    for (int32_t id : ids) IV_FUZZ_CHECK(id >= 0 && id < tok.vocab_size(), "ids in range");
    IV_FUZZ_CHECK(tok.decode(ids) == text, "decode(encode(s)) == s");
    if (!special)
      for (int32_t id : ids) IV_FUZZ_CHECK(!tok.is_special(id), "no special ids without parse_special");
  }
  // The bytes as little-endian 16-bit ids modulo (vocab + 2), shifted so -1 and vocab occur.
  std::vector<int32_t> ids;
  bool out_of_range = false;
  for (size_t i = 0; i + 1 < size; i += 2) {
    const int32_t id = static_cast<int32_t>((data[i] | data[i + 1] << 8) % (tok.vocab_size() + 2)) - 1;
    out_of_range = out_of_range || id < 0 || id >= tok.vocab_size();
    ids.push_back(id);
  }
  try {
    insightv::DecodeOptions d;
    d.repair_utf8 = true;
    d.skip_special = size % 2 == 1;
    const std::string s = tok.decode(ids, d);
    IV_FUZZ_CHECK(!out_of_range, "out-of-range ids must be an Error");
    IV_FUZZ_CHECK(valid_utf8(s), "repair_utf8 gives valid UTF-8");
  } catch (const insightv::Error&) {
    IV_FUZZ_CHECK(out_of_range, "in-range ids decode");
  }
  return 0;
}
