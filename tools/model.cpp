// tools/model.cpp — `insightv model init --preset NAME --out DIR`: a randomly initialised
// checkpoint folder (config.json + model.safetensors; tokenizer files copied when given).
#include <torch/torch.h>

#include <cstdio>

#include "io/tokenizer.h"
#include "model/checkpoint.h"
#include "tools/verbs.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/log.h"

namespace insightv::cli {

VerbFn add_model(CLI::App& app, const GlobalOptions&) {
  struct Options {
    std::string preset = "nano", out, tokenizer_dir;
    int64_t seed = 0, vocab_size = 0;
    bool allow_large = false;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("model", "Create model checkpoints");
  CLI::App* init = cmd->add_subcommand("init", "Write a randomly initialised checkpoint folder");
  cmd->require_subcommand(1);
  init->add_option("--preset", opt->preset, "nano | llava-next-llama3-8b");
  init->add_option("--out", opt->out, "output folder")->required();
  init->add_option("--seed", opt->seed, "initialisation seed");
  init->add_option("--vocab-size", opt->vocab_size, "override the preset's vocabulary size (match your tokenizer)");
  init->add_option("--tokenizer", opt->tokenizer_dir,
                   "folder with tokenizer.json (+ tokenizer_config.json): copied, and it sets the vocabulary "
                   "size, the <image> placeholder id and bos/eos/pad");
  init->add_flag("--allow-large", opt->allow_large, "allow presets above 1B parameters (needs the memory)");
  struct AddOptions {
    std::string model, out, tokens = "<image>,<thoughts>,</thoughts>,<output>,</output>";
  };
  auto add = std::make_shared<AddOptions>();
  CLI::App* add_tokens = cmd->add_subcommand(
      "add-tokens", "Add special tokens to a checkpoint's tokenizer and grow its embeddings (new rows = mean)");
  add_tokens->add_option("--model", add->model, "checkpoint folder with tokenizer.json")->required();
  add_tokens->add_option("--tokens", add->tokens, "comma-separated tokens (default: Insight-V's)");
  add_tokens->add_option("--out", add->out, "output folder (default: in place)");
  return [opt, add, add_tokens]() {
    if (add_tokens->parsed()) {
      const std::string out = add->out.empty() ? add->model : add->out;
      Checkpoint ckpt = load_checkpoint(add->model);
      Tokenizer tok = Tokenizer::load(add->model);
      std::vector<std::string> tokens;
      for (size_t start = 0; start <= add->tokens.size();) {
        const size_t comma = std::min(add->tokens.find(',', start), add->tokens.size());
        if (comma > start) tokens.push_back(add->tokens.substr(start, comma - start));
        start = comma + 1;
      }
      const auto ids = tok.add_tokens(tokens, /*special=*/true);
      const int64_t old_vocab = ckpt.config.text.vocab_size;
      ckpt.model->resize_vocabulary(std::max<int64_t>(old_vocab, tok.vocab_size()));
      ModelConfig cfg = ckpt.model->config();
      if (tok.token_to_id("<image>") >= 0 && cfg.is_multimodal() && cfg.mm.image_token_index < 0)
        IV_LOG(info) << "note: <image> is token " << tok.token_to_id("<image>")
                     << " but config keeps image_token_index " << cfg.mm.image_token_index << " (original LLaVA)";
      save_checkpoint(out, ckpt.model, cfg);
      tok.save(out);
      std::string list;
      for (size_t i = 0; i < ids.size(); ++i) list += (i ? ", " : "") + tokens[i] + "=" + std::to_string(ids[i]);
      IV_LOG(info) << "vocabulary " << old_vocab << " -> " << cfg.text.vocab_size << " (" << list << ")";
      return 0;
    }
    ModelConfig cfg = preset_config(opt->preset);
    if (!opt->tokenizer_dir.empty()) {
      // Size the vocabulary to the tokenizer and point the image placeholder at its <image>.
      fit_config_to_tokenizer(cfg, Tokenizer::load(opt->tokenizer_dir));
    }
    if (opt->vocab_size > 0) cfg.text.vocab_size = opt->vocab_size;
    const ParamCount n = count_parameters(cfg);
    if (n.total() > 1'000'000'000 && !opt->allow_large)
      throw Error("model", "preset '" + opt->preset + "' has " + std::to_string(n.total()) +
                               " parameters (" + std::to_string(n.total() * 4 >> 30) + " GiB in fp32)",
                  "pass --allow-large if this machine has the memory");
    torch::manual_seed(opt->seed);
    MultimodalLM lm(cfg);
    save_checkpoint(opt->out, lm, cfg);
    if (!opt->tokenizer_dir.empty())
      for (const char* f : {"tokenizer.json", "tokenizer_config.json"}) {
        const std::string src = join_path(opt->tokenizer_dir, f);
        if (file_exists(src)) write_file_atomic(join_path(opt->out, f), read_file(src));
      }
    IV_LOG(info) << "wrote " << opt->out << " (" << n.total() << " parameters)";
    return 0;
  };
}

}  // namespace insightv::cli
