// pipeline/run_pipeline.cpp — see run_pipeline.h.
#include "pipeline/run_pipeline.h"

#include <torch/torch.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <set>

#include "data/llava_json.h"
#include "data/sft_data.h"
#include "data/system_formats.h"
#include "eval/eval.h"
#include "eval/probe.h"
#include "infer/agents.h"
#include "io/bpe_trainer.h"
#include "io/chat_template.h"
#include "io/image.h"
#include "io/output_lock.h"
#include "io/tokenizer.h"
#include "model/checkpoint.h"
#include "model/config.h"
#include "model/image_processor.h"
#include "model/runtime.h"
#include "pipeline/assess.h"
#include "pipeline/datagen.h"
#include "pipeline/dpo_iterate.h"
#include "pipeline/report.h"
#include "pipeline/stage_data.h"
#include "train/sft.h"
#include "train/vision_stage.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/log.h"
#include "util/memory.h"
#include "util/timer.h"
#include "world/generate.h"
#include "world/task.h"

namespace insightv::pipeline {

PipelinePreset resolve_preset(const PipelineConfig& cfg) {
  PipelinePreset p = cfg.config_file.empty() ? pipeline_preset(cfg.preset)
                                             : preset_from_yaml(read_file(cfg.config_file), cfg.config_file);
  for (const std::string& kv : cfg.settings) apply_setting(p, kv);
  check(p.image_size % p.patch_size == 0, "pipeline",
        "image_size " + std::to_string(p.image_size) + " is not a multiple of patch_size " + std::to_string(p.patch_size));
  check(p.vision_select_feature == "patch" || p.vision_select_feature == "cls_patch", "pipeline",
        "vision_select_feature '" + p.vision_select_feature + "' is not patch or cls_patch");
  const auto& scene_from = scene_from_values();
  check(std::find(scene_from.begin(), scene_from.end(), p.vision_scene_from) != scene_from.end(), "pipeline",
        "vision_scene_from '" + p.vision_scene_from + "' is not pooled, every_token or slot_token");
  check(p.vision_scene_from == "pooled" || p.vision_scene_weight > 0, "pipeline",
        "vision_scene_from " + p.vision_scene_from + " needs vision_scene_weight above 0");
  check(p.base_loss_norm == "token" || p.base_loss_norm == "example", "pipeline",
        "base_loss_norm '" + p.base_loss_norm + "' is not token or example");
  // Clear errors now, not after the stages before them.
  parse_grounding_families(p.ground_families, parse_grounding_format(p.ground_format));
  data::parse_answer_style(p.answer_style);
  return p;
}

std::vector<std::string> pipeline_stage_names() {
  return {"world", "datagen", "assess", "tokenizer", "init", "vision", "ground", "base", "reason", "summary",
          "cot", "multi_turn", "summary_only", "dpo", "eval", "report"};
}

namespace {

struct Ctx {
  const PipelineConfig& cfg;
  PipelinePreset p;
  bool bf16 = false;
  PipelineReport& report;
  std::map<std::string, std::string> hashes;
  bool stopped = false;

