// tools/generate.cpp — `insightv generate`: one model, one prompt (and image), sampled text.
// The chat template wraps the prompt unless --raw; the logic lives in infer/agents.h
// (chat_once / complete_once) and infer/generator.h.
#include <cstdio>

#include "infer/agents.h"
#include "io/image.h"
#include "io/tokenizer.h"
#include "model/checkpoint.h"
#include "tools/verbs.h"
#include "util/error.h"

namespace insightv::cli {

VerbFn add_generate(CLI::App& app, const GlobalOptions&) {
  struct Options {
    std::string model, image, prompt, reply_prefix, template_name = "llava_llama_3", dtype = "f32";
    GenerationParams params;
    int n = 1;
    bool raw = false, stream = false, as_json = false;
  };
  auto o = std::make_shared<Options>();
  o->params.max_new_tokens = 128;
  CLI::App* cmd = app.add_subcommand("generate", "Run one model on a prompt (and an image) and print the text");
  cmd->add_option("--model", o->model, "checkpoint folder (with tokenizer.json)")->required();
  cmd->add_option("--prompt", o->prompt, "the user message (or raw text with --raw)")->required();
  cmd->add_option("--image", o->image, "PNG/JPEG given to the model before the prompt");
  cmd->add_option("--max-tokens", o->params.max_new_tokens, "new tokens at most");
  cmd->add_option("--temperature", o->params.sampling.temperature, "0: greedy");
  cmd->add_option("--top-p", o->params.sampling.top_p, "nucleus sampling mass");
  cmd->add_option("--top-k", o->params.sampling.top_k, "0: off");
  cmd->add_option("--repetition-penalty", o->params.sampling.repetition_penalty, "1: off");
  cmd->add_option("--seed", o->params.sampling.seed, "sampling seed");
  cmd->add_option("-n", o->n, "samples (one prefill, fanned out)");
  cmd->add_option("--template", o->template_name, "chat template: llava_llama_3 | chatml");
  add_dtype_flag(cmd, o->dtype);
  cmd->add_flag("--raw", o->raw, "no chat template: continue the prompt's tokens");
  cmd->add_option("--reply-prefix", o->reply_prefix,
                  "the assistant's reply starts with this text (prefilled); the output is what the model adds");
  cmd->add_flag("--stream", o->stream, "print tokens as they are generated (first sample)");
  cmd->add_flag("--json", o->as_json, "print a JSON object with every sample and token counts");
  return [o]() {
    check(!(o->raw && !o->image.empty()), "generate", "--raw takes no --image", "drop --raw to use the chat template");
    check(!(o->raw && !o->reply_prefix.empty()), "generate", "--raw takes no --reply-prefix",
          "end the raw prompt with the prefix instead");
    LoadOptions lo;
    lo.dtype = parse_compute_dtype(o->dtype);
    Checkpoint ckpt = load_checkpoint(o->model, lo);
    const Tokenizer tok = Tokenizer::load(o->model);
    Generator gen(ckpt.model, make_detokenizer(tok));
    AgentModel m = agent_model(gen);
    m.template_name = o->template_name;
    const bool stream = o->stream && !o->as_json;
    std::function<bool(size_t, const std::string&)> on_delta;
    if (stream)
      on_delta = [](size_t sample, const std::string& d) {
        if (sample == 0) {
          std::fwrite(d.data(), 1, d.size(), stdout);
          std::fflush(stdout);
        }
        return true;
      };
    ChatAnswer a;
    if (o->raw) {
      a = complete_once(m, tok, o->prompt, o->params, o->n, on_delta);
    } else {
      std::vector<Image> images;
      if (!o->image.empty()) images.push_back(read_image(o->image));
      a = chat_once(m, tok, {{"user", (images.empty() ? "" : "<image>\n") + o->prompt}}, images, o->params, o->n,
                    on_delta, o->reply_prefix);
    }
    if (o->as_json) {
      json j = {{"texts", a.texts}, {"prompt_tokens", a.prompt_tokens}, {"completion_tokens", a.completion_tokens}};
      std::printf("%s\n", j.dump(2).c_str());
    } else if (stream) {
      std::printf("\n");
    } else {
      for (const auto& t : a.texts) std::printf("%s\n", t.c_str());
    }
    return 0;
  };
}

}  // namespace insightv::cli
