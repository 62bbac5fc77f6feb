// tools/train.cpp — `insightv train sft|dpo|vision`: one fine-tuning run from LLaVA JSON or pairs,
// or the vision stage (the tower learns from VisWorld scene graphs, images made on the fly). Besides
// the checkpoint, OUT holds metrics.jsonl and, when training finishes, loss.png (and rewards.png for DPO).
// With torchrun's variables (WORLD_SIZE > 1, RANK, MASTER_ADDR, MASTER_PORT) the process is
// one rank of a data-parallel run (train/distributed.h); without them, one process.
#include <torch/torch.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>

#include "data/llava_json.h"
#include "data/sft_data.h"
#include "io/image.h"
#include "io/tokenizer.h"
#include "model/checkpoint.h"
#include "model/image_processor.h"
#include "tools/verbs.h"
#include "data/preference_data.h"
#include "train/distributed.h"
#include "train/dpo.h"
#include "train/sft.h"
#include "train/vision_stage.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/log.h"
#include "world/generate.h"

namespace insightv::cli {

namespace {

struct SftOptions {
  std::string data, init, out, template_name = "llava_llama_3", mask_mode = "assistant";
  TrainConfig train;
  double epochs = 0;
  double bucket_mb = 25, dist_timeout_s = 600;
  bool wait = false;
};

// The data-parallel group when the environment asks for one (WORLD_SIZE > 1), else null.
std::shared_ptr<DataParallel> join_data_parallel(double bucket_mb, double timeout_s) {
  const DistEnv env = dist_env_from_environment();
  if (!env.distributed()) return nullptr;
  check(bucket_mb > 0 && timeout_s > 0, "train", "--bucket-mb and --dist-timeout must be > 0");
  DataParallelOptions o;
  o.bucket_bytes = static_cast<int64_t>(bucket_mb * 1024 * 1024);
  o.timeout_ms = static_cast<int64_t>(timeout_s * 1000);
  return std::make_shared<DataParallel>(env, o);
}

bool is_main(const TrainConfig& t) { return !t.data_parallel || t.data_parallel->is_main(); }

void copy_tokenizer(const std::string& from, const std::string& to) {
  for (const char* f : {"tokenizer.json", "tokenizer_config.json"}) {
    const std::string src = join_path(from, f);
    if (file_exists(src)) write_file_atomic(join_path(to, f), read_file(src));
  }
}

// Rank 0 (the one writer of a data-parallel run) locks the output folder; other ranks hold nothing.
OutputLock lock_for_rank(const TrainConfig& t, const std::string& out, bool wait) {
  return is_main(t) ? lock_output(out, "train", wait) : OutputLock();
}

int run_sft(SftOptions& o) {
  o.train.data_parallel = join_data_parallel(o.bucket_mb, o.dist_timeout_s);
  const OutputLock lock = lock_for_rank(o.train, o.out, o.wait);
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
  if (!is_main(o.train)) return 0;  // rank 0 writes and reports
  copy_tokenizer(o.init, o.out);
  std::printf("{\"steps\":%lld,\"first_loss\":%.4f,\"last_loss\":%.4f,\"tokens_per_s\":%.0f}\n",
              static_cast<long long>(s.steps), s.first_loss, s.last_loss, s.tokens_per_s);
  return 0;
}

struct DpoOptions {
  std::string pairs, init, out, template_name = "llava_llama_3";
  DpoTrainConfig cfg;
  double epochs = 0;
  double bucket_mb = 25, dist_timeout_s = 600;
  bool wait = false;
};

int run_dpo(DpoOptions& o) {
  o.cfg.train.data_parallel = join_data_parallel(o.bucket_mb, o.dist_timeout_s);
  const OutputLock lock = lock_for_rank(o.cfg.train, o.out, o.wait);
  Checkpoint ckpt = load_checkpoint(o.init);
  const Tokenizer tok = Tokenizer::load(o.init);
  SftDataOptions dopt;
  dopt.template_name = o.template_name;
  dopt.image_token_index = ckpt.config.mm.image_token_index;
  dopt.max_length = o.cfg.train.max_length;
  auto examples = build_preference_examples(read_preference_pairs(o.pairs), tok, dopt, parent_dir(o.pairs));
  check(!examples.empty(), "train", "'" + o.pairs + "' holds no pairs");
  if (o.epochs > 0) {
    const int64_t per_epoch = (static_cast<int64_t>(examples.size()) + o.cfg.train.batch_size - 1) / o.cfg.train.batch_size;
    o.cfg.train.steps = std::max<int64_t>(1, static_cast<int64_t>(o.epochs * per_epoch / o.cfg.train.grad_accum));
  }
  o.cfg.train.out_dir = o.out;
  const ModelConfig cfg = ckpt.config;
  DpoTrainer trainer(ckpt.model, cfg, std::move(examples), o.cfg, [cfg](const std::string& path) {
    return preprocess_image(read_image(path), cfg);
  });
  const DpoSummary s = trainer.run();
  if (!is_main(o.cfg.train)) return 0;
  copy_tokenizer(o.init, o.out);
  std::printf("{\"steps\":%lld,\"reference_cache_hit\":%s,\"first_loss\":%.4f,\"last_loss\":%.4f,"
              "\"last_accuracy\":%.3f,\"last_margin\":%.4f,\"pairs_per_s\":%.1f}\n",
              static_cast<long long>(s.steps), s.reference_cache_hit ? "true" : "false",
              s.losses.empty() ? 0.0 : s.losses.front(), s.losses.empty() ? 0.0 : s.losses.back(),
              s.accuracies.empty() ? 0.0 : s.accuracies.back(), s.margins.empty() ? 0.0 : s.margins.back(),
              s.pairs_per_s);
  return 0;
}

struct VisionOptions {
  std::string init, out, heads, difficulties = "mix";
  VisionStageConfig cfg;
  bool wait = false;
};

// An option check: the value must be 0 or more ("the scene weight must be 0 or more").
std::function<std::string(const std::string&)> at_least_zero(const std::string& what) {
  return [what](const std::string& s) {
    return std::strtod(s.c_str(), nullptr) >= 0 ? std::string() : what + " must be 0 or more";
  };
}

int run_vision(VisionOptions& o) {
  const OutputLock lock = lock_output(o.out, "train", o.wait);
  Checkpoint ckpt = load_checkpoint(o.init);
  o.cfg.out_dir = o.out;
  o.cfg.difficulties = world::parse_difficulties(o.difficulties);
  o.cfg.heads_init = !o.heads.empty() ? o.heads : o.cfg.steps == 0 ? join_path(o.init, "vision_heads.pt") : "";
  const VisionStageSummary s = run_vision_stage(ckpt.model, ckpt.config, o.cfg);
  if (o.cfg.steps > 0) copy_tokenizer(o.init, o.out);  // a model folder; a report (0 steps) is vision.json only
  std::printf("%s\n", s.to_json().dump().c_str());
  return 0;
}

}  // namespace

VerbFn add_train(CLI::App& app, const GlobalOptions&) {
  auto o = std::make_shared<SftOptions>();
  o->train.steps = 0;  // required: --steps or --epochs
  CLI::App* cmd = app.add_subcommand("train", "Train a model (sft | dpo | vision)");
  cmd->require_subcommand(1);
  CLI::App* sft = cmd->add_subcommand("sft", "Supervised fine-tuning on LLaVA conversation JSON/JSONL");
  sft->add_option("--data", o->data, "LLaVA JSON or JSONL (image paths relative to its folder)")->required();
  sft->add_option("--init", o->init, "checkpoint folder to start from (with tokenizer.json)")->required();
  sft->add_option("--out", o->out, "output folder: the trained checkpoint, metrics.jsonl, loss.png, checkpoints/")->required();
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
  sft->add_option("--tunable-parts", o->train.tunable_parts,
                  "comma-separated among mm_vision_tower (the tower then runs with gradients every step), "
                  "mm_mlp_adapter, mm_language_model")
      ->capture_default_str();
  sft->add_option("--loss-norm", o->train.loss_norm,
                  "token: mean over the batch's scored tokens; example: mean of each example's mean (short answers "
                  "weigh as much as long ones)")
      ->check(CLI::IsMember({"token", "example"}))
      ->capture_default_str();
  sft->add_option("--template", o->template_name, "chat template: llava_llama_3 | chatml");
  sft->add_option("--mask-mode", o->mask_mode, "assistant | llava");
  sft->add_flag("--resume", o->train.resume, "continue from out/checkpoints/latest");
  sft->add_flag("--bf16", o->train.bf16, "bf16 autocast for matmuls, fp32 master weights (fast on AVX512-BF16 CPUs)");
  add_wait_flag(sft, o->wait);
  sft->add_option("--bucket-mb", o->bucket_mb, "data-parallel: gradient all-reduce bucket size in MB");
  sft->add_option("--dist-timeout", o->dist_timeout_s, "data-parallel: seconds to wait for peers (rendezvous, collectives)");

  auto d = std::make_shared<DpoOptions>();
  d->cfg.train.steps = 0;
  d->cfg.train.optim.lr = 5e-7;  // the paper's DPO learning rate
  d->cfg.train.batch_size = 4;
  CLI::App* dpo = cmd->add_subcommand("dpo", "DPO on preference pairs (JSON/JSONL: prompt, chosen, rejected, image)");
  dpo->add_option("--pairs", d->pairs, "preference pairs file (image paths relative to its folder)")->required();
  dpo->add_option("--init", d->init, "policy checkpoint (also the frozen reference)")->required();
  dpo->add_option("--out", d->out, "output folder: the trained checkpoint, metrics.jsonl, loss.png, rewards.png, ref_cache/")->required();
  dpo->add_option("--steps", d->cfg.train.steps, "optimizer steps");
  dpo->add_option("--epochs", d->epochs, "epochs (overrides --steps)");
  dpo->add_option("--batch", d->cfg.train.batch_size, "pairs per micro-batch");
  dpo->add_option("--grad-accum", d->cfg.train.grad_accum, "micro-batches per optimizer step");
  dpo->add_option("--lr", d->cfg.train.optim.lr, "peak learning rate");
  dpo->add_option("--beta", d->cfg.dpo.beta, "DPO beta");
  dpo->add_option("--alpha", d->cfg.dpo.alpha, "weight of the DPO term");
  dpo->add_option("--gamma", d->cfg.dpo.gamma, "weight of the SFT term on chosen answers (the paper's code: 1.0)");
  dpo->add_option("--max-length", d->cfg.train.max_length, "truncate sequences to this many tokens");
  dpo->add_option("--save-every", d->cfg.train.save_every, "checkpoint every N steps");
  dpo->add_option("--seed", d->cfg.train.seed, "data order seed");
  dpo->add_option("--cache-dir", d->cfg.cache_dir, "reference log-prob cache (default out/ref_cache)");
  dpo->add_option("--template", d->template_name, "chat template: llava_llama_3 | chatml");
  dpo->add_flag("--resume", d->cfg.train.resume, "continue from out/checkpoints/latest");
  dpo->add_flag("--bf16", d->cfg.train.bf16, "bf16 autocast for matmuls, fp32 master weights");
  add_wait_flag(dpo, d->wait);
  dpo->add_option("--bucket-mb", d->bucket_mb, "data-parallel: gradient all-reduce bucket size in MB");
  dpo->add_option("--dist-timeout", d->dist_timeout_s, "data-parallel: seconds to wait for peers (rendezvous, collectives)");
  auto v = std::make_shared<VisionOptions>();
  v->cfg.optim.lr = 1e-3;
  CLI::App* vis = cmd->add_subcommand(
      "vision", "The vision stage: train the tower alone on VisWorld scene graphs (per-patch colour, shape and "
                "number, clock hands), images generated on the fly from the 'vision' seed range");
  vis->add_option("--init", v->init, "checkpoint folder with a vision tower (e.g. from `model init`)")->required();
  vis->add_option("--out", v->out, "output folder: the model with the trained tower, vision_heads.pt, vision.json, metrics.jsonl")
      ->required();
  vis->add_option("--steps", v->cfg.steps,
                  "optimizer steps (0: no training, only the held-out report vision.json of the tower in --init, "
                  "read by its vision stage's heads, vision_heads.pt)")
      ->capture_default_str();
  vis->add_option("--batch", v->cfg.batch, "images per step")->capture_default_str();
  vis->add_option("--lr", v->cfg.optim.lr, "peak learning rate")->capture_default_str();
  vis->add_option("--scene-weight", v->cfg.scene_weight,
                  "weight of the whole-image scene-slot head (each family's single-hop facts from the mean of the "
                  "patch features, from the CLS token of a cls_patch checkpoint, or as --scene-from says; 0: not trained)")
      ->check(at_least_zero("the scene weight"))
      ->capture_default_str();
  vis->add_option("--scene-from", v->cfg.scene_from,
                  "what the scene slots read: pooled (the mean of the patch features, or the CLS token of a "
                  "cls_patch checkpoint) | every_token (every patch feature alone, so each image token carries the "
                  "whole scene's facts) | slot_token (slot s from patch feature s mod P, one fact per image token); "
                  "all but pooled need --scene-weight above 0")
      ->capture_default_str();
  vis->add_option("--kin-weight", v->cfg.kin_weight,
                  "weight of the per-patch kin-count heads: on shapes and perception images, how many objects share "
                  "the colour, the shape and the size of the object under each patch (0: no such head)")
      ->check(at_least_zero("the kin weight"))
      ->capture_default_str();
  vis->add_option("--heads", v->heads,
                  "continue the heads from this vision_heads.pt (default: fresh heads, or with --steps 0 the "
                  "--init folder's); with --kin-weight, a kin head it lacks starts fresh");
  vis->add_option("--family", v->cfg.families, "family names or 'all' (comma-separated or repeated)")
      ->delimiter(',')
      ->capture_default_str();
  vis->add_option("--difficulty", v->difficulties, "1, 2, 3, a list, or mix")->capture_default_str();
  vis->add_option("--world-seed", v->cfg.world_seed, "world seed of the generated images")->capture_default_str();
  vis->add_option("--eval-images", v->cfg.eval_images, "held-out images for the accuracy report")->capture_default_str();
  vis->add_option("--save-every", v->cfg.save_every, "checkpoint every N steps (0: only at the end)");
  vis->add_flag("--bf16", v->cfg.bf16, "bf16 autocast for matmuls, fp32 master weights");
  vis->add_flag("!--no-resume", v->cfg.resume, "start afresh even when out/checkpoints/latest exists");
  add_wait_flag(vis, v->wait);
  return [o, d, v, sft, dpo, vis] {
    if (vis->parsed()) return run_vision(*v);
    if (dpo->parsed()) {
      check(d->cfg.train.steps > 0 || d->epochs > 0, "train", "give --steps or --epochs");
      return run_dpo(*d);
    }
    check(o->train.steps > 0 || o->epochs > 0, "train", "give --steps or --epochs");
    return run_sft(*o);
  };
}

}  // namespace insightv::cli
