// tools/tokenize.cpp — `insightv tokenize`: encode / decode JSON lines with a tokenizer, apply a
// chat template, or train a byte-level BPE tokenizer.
//   insightv tokenize --tokenizer FILE            stdin: one JSON string per line → JSON id arrays
//   insightv tokenize --tokenizer FILE --decode   stdin: one JSON id array per line → JSON strings
//   insightv tokenize --tokenizer FILE --template llava_llama_3 [--mask-mode llava] [--generation-prompt]
//                                                 stdin: one conversation per line ([{role, content}]
//                                                 or LLaVA [{from, value}]) → {ids, loss_mask, image_positions}
//   insightv tokenize train --corpus FILE --vocab-size N --out DIR
#include <cstdio>
#include <iostream>

#include "io/bpe_trainer.h"
#include "io/chat_template.h"
#include "io/json.h"
#include "io/tokenizer.h"
#include "tools/verbs.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/log.h"

namespace insightv::cli {

namespace {

struct TokenizeOptions {
  std::string tokenizer;
  bool decode = false, add_bos = false, no_special = false, skip_special = false;
  std::string chat_template, mask_mode = "assistant";
  bool generation_prompt = false;
};

struct TrainOptions {
  std::string corpus, out;
  int vocab_size = 4096, min_frequency = 2;
};

std::vector<ChatMessage> conversation(const json& v, size_t line) {
  check(v.is_array(), "tokenize", "stdin line " + std::to_string(line) + ": expected a JSON array of messages");
  std::vector<ChatMessage> msgs;
  for (const json& m : v) {
    const bool llava = m.is_object() && m.contains("from");
    const char* role = llava ? "from" : "role";
    const char* content = llava ? "value" : "content";
    check(m.is_object() && m.contains(role) && m[role].is_string() && m.contains(content) &&
              m[content].is_string(),
          "tokenize", "stdin line " + std::to_string(line) + ": a message is not {role, content}: " + m.dump());
    msgs.push_back({m[role].get<std::string>(), m[content].get<std::string>()});
  }
  return msgs;
}

int run_tokenize(const TokenizeOptions& opt) {
  check(!opt.tokenizer.empty(), "tokenize", "--tokenizer is required",
        "pass a tokenizer.json (or its folder), or use `insightv tokenize train`");
  const Tokenizer tok = Tokenizer::load(opt.tokenizer);
  std::unique_ptr<ChatTemplate> tpl;
  if (!opt.chat_template.empty()) {
    ChatTemplateOptions copt;
    copt.mask_mode = parse_mask_mode(opt.mask_mode);
    copt.parse_special_in_content = !opt.no_special;
    tpl = std::make_unique<ChatTemplate>(opt.chat_template, tok, copt);
  }
  const EncodeOptions enc{opt.add_bos, !opt.no_special};
  const DecodeOptions dec{opt.skip_special, /*repair_utf8=*/true};
  std::string line;
  size_t n = 0;
  while (std::getline(std::cin, line)) {
    ++n;
    if (line.empty()) continue;
    const json v = parse_json(line, "stdin line " + std::to_string(n));
    std::string out;
    if (tpl) {
      const auto msgs = conversation(v, n);
      const EncodedChat ex = opt.generation_prompt ? tpl->generation_prompt(msgs) : tpl->encode(msgs);
      out = json{{"ids", ex.ids}, {"loss_mask", ex.loss_mask}, {"image_positions", ex.image_positions}}.dump();
    } else if (opt.decode) {
      check(v.is_array(), "tokenize", "stdin line " + std::to_string(n) + ": expected a JSON array of ids, got " +
                                          v.dump().substr(0, 60));
      std::vector<int32_t> ids;
      for (const json& x : v) {
        check(x.is_number_integer(), "tokenize",
              "stdin line " + std::to_string(n) + ": id " + x.dump() + " is not an integer");
        ids.push_back(x.get<int32_t>());
      }
      out = json(tok.decode(ids, dec)).dump();
    } else {
      check(v.is_string(), "tokenize",
            "stdin line " + std::to_string(n) + ": expected a JSON string, got " + v.dump().substr(0, 60),
            "quote each text as a JSON string, one per line (use --decode for id arrays)");
      out = json(tok.encode(v.get_ref<const std::string&>(), enc)).dump();
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fputc('\n', stdout);
  }
  std::fflush(stdout);
  return 0;
}

int run_train(const TrainOptions& opt) {
  BpeTrainerOptions t;
  t.vocab_size = opt.vocab_size;
  t.min_frequency = opt.min_frequency;
  BpeTrainStats stats;
  const TokenizerSpec spec = train_bpe(read_file(opt.corpus), t, &stats);
  write_tokenizer_files(opt.out, spec);
  IV_LOG(info) << "trained " << stats.merges << " merges from " << stats.corpus_bytes << " bytes ("
               << stats.distinct_pieces << " distinct pieces) in " << stats.seconds << " s → "
               << join_path(opt.out, "tokenizer.json");
  std::printf("%s\n", json{{"out", opt.out}, {"vocab_size", spec.vocab.size() + spec.added_tokens.size()},
                          {"merges", stats.merges}, {"corpus_bytes", stats.corpus_bytes},
                          {"seconds", stats.seconds}}.dump().c_str());
  return 0;
}

}  // namespace

VerbFn add_tokenize(CLI::App& app, const GlobalOptions& /*global*/) {
  auto opt = std::make_shared<TokenizeOptions>();
  auto topt = std::make_shared<TrainOptions>();
  CLI::App* cmd = app.add_subcommand("tokenize", "Encode/decode JSON lines with a tokenizer, apply a chat template, or train one");
  cmd->add_option("--tokenizer", opt->tokenizer, "tokenizer.json, or the folder holding it");
  cmd->add_flag("--decode", opt->decode, "read JSON id arrays, write JSON strings");
  cmd->add_flag("--add-bos", opt->add_bos, "prepend the BOS token when encoding");
  cmd->add_flag("--no-special", opt->no_special, "treat special tokens in the text as plain text");
  cmd->add_flag("--skip-special", opt->skip_special, "drop special tokens when decoding");
  cmd->add_option("--template", opt->chat_template, "apply a chat template: llava_llama_3 | chatml")
      ->check(CLI::IsMember(ChatTemplate::names()));
  cmd->add_option("--mask-mode", opt->mask_mode, "loss mask with --template: assistant | llava")
      ->check(CLI::IsMember({"assistant", "llava"}));
  cmd->add_flag("--generation-prompt", opt->generation_prompt, "with --template: render the prompt for generation");
  cmd->require_subcommand(0, 1);
  CLI::App* train = cmd->add_subcommand("train", "Train a byte-level BPE tokenizer on a text corpus");
  train->add_option("--corpus", topt->corpus, "UTF-8 text file")->required()->check(CLI::ExistingFile);
  train->add_option("--vocab-size", topt->vocab_size, "total vocabulary size (bytes + merges + special tokens)")
      ->check(CLI::Range(300, 1 << 20));
  train->add_option("--min-frequency", topt->min_frequency, "least count of a pair to merge")
      ->check(CLI::PositiveNumber);
  train->add_option("--out", topt->out, "folder for tokenizer.json + tokenizer_config.json")->required();
  return [opt, topt, train]() { return train->parsed() ? run_train(*topt) : run_tokenize(*opt); };
}

}  // namespace insightv::cli