  std::string dir(const std::string& stage) const { return join_path(cfg.out, stage); }
};

// Runs `body` unless the stage's stage.json records the same hash; returns false once stopped.
void stage(Ctx& c, const std::string& name, const json& settings, const std::vector<std::string>& inputs,
           const std::function<json()>& body) {
  std::string key = settings.dump();
  for (const auto& in : inputs) key += "|" + in + "=" + c.hashes[in];
  const std::string hash = hex64(fnv1a64(key));
  const std::string record = join_path(c.dir(name), "stage.json");
  StageRecord rec;
  rec.name = name;
  json prior = file_exists(record) ? read_json_file(record) : json();
  const bool fresh = prior.is_object() && prior.value("hash", "") == hash;
  if (c.stopped || (!c.cfg.only.empty() && c.cfg.only != name)) {
    // Not run now: later stages hash against what is on disk.
    c.hashes[name] = prior.is_object() ? prior.value("hash", "") : "";
    return;
  }
  if (fresh) {
    rec.skipped = true;
    rec.summary = prior.value("summary", json::object());
    rec.seconds = prior.value("seconds", 0.0);
    IV_LOG(info) << "pipeline: stage " << name << " is up to date (" << record << "), skipped";
  } else {
    // The stage folder may be another process's output (`eval --out P/eval` run by hand):
    // never remove or write what someone else is writing.
    const std::string held = output_lock_holder(join_path(c.dir(name), ".insightv.lock"));
    check(held.empty(), "pipeline", c.dir(name) + " is being written by " + held,
          "wait for it, or use another --out");
    // Partial work of an interrupted run is resumed only when it was made with these settings.
    const std::string started = join_path(c.dir(name), "stage.start.json");
    const json begun = file_exists(started) ? read_json_file(started) : json();
    if (prior.is_object() || (begun.is_object() && begun.value("hash", "") != hash)) {
      IV_LOG(info) << "pipeline: stage " << name << " changed since its last run; starting it afresh";
      std::error_code ec;
      std::filesystem::remove_all(c.dir(name), ec);
    } else if (begun.is_object()) {
      IV_LOG(info) << "pipeline: stage " << name << " was interrupted; resuming it";
    }
    IV_LOG(info) << "pipeline: stage " << name << " ...";
    const OutputLock stage_lock = OutputLock::acquire(c.dir(name), "pipeline");
    write_json_file(started, {{"hash", hash}});
    // This stage's own peak: the earlier stages' peaks are forgotten first.
    const bool own_peak = reset_peak_rss();
    Stopwatch sw;
    rec.summary = body();
    rec.seconds = sw.seconds();
    // The allocator keeps freed memory for reuse while a stage trains (model/runtime.h
    // tune_allocator); between stages it goes back to the system.
    release_free_memory();
    const double rss = current_rss_mib(), peak = peak_rss_mib();
    rec.peak_rss_mib = peak;
    write_json_file(record, {{"stage", name}, {"hash", hash}, {"seconds", rec.seconds}, {"summary", rec.summary},
                             {"rss_mib", rss}, {"peak_rss_mib", peak},
                             {"peak_rss_scope", own_peak ? "stage" : "process"}});
    IV_LOG(info) << "pipeline: stage " << name << " done in " << static_cast<int>(rec.seconds) << " s (memory "
                 << static_cast<int>(rss) << " MiB, peak " << (own_peak ? "" : "so far ") << static_cast<int>(peak)
                 << " MiB)";
  }
  c.hashes[name] = hash;
  c.report.stages.push_back(rec);
  if (c.cfg.stop_after == name) c.stopped = true;
}

std::string text_of(const data::LlavaSample& s) {
  std::string t;
  for (const auto& turn : s.conversations) t += turn.value + "\n";
  return t;
}

// Image tokens the model splices in for one image (nano: a single 128 px view, no anyres).
int64_t mcfg_image_tokens(const ModelConfig& m) {
  if (!m.vision) return 0;
  return m.vision->num_patches() + (m.mm.mm_vision_select_feature == "cls_patch" ? 1 : 0);
}

json sft_stage(Ctx& c, const std::string& init, const std::string& data_json, const std::string& out, int64_t steps,
               double lr, const std::string& loss_norm) {
  Checkpoint ck = load_checkpoint(init);
  const Tokenizer tok = Tokenizer::load(init);
  SftDataOptions d;
  d.image_token_index = ck.config.mm.image_token_index;
  d.max_length = c.p.max_length;
  auto examples = build_sft_examples(data::read_llava(data_json), tok, d, parent_dir(data_json));
  check(!examples.empty(), "pipeline", "'" + data_json + "' holds no samples");
  const size_t n_examples = examples.size();
  TrainConfig tc;
  tc.steps = steps;
  // Micro-batches sized so that one layer's [B,H,T,T] attention scores (T = the 90th-percentile
  // length, images expanded) stay within malloc's reuse limit (model/runtime.h tune_allocator):
  // long reasoning examples train ~1.6x faster in micro-batches of 4 than in one batch of 16,
  // short ones are fastest whole.
  std::vector<int64_t> lens;
  const int64_t image_tokens = mcfg_image_tokens(ck.config);
  for (const auto& e : examples)
    lens.push_back(static_cast<int64_t>(e.ids.size()) + (e.image.empty() ? 0 : image_tokens - 1));
  std::sort(lens.begin(), lens.end());
  const int64_t t90 = std::min<int64_t>(c.p.max_length, lens[lens.size() * 9 / 10]);
  const double per_row = 4.0 * static_cast<double>(ck.config.text.num_attention_heads) * static_cast<double>(t90 * t90);
  int64_t micro = c.p.batch;
  while (micro > 1 && (c.p.batch % micro != 0 || static_cast<double>(micro) * per_row > c.p.micro_budget_bytes)) --micro;
  tc.batch_size = micro;
  tc.grad_accum = c.p.batch / micro;
  IV_LOG(info) << "pipeline: " << out << ": " << n_examples << " examples, 90th-percentile length " << t90
               << " tokens → micro-batches of " << micro << " × " << tc.grad_accum;
  tc.optim.lr = lr;
  tc.loss_norm = loss_norm;
  tc.max_length = c.p.max_length;
  tc.save_every = std::max<int64_t>(25, steps / 4);
  tc.seed = c.cfg.seed;
  tc.out_dir = out;
  tc.resume = true;
  tc.progress = c.cfg.progress;
  tc.bf16 = c.bf16;
  const ModelConfig mcfg = ck.config;
  SftTrainer trainer(ck.model, mcfg, std::move(examples), tc, [mcfg](const std::string& path) {
    return preprocess_image(read_image(path), mcfg);
  });
  const SftSummary s = trainer.run();
  tok.save(out);
  std::error_code ec;
  std::filesystem::remove_all(join_path(out, "checkpoints"), ec);  // resume state is no longer needed
  return {{"examples", n_examples}, {"steps", s.steps}, {"first_loss", s.first_loss}, {"last_loss", s.last_loss},
          {"tokens_per_s", s.tokens_per_s}, {"init", init}, {"data", data_json}};
}

// The model the preset describes: its model_preset with the preset's shape and image size.
ModelConfig model_config_of(const PipelinePreset& p) {
  ModelConfig mc = preset_config(p.model_preset);
  mc.text.hidden_size = p.text_hidden_size;
  mc.text.intermediate_size = p.text_intermediate_size;
  mc.text.num_hidden_layers = p.text_layers;
  mc.text.num_attention_heads = p.text_heads;
  mc.text.num_key_value_heads = p.text_kv_heads;
  check(p.text_heads > 0 && p.text_hidden_size % p.text_heads == 0 && p.text_kv_heads > 0 && p.text_heads % p.text_kv_heads == 0,
        "pipeline", "text_hidden_size must divide into text_heads, and text_heads into text_kv_heads");
  mc.text.head_dim = p.text_hidden_size / p.text_heads;
  if (mc.vision) {
    check(p.vision_heads > 0 && p.vision_hidden_size % p.vision_heads == 0, "pipeline",
          "vision_hidden_size must divide into vision_heads");
    mc.vision->hidden_size = p.vision_hidden_size;
    mc.vision->intermediate_size = p.vision_intermediate_size;
    mc.vision->num_hidden_layers = p.vision_layers;
    mc.vision->num_attention_heads = p.vision_heads;
    mc.vision->patch_size = p.patch_size;
    mc.vision->image_size = p.image_size;  // the rendered images are the tower's input, unresized
    mc.mm.mm_hidden_size = p.vision_hidden_size;
    mc.mm.mm_vision_select_feature = p.vision_select_feature;
  }
  return mc;
}

struct SystemRow {
  std::string name, kind, model, reason;
};

std::string file_hash(const std::string& path) { return file_exists(path) ? hex64(fnv1a64(read_file(path))) : ""; }

// OUT/manifest.json: what produced this folder (versions, seed, preset, data fingerprints).
void write_manifest(const PipelineConfig& cfg, const Ctx& c) {
  json data = json::object();
  for (const char* f : {"world/train/tasks.jsonl", "world/test/tasks.jsonl", "assess/base.json", "assess/reason.json",
                        "assess/summary.json", "tokenizer/tokenizer.json"})
    if (file_exists(join_path(cfg.out, f))) data[f] = file_hash(join_path(cfg.out, f));
  json stages = json::object();
  for (const auto& [name, hash] : c.hashes) stages[name] = hash;
  write_json_file(join_path(cfg.out, "manifest.json"),
                  {{"insightv", INSIGHTV_VERSION}, {"libtorch", torch_version()}, {"seed", cfg.seed},
                   {"preset", c.p.name}, {"config", cfg.config_file.empty() ? "preset:" + cfg.preset : cfg.config_file},
                   {"settings", cfg.settings}, {"config_yaml_fnv1a64", hex64(fnv1a64(preset_to_yaml(c.p)))},
                   {"bf16", c.bf16}, {"stage_hashes", stages}, {"data_fnv1a64", data}});
}

}  // namespace

PipelineReport run_pipeline(const PipelineConfig& cfg) {
  check(!cfg.out.empty(), "pipeline", "no output folder", "pass --out DIR");
  const auto names = pipeline_stage_names();
  for (const std::string* s : {&cfg.only, &cfg.stop_after})
    check(s->empty() || std::find(names.begin(), names.end(), *s) != names.end(), "pipeline",
          "unknown stage '" + *s + "'", "stages: world, datagen, assess, tokenizer, init, vision, ground, base, reason, summary, cot, "
                                        "multi_turn, summary_only, dpo, eval, report");
  PipelineReport report;
  Ctx c{cfg, resolve_preset(cfg), false, report, {}, false};
  c.bf16 = cfg.bf16 < 0 ? cpu_has_bf16() : cfg.bf16 == 1;
  // One writer per run folder; each stage also locks its own folder while it runs.
  OutputLockOptions lock_opts;
  lock_opts.wait = cfg.wait_for_lock;
  lock_opts.on_wait = [](const std::string& who) { IV_LOG(info) << "pipeline: waiting: " << who; };
  const OutputLock run_lock = OutputLock::acquire(cfg.out, "pipeline", lock_opts);
  write_json_file(join_path(cfg.out, "pipeline.json"),
                  {{"preset", c.p.to_json()}, {"seed", cfg.seed}, {"bf16", c.bf16}});
  // What this run is: the resolved preset (rerunnable with --config) and a manifest.
  write_file_atomic(join_path(cfg.out, "config.yaml"), preset_to_yaml(c.p));
  IV_LOG(info) << "pipeline: preset " << c.p.name << ", out " << cfg.out << ", bf16 " << (c.bf16 ? "on" : "off");
  Stopwatch total;
  const PipelinePreset& p = c.p;
  const std::string world_train = join_path(c.dir("world"), "train");
  const std::string world_test = join_path(c.dir("world"), "test");
  const std::string sets = c.dir("assess");
  const uint64_t seed = cfg.seed;

  stage(c, "world", {{"train", p.train_tasks}, {"test", p.test_tasks}, {"size", p.image_size}, {"seed", seed}}, {},
        [&] {
          json out = json::object();
          for (const auto& [split, n] : {std::pair<std::string, int64_t>{"train", p.train_tasks}, {"test", p.test_tasks}}) {
            world::WorldConfig w;
            w.split = split;
            w.n = n;
            w.seed = seed;
            w.size = p.image_size;
            w.out = join_path(c.dir("world"), split);
            w.progress = cfg.progress;
            const auto s = world::generate_world(w);
            out[split] = s.tasks;
          }
          const auto overlaps = world::find_split_overlaps({world_train, world_test});
          check(overlaps.empty(), "pipeline", "train and test splits share an (image, question) pair");
          return out;
        });

  const data::AnswerStyle answer_style = data::parse_answer_style(p.answer_style);
  stage(c, "datagen", {{"tasks", p.datagen_tasks}, {"paths", p.paths}, {"seed", seed}, {"answer_style", p.answer_style}},
        {"world"}, [&] {
    DatagenConfig d;
    d.tasks = world_train;
    d.backend = "teacher";
    d.out = c.dir("datagen");
    d.paths = p.paths;
    d.limit = static_cast<int>(p.datagen_tasks);
    d.seed = seed + 1;
    d.progress = cfg.progress;
    d.backend_options.teacher = {{"answer_style", p.answer_style}};
    return run_datagen(d).to_json();
  });

  stage(c, "assess", {{"seed", seed}, {"sets", 2}, {"answer_style", p.answer_style}}, {"datagen", "world"}, [&] {
    AssessConfig a;
    a.in = c.dir("datagen");
    a.tasks = world_train;
    a.out = sets;
    a.seed = seed + 2;
    a.answer_style = answer_style;
    json rep = run_assess(a).to_json();
    // The sets of the other stages: the base model's stage 0 and the Table 3 baselines.
    const auto tasks = world::read_tasks(world_train);
    const auto by_id = tasks_by_id(tasks);
    const auto reason = data::read_llava(join_path(sets, "reason.json"));
    const auto summary = data::read_llava(join_path(sets, "summary.json"));
    data::write_llava(join_path(sets, "base.json"), base_samples(tasks, world_train, sets, seed + 3, answer_style));
    data::write_llava(join_path(sets, "cot.json"), cot_samples(reason, by_id, answer_style));
    data::write_llava(join_path(sets, "multi_turn.json"), multi_turn_samples(reason, by_id, answer_style));
    data::write_llava(join_path(sets, "summary_only.json"), summary_only_samples(summary, by_id, answer_style));
    return rep;
  });

  stage(c, "tokenizer", {{"vocab", p.vocab_size}}, {"assess"}, [&] {
    std::string corpus;
    for (const char* f : {"base.json", "reason.json", "summary.json", "cot.json", "multi_turn.json"})
      for (const auto& s : data::read_llava(join_path(sets, f))) corpus += text_of(s);
    // The fixed texts every prompt carries.
    const std::string fixed = std::string(kSummaryPromptHead) + "\n" + kReasoningSuffix + "\n" + data::kCotSuffix +
                              "\n" + data::kMultiTurnFollowup + "\n" + default_system_prompt("llava_llama_3") +
                              "\nsystem\nuser\nassistant\n";
    for (int i = 0; i < 200; ++i) corpus += fixed;
    BpeTrainerOptions o;
    o.vocab_size = p.vocab_size;
    BpeTrainStats st;
    const TokenizerSpec spec = train_bpe(corpus, o, &st);
    write_tokenizer_files(c.dir("tokenizer"), spec);
    return json{{"corpus_bytes", st.corpus_bytes}, {"merges", st.merges}, {"seconds", st.seconds}};
  });

  const json shape = {{"text", {p.text_hidden_size, p.text_intermediate_size, p.text_layers, p.text_heads, p.text_kv_heads}},
                      {"vision", {p.vision_hidden_size, p.vision_intermediate_size, p.vision_layers, p.vision_heads,
                                  p.patch_size, p.image_size}}};
  json init_key = {{"model", p.model_preset}, {"shape", shape}, {"seed", seed}};
  if (p.vision_select_feature != "patch") init_key["select_feature"] = p.vision_select_feature;  // runs before the key stay valid
  stage(c, "init", init_key, {"tokenizer"}, [&] {
    const Tokenizer tok = Tokenizer::load(c.dir("tokenizer"));
    ModelConfig mc = model_config_of(p);
    fit_config_to_tokenizer(mc, tok);
    torch::manual_seed(seed);
    MultimodalLM lm(mc);
    save_checkpoint(c.dir("init"), lm, mc);
    tok.save(c.dir("init"));
    return json{{"parameters", count_parameters(mc).total()}, {"vocab_size", mc.text.vocab_size}};
  });

  json vision_key = {{"steps", p.vision_steps}, {"batch", p.vision_batch}, {"lr", p.vision_lr}, {"bf16", c.bf16},
                     {"seed", seed}};
  if (p.vision_scene_weight > 0) vision_key["scene_weight"] = p.vision_scene_weight;  // 0: runs before the key stay valid
  if (p.vision_scene_from != "pooled") vision_key["scene_from"] = p.vision_scene_from;
  stage(c, "vision", vision_key,
        {"init", "world"}, [&] {
          if (p.vision_steps <= 0) return json{{"skipped", "vision_steps is 0"}};
          Checkpoint ck = load_checkpoint(c.dir("init"));
          VisionStageConfig v;
          v.steps = p.vision_steps;
          v.batch = p.vision_batch;
          v.optim.lr = p.vision_lr;
          v.scene_weight = p.vision_scene_weight;
          v.scene_from = p.vision_scene_from;
          v.world_seed = seed;
          v.out_dir = c.dir("vision");
          v.save_every = std::max<int64_t>(25, p.vision_steps / 4);
          v.progress = cfg.progress;
          v.bf16 = c.bf16;
          // No test image is ever trained on: the test split's pixels are excluded by hash.
          for (const auto& t : world::read_tasks(world_test))
            v.excluded.insert(image_pixel_hash(read_image(join_path(world_test, t.image))));
          const VisionStageSummary s = run_vision_stage(ck.model, ck.config, v);
          Tokenizer::load(c.dir("init")).save(c.dir("vision"));
          std::error_code ec;
          std::filesystem::remove_all(join_path(c.dir("vision"), "checkpoints"), ec);
          return s.to_json();
        });
  const std::string seen = p.vision_steps > 0 ? "vision" : "init";

  stage(c, "ground", {{"format", p.ground_format}, {"families", p.ground_families}, {"images", p.ground_images},
                      {"single_steps", p.ground_single_steps}, {"steps", p.ground_steps},
                      {"lr", p.ground_lr}, {"batch", p.batch}, {"bf16", c.bf16}, {"seed", seed}},
        {seen, "world"}, [&] {
          if (p.ground_steps <= 0) return json{{"skipped", "ground_steps is 0"}};
          const std::string data_dir = join_path(c.dir("ground"), "data");
          const GroundingFormat format = parse_grounding_format(p.ground_format);
          std::set<uint64_t> excluded;
          for (const auto& t : world::read_tasks(world_test))
            excluded.insert(image_pixel_hash(read_image(join_path(world_test, t.image))));
          const GroundingSet g =
              write_grounding_set(data_dir, p.ground_images, seed, p.image_size, excluded, seed + 7, format,
                                  parse_grounding_families(p.ground_families, format));
          data::write_llava(join_path(data_dir, "single.json"), g.single);
          data::write_llava(join_path(data_dir, "all.json"), g.all);
          json out{{"format", p.ground_format}, {"families", p.ground_families}, {"images", g.images}, {"excluded_images", g.excluded},
                   {"single_samples", g.single.size()}, {"samples", g.all.size()}};
          std::string from = c.dir(seen);
          if (p.ground_single_steps > 0 && !g.single.empty()) {
            const std::string single = join_path(c.dir("ground"), "single");
            out["single"] = sft_stage(c, from, join_path(data_dir, "single.json"), single, p.ground_single_steps,
                                      p.ground_lr, "token");
            from = single;
          }
          out["all"] = sft_stage(c, from, join_path(data_dir, "all.json"), c.dir("ground"), p.ground_steps, p.ground_lr, "token");
          return out;
        });
  const std::string base_init = p.ground_steps > 0 ? "ground" : seen;

  auto sft = [&](const std::string& name, const std::string& init, const std::string& data, int64_t steps, double lr,
                 const std::vector<std::string>& inputs, const std::string& loss_norm = "token") {
    stage(c, name, {{"steps", steps}, {"lr", lr}, {"batch", p.batch}, {"micro_budget", p.micro_budget_bytes},
                    {"max_length", p.max_length}, {"bf16", c.bf16}, {"loss_norm", loss_norm},
                    {"seed", seed}},
          inputs, [&] { return sft_stage(c, c.dir(init), join_path(sets, data), c.dir(name), steps, lr, loss_norm); });
  };
  sft("base", base_init, "base.json", p.base_steps, p.base_lr, {base_init, "assess"}, p.base_loss_norm);
  sft("reason", "base", "reason.json", p.reason_steps, p.sft_lr, {"base", "assess"});
  sft("summary", "base", "summary.json", p.summary_steps, p.sft_lr, {"base", "assess"});
  sft("cot", "base", "cot.json", p.cot_steps, p.sft_lr, {"base", "assess"});
  sft("multi_turn", "base", "multi_turn.json", p.multi_turn_steps, p.sft_lr, {"base", "assess"});
  sft("summary_only", "base", "summary_only.json", p.summary_only_steps, p.sft_lr, {"base", "assess"});

  stage(c, "dpo", {{"rounds", p.dpo_rounds}, {"paths", p.dpo_paths}, {"questions", p.dpo_questions},
                   {"lr", p.dpo_lr}, {"beta", p.dpo_beta}, {"epochs", p.dpo_epochs}, {"batch", p.dpo_batch},
                   {"max_tokens", p.reason_max_tokens}, {"answer_max_tokens", p.answer_max_tokens},
                   {"bf16", c.bf16}, {"seed", seed}, {"micro_batch", 2}},
        {"reason", "summary", "world"}, [&] {
          DpoIterateConfig d;
          d.reason = c.dir("reason");
          d.summary = c.dir("summary");
          d.tasks = world_train;
          d.out = c.dir("dpo");
          d.rounds = p.dpo_rounds;
          d.paths = p.dpo_paths;
          d.questions = p.dpo_questions;
          d.question_offset = p.datagen_tasks;  // questions the reasoning SFT did not see
          d.concurrency = p.concurrency;
          d.reason_params.max_new_tokens = p.reason_max_tokens;
          d.summary_params.max_new_tokens = p.answer_max_tokens;
          d.epochs = p.dpo_epochs;
          d.dpo.dpo.beta = p.dpo_beta;
          d.dpo.train.optim.lr = p.dpo_lr;
          d.dpo.train.batch_size = std::min<int64_t>(p.dpo_batch, 2);  // pairs per micro-batch
          d.dpo.train.grad_accum = std::max<int64_t>(1, p.dpo_batch / d.dpo.train.batch_size);
          d.dpo.train.max_length = p.max_length;
          d.dpo.train.bf16 = c.bf16;
          d.bf16 = c.bf16;
          d.seed = seed + 4;
          d.progress = cfg.progress;
          return run_dpo_iterate(d).to_json();
        });

  const std::string dpo_last = join_path(join_path(c.dir("dpo"), "round-" + std::to_string(p.dpo_rounds)), "model");
  const std::vector<SystemRow> systems = {
      {"baseline", "direct", c.dir("base"), ""},
      {"direct_sft", "cot", c.dir("cot"), ""},
      {"multi_turn", "multi-turn", c.dir("multi_turn"), ""},
      {"summary_only", "summary-only", c.dir("summary_only"), ""},
      {"multi_agent", "multi-agent", "", c.dir("reason")},
      {"dpo_1", "multi-agent", "", join_path(join_path(c.dir("dpo"), "round-1"), "model")},
      {"dpo_iterative", "multi-agent", "", dpo_last},
  };
  stage(c, "eval", {{"tasks", p.eval_tasks}, {"reason_max_tokens", p.reason_max_tokens},
                    {"answer_max_tokens", p.answer_max_tokens}, {"bf16", c.bf16}, {"seed", seed}, {"systems", 7}, {"probe", 1}},
        {"base", "cot", "multi_turn", "summary_only", "reason", "summary", "dpo", "world"}, [&] {
          json out = json::object();
          for (const SystemRow& s : systems) {
            eval::EvalConfig e;
            e.benchmark = world_test;
            e.system.kind = s.kind;
            e.system.model = s.model;
            e.system.reason = s.reason;
            e.system.summary = s.reason.empty() ? "" : c.dir("summary");
            e.out = join_path(c.dir("eval"), s.name);
            e.limit = p.eval_tasks;
            e.concurrency = p.concurrency;
            e.seed = seed + 5;
            e.progress = cfg.progress;
            e.bf16 = c.bf16;
            e.max_new_tokens = p.answer_max_tokens;
            e.reason_max_tokens = p.reason_max_tokens;
            IV_LOG(info) << "pipeline: eval " << s.name << " (" << s.kind << ")";
            const eval::EvalResult r = eval::run_eval(e);
            out[s.name] = r.to_json();
          }
          // The grounding probe of the base model (eval/probe.h): own vs another task's image.
          eval::ProbeConfig pc;
          pc.model = c.dir("base");
          pc.tasks = world_test;
          pc.limit = p.eval_tasks;
          pc.seed = seed + 6;
          pc.answer_style = answer_style;
          pc.bf16 = c.bf16;
          pc.progress = cfg.progress;
          const eval::ProbeResult pr = eval::run_probe(pc);
          const std::string probe_dir = join_path(c.dir("eval"), "probe_base");
          make_dirs(probe_dir);
          write_json_file(join_path(probe_dir, "probe.json"), pr.to_json());
          write_file_atomic(join_path(probe_dir, "probe.md"), pr.to_markdown());
          out["probe_base"] = pr.to_json()["all"];
          return out;
        });

  stage(c, "report", {{"v", 3}}, {"eval", "dpo", "base", "reason", "summary", "vision"}, [&] {
    return write_pipeline_report(cfg.out, p.to_json());
  });

  report.seconds = total.seconds();
  write_manifest(cfg, c);
  if (file_exists(join_path(cfg.out, "report.md"))) report.report_md = join_path(cfg.out, "report.md");
  return report;
}

}  // namespace insightv::pipeline
