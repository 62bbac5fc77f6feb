// tools/train.cpp — `insightv train sft`: one supervised fine-tuning run from LLaVA JSON.
#include <torch/torch.h>

#include <cstdio>

#include "data/llava_json.h"
#include "data/sft_data.h"
#include "io/image.h"
#include "io/tokenizer.h"
#include "model/checkpoint.h"
#include "model/image_processor.h"
#include "tools/verbs.h"
#include "train/sft.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/log.h"

namespace insightv::cli {

namespace {

struct SftOptions {
  std::string data, init, out, template_name = "llava_llama_3", mask_mode = "assistant";
  TrainConfig train;
  double epochs = 0;
};

void copy_tokenizer(const std::string& from, const std::string& to) {
  for (const char* f : {"tokenizer.json", "tokenizer_config.json"}) {
    const std::string src = join_path(from, f);
    if (file_exists(src)) write_file_atomic(join_path(to, f), read_file(src));
  }
}

int run_sft(SftOptions& o) {
  Checkpoint ckpt = load_checkpoint(o.init);
  const Tokenizer tok = Tokenizer::load(o.init);
  SftDataOptions dopt;
  dopt.template_name = o.template_name;
  dopt.mask_mode = parse_mask_mode(o.mask_mode);
  dopt.image_token_index = ckpt.config.mm.image_token_index;
  dopt.max_length = o.train.max_length;
  const auto samples = data::read_llava(o.data);
  auto examples = build_sft_examples(samples, tok, dopt, parent_dir(o.data));
  check(!examples.empty(), "train", "'" + o.data + "' holds no samples");
  if (o.epochs > 0) {
    const int64_t per_epoch = (static_cast<int64_t>(examples.size()) + o.train.batch_size - 1) / o.train.batch_size;
    o.train.steps = std::max<int64_t>(1, static_cast<int64_t>(o.epochs * per_epoch / o.train.grad_accum));
  }
  o.train.out_dir = o.out;
  IV_LOG(info) << "sft: " << examples.size() << " examples, " << o.train.steps << " steps, batch "
               << o.train.batch_size << "x" << o.train.grad_accum;
  const ModelConfig cfg = ckpt.config;
  SftTrainer trainer(ckpt.model, cfg, std::move(examples), o.train, [cfg](const std::string& path) {
    return preprocess_image(read_image(path), cfg);
  });
  const SftSummary s = trainer.run();
  copy_tokenizer(o.init, o.out);
  std::printf("{\"steps\":%lld,\"first_loss\":%.4f,\"last_loss\":%.4f,\"tokens_per_s\":%.0f}\n",
              static_cast<long long>(s.steps), s.first_loss, s.last_loss, s.tokens_per_s);
  return 0;
}

}  // namespace

VerbFn add_train(CLI::App& app, const GlobalOptions&) {
  auto o = std::make_shared<SftOptions>();
  o->train.steps = 0;  // required: --steps or --epochs
  CLI::App* cmd = app.add_subcommand("train", "Train a model (sft)");
  cmd->require_subcommand(1);
  CLI::App* sft = cmd->add_subcommand("sft", "Supervised fine-tuning on LLaVA conversation JSON/JSONL");
  sft->add_option("--data", o->data, "LLaVA JSON or JSONL (image paths relative to its folder)")->required();
  sft->add_option("--init", o->init, "checkpoint folder to start from (with tokenizer.json)")->required();
  sft->add_option("--out", o->out, "output folder: the trained checkpoint, metrics.jsonl, checkpoints/")->required();
  sft->add_option("--steps", o->train.steps, "optimizer steps");
  sft->add_option("--epochs", o->epochs, "epochs (overrides --steps)");
  sft->add_option("--batch", o->train.batch_size, "examples per micro-batch");
  sft->add_option("--grad-accum", o->train.grad_accum, "micro-batches per optimizer step");
  sft->add_option("--lr", o->train.optim.lr, "peak learning rate");
  sft->add_option("--warmup-ratio", o->train.optim.warmup_ratio, "share of steps spent warming up");
  sft->add_option("--weight-decay", o->train.optim.weight_decay, "AdamW weight decay on matrices");
  sft->add_option("--clip", o->train.optim.clip_norm, "gradient clipping norm (0: off)");
  sft->add_option("--max-length", o->train.max_length, "truncate examples to this many tokens");
  sft->add_option("--save-every", o->train.save_every, "checkpoint every N steps (0: only at the end)");
  sft->add_option("--seed", o->train.seed, "data order seed");
  sft->add_option("--tunable-parts", o->train.tunable_parts, "mm_vision_tower,mm_mlp_adapter,mm_language_model");
  sft->add_option("--template", o->template_name, "chat template: llava_llama_3 | chatml");
  sft->add_option("--mask-mode", o->mask_mode, "assistant | llava");
  sft->add_flag("--resume", o->train.resume, "continue from out/checkpoints/latest");
  return [o] {
    check(o->train.steps > 0 || o->epochs > 0, "train", "give --steps or --epochs");
    return run_sft(*o);
  };
}

}  // namespace insightv::cli
