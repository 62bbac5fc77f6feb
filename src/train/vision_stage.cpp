// train/vision_stage.cpp — dense scene-graph supervision of the vision tower, images made on the fly.
#include <torch/torch.h>

#include "train/vision_stage.h"

#include <algorithm>
#include <cstdio>
#include <numeric>
#include <optional>
#include <random>
#include <future>
#include <map>

#include "model/checkpoint.h"
#include "model/image_processor.h"
#include "model/runtime.h"
#include "train/charts.h"
#include "train/losses.h"
#include "train/train_state.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/log.h"
#include "util/progress.h"
#include "util/timer.h"
#include "world/generate.h"
#include "world/patch_labels.h"

namespace insightv {

namespace {

constexpr int64_t kHeldOutOffset = 100000000000LL;  // 10^11: held-out images of the vision split

// The heads: one linear layer each on the tower's selected patch features [N,P,C].
struct VisionHeadsImpl : torch::nn::Module {
  VisionHeadsImpl(int64_t width, bool with_kin) {
    color = register_module("color", torch::nn::Linear(width, world::kColorClasses));
    shape = register_module("shape", torch::nn::Linear(width, world::kShapeClasses));
    number = register_module("number", torch::nn::Linear(width, world::kNumberClasses));
    hour = register_module("hour", torch::nn::Linear(width, world::kClockClasses));
    minute = register_module("minute", torch::nn::Linear(width, world::kClockClasses));
    scene = register_module("scene", torch::nn::Linear(width, world::kSceneSlots * world::kSlotClasses));
    // Only with kin_weight > 0, so that the heads of towers trained without it load as they were saved.
    if (with_kin) kin = register_module("kin", torch::nn::Linear(width, 3 * world::kCountClasses));
  }
  torch::nn::Linear color{nullptr}, shape{nullptr}, number{nullptr}, hour{nullptr}, minute{nullptr}, scene{nullptr};
  torch::nn::Linear kin{nullptr};  // colour, shape and size kin counts per patch
};
TORCH_MODULE(VisionHeads);

// One batch: normalised pixels and the targets (kIgnoreIndex where an image has no such label).
struct Batch {
  torch::Tensor pixels;                       // [B,3,S,S]
  torch::Tensor color, shape, number;         // [B,P]
  torch::Tensor hour, minute;                 // [B]
  torch::Tensor scene;                        // [B,kSceneSlots]
  torch::Tensor kin;                          // [B,P,3]: kin_color, kin_shape, kin_size
  int64_t excluded = 0;
};

Batch make_batch(const ModelConfig& mc, const VisionStageConfig& cfg, const std::vector<const world::Family*>& fams,
                 int64_t first, int64_t n) {
  const int size = static_cast<int>(mc.vision->image_size), patch = static_cast<int>(mc.vision->patch_size);
  std::vector<torch::Tensor> pix;
  std::vector<int64_t> color, shape, number, hour, minute, scene, kin;
  Batch b;
  for (int64_t i = first; i < first + n; ++i) {
    world::TaskSpec spec;
    spec.family = fams[static_cast<size_t>(i % static_cast<int64_t>(fams.size()))];
    spec.split = "vision";
    spec.index = i;
    spec.world_seed = cfg.world_seed;
    spec.size = size;
    spec.difficulties = cfg.difficulties;
    Image img;
    const world::Task t = world::generate_task(spec, &img);
    if (!cfg.excluded.empty() && cfg.excluded.count(image_pixel_hash(img)) > 0) {
      ++b.excluded;
      continue;
    }
    const world::PatchLabels l = world::patch_labels(t, img, patch);
    pix.push_back(preprocess_image(img, mc).pixels);
    const bool has_shape = t.family == "shapes" || t.family == "perception";
    const bool has_number = t.family == "digit_table" || t.family == "bar_chart" || t.family == "geometry";
    for (size_t p = 0; p < l.color.size(); ++p) {
      color.push_back(l.color[p]);
      shape.push_back(has_shape ? l.shape[p] : kIgnoreIndex);
      number.push_back(has_number ? l.number[p] : kIgnoreIndex);
      for (const auto* k : {&l.kin_color, &l.kin_shape, &l.kin_size}) kin.push_back(has_shape ? (*k)[p] : kIgnoreIndex);
    }
    hour.push_back(l.hour >= 0 ? l.hour : kIgnoreIndex);
    minute.push_back(l.minute >= 0 ? l.minute : kIgnoreIndex);
    for (int v : l.slots) scene.push_back(v >= 0 ? v : kIgnoreIndex);
  }
  check(!pix.empty(), "vision", "every image of a batch was excluded", "the excluded set is too broad");
  const int64_t B = static_cast<int64_t>(pix.size());
  b.pixels = torch::cat(pix);
  auto as = [&](std::vector<int64_t>& v, bool per_patch) {
    auto t = torch::tensor(v, torch::kInt64);
    return per_patch ? t.view({B, -1}) : t;
  };
  b.color = as(color, true);
  b.shape = as(shape, true);
  b.number = as(number, true);
  b.hour = as(hour, false);
  b.minute = as(minute, false);
  b.scene = as(scene, true);
  b.kin = torch::tensor(kin, torch::kInt64).view({B, -1, 3});
  return b;
}

struct HeadOutputs {
  torch::Tensor color, shape, number, hour, minute;  // logits
  torch::Tensor scene;                               // [B,kSceneSlots,kSlotClasses] logits
                                                     // ([B,P,kSceneSlots,kSlotClasses] from every token)
  torch::Tensor kin;                                 // [B,P,3,kCountClasses] logits (undefined without the head)
  torch::Tensor features;                            // [B,P,C] what the heads read
};

// The patch feature each scene slot reads with scene_from slot_token: slot s from token s mod P (a
// family's slots are consecutive and at most 16, so with 16 patches each lies on its own token).
torch::Tensor slot_tokens(int64_t patches) {
  return torch::arange(world::kSceneSlots, torch::kInt64).remainder(patches);
}

// The per-patch heads read the patch features; the whole-image heads (clock hands, scene slots)
// read the mean of the patch features, or the CLS token where the decoder is shown it
// (mm_vision_select_feature cls_patch): then one image token carries what they train. The scene
// slots read what scene_from says.
HeadOutputs run_heads(MultimodalLM& lm, VisionHeads& heads, const torch::Tensor& pixels, const std::string& scene_from) {
  auto all = lm->vision_features(pixels).to(torch::kFloat32);  // [B,P(+1),C]
  const bool cls = lm->config().mm.mm_vision_select_feature == "cls_patch";
  auto f = cls ? all.narrow(1, 1, all.size(1) - 1) : all;  // [B,P,C]
  auto pooled = cls ? all.select(1, 0) : f.mean(1);
  const int64_t B = f.size(0), P = f.size(1);
  torch::Tensor scene;
  if (scene_from == "pooled") {
    scene = heads->scene(pooled).view({B, world::kSceneSlots, world::kSlotClasses});
  } else {
    scene = heads->scene(f).view({B, P, world::kSceneSlots, world::kSlotClasses});
    if (scene_from == "slot_token")  // [B,kSceneSlots,kSlotClasses]: slot s at its own token
      scene = scene.index({torch::indexing::Slice(), slot_tokens(P), torch::arange(world::kSceneSlots, torch::kInt64)});
  }
  torch::Tensor kin;
  if (heads->kin) kin = heads->kin(f).view({B, P, 3, world::kCountClasses});
  return {heads->color(f), heads->shape(f), heads->number(f), heads->hour(pooled), heads->minute(pooled), scene, kin, f};
}

// Mean cross-entropy over the labelled positions; 0 (still in the graph) when none is labelled.
torch::Tensor head_loss(const torch::Tensor& logits, const torch::Tensor& target) {
  auto flat = logits.reshape({-1, logits.size(-1)});
  auto t = target.reshape({-1});
  if ((t != kIgnoreIndex).sum().item<int64_t>() == 0) return flat.sum() * 0.0;
  return torch::nn::functional::cross_entropy(flat, t,
                                              torch::nn::functional::CrossEntropyFuncOptions().ignore_index(kIgnoreIndex));
}

// The scene-slot targets in the shape of the logits: [B,kSceneSlots], or per token [B,P,kSceneSlots].
torch::Tensor scene_targets(const HeadOutputs& o, const Batch& b) {
  return o.scene.dim() == 4 ? b.scene.unsqueeze(1).expand({-1, o.scene.size(1), -1}) : b.scene;
}

torch::Tensor total_loss(const HeadOutputs& o, const Batch& b, double scene_weight, double kin_weight) {
  auto loss = head_loss(o.color, b.color) + head_loss(o.shape, b.shape) + head_loss(o.number, b.number) +
              0.5 * (head_loss(o.hour, b.hour) + head_loss(o.minute, b.minute));
  if (scene_weight > 0) loss = loss + scene_weight * head_loss(o.scene, scene_targets(o, b));
  if (kin_weight > 0) loss = loss + kin_weight * head_loss(o.kin, b.kin);
  return loss;
}

struct Tally {
  int64_t all = 0, all_right = 0, objects = 0, objects_right = 0;
  void add(const torch::Tensor& logits, const torch::Tensor& target) {
    auto pred = logits.argmax(-1).reshape({-1});
    auto t = target.reshape({-1});
    auto labelled = t != kIgnoreIndex, object = labelled & (t != 0), right = pred == t;
    all += labelled.sum().item<int64_t>();
    all_right += (right & labelled).sum().item<int64_t>();
    objects += object.sum().item<int64_t>();
    objects_right += (right & object).sum().item<int64_t>();
  }
  json to_json(bool has_none) const {
    json j = {{"accuracy", all > 0 ? static_cast<double>(all_right) / static_cast<double>(all) : 0.0}, {"n", all}};
    if (has_none)
      j["accuracy_non_none"] = objects > 0 ? static_cast<double>(objects_right) / static_cast<double>(objects) : 0.0;
    return j;
  }
};

// The held-out features of object patches (labelled, not "none") and their labels, for
// label_variance_share.
struct LabelledFeatures {
  std::vector<torch::Tensor> features, labels;
  void add(const torch::Tensor& f, const torch::Tensor& target) {
    auto flat = f.reshape({-1, f.size(-1)});
    auto t = target.reshape({-1});
    auto keep = (t != kIgnoreIndex) & (t != 0);
    if (keep.sum().item<int64_t>() == 0) return;
    features.push_back(flat.index({keep}));
    labels.push_back(t.index({keep}));
  }
  double share() const {
    return features.empty() ? 0.0 : label_variance_share(torch::cat(features), torch::cat(labels));
  }
};

// How visible each whole-image fact is to the decoder: label_variance_share of the clock's hour and
// minute and of each scene slot (count 0 included: it is a value), over the images that have it,
// from each image token alone (every token labelled with its image's value: what one image token
// shows) and from the mean of an image's tokens (what uniform attention over them shows); the
// slots' shares averaged per family; for the slots also from the one token that scene_from slot_token
// trains each on ("own_token": token s mod P). With few images per value the share is large by chance (each
// value's mean fits its few images), so each share is also given for the same labels shuffled
// across the images (mean of 4 fixed permutations: "chance"); what the tower carries is the excess.
// features [N,P,C]; hour, minute [N]; scene [N,kSceneSlots].
json whole_image_variance_shares(const torch::Tensor& features, const torch::Tensor& hour, const torch::Tensor& minute,
                                 const torch::Tensor& scene) {
  const int64_t P = features.size(1);
  struct Shares {
    double token = 0, token_chance = 0, mean = 0, mean_chance = 0, own = 0, own_chance = 0;
  };
  auto shares = [&](const torch::Tensor& target, int64_t own_token) -> std::optional<Shares> {
    auto keep = target != kIgnoreIndex;
    if (keep.sum().item<int64_t>() < 2) return std::nullopt;
    auto f = features.index({keep});  // [n,P,C]
    auto y = target.index({keep});
    if ((y.max() == y.min()).item<bool>()) return std::nullopt;  // one value: nothing to explain
    auto flat = f.reshape({-1, f.size(-1)});
    auto pooled = f.mean(1);
    auto own = f.select(1, own_token % P);
    Shares s;
    s.token = label_variance_share(flat, y.repeat_interleave(P));
    s.mean = label_variance_share(pooled, y);
    s.own = label_variance_share(own, y);
    constexpr int kPermutations = 4;
    std::vector<int64_t> order(static_cast<size_t>(y.size(0)));
    std::mt19937_64 rng(20261207);
    for (int k = 0; k < kPermutations; ++k) {
      std::iota(order.begin(), order.end(), 0);
      std::shuffle(order.begin(), order.end(), rng);
      auto shuffled = y.index({torch::tensor(order, torch::kInt64)});
      s.token_chance += label_variance_share(flat, shuffled.repeat_interleave(P)) / kPermutations;
      s.mean_chance += label_variance_share(pooled, shuffled) / kPermutations;
      s.own_chance += label_variance_share(own, shuffled) / kPermutations;
    }
    return s;
  };
  auto to_json = [](const Shares& s, bool own) {
    json j = {{"token", s.token}, {"token_chance", s.token_chance}, {"mean", s.mean}, {"mean_chance", s.mean_chance}};
    if (own) {
      j["own_token"] = s.own;
      j["own_token_chance"] = s.own_chance;
    }
    return j;
  };
  json j;
  if (const auto h = shares(hour, 0)) j["clock"]["hour"] = to_json(*h, false);
  if (const auto m = shares(minute, 0)) j["clock"]["minute"] = to_json(*m, false);
  std::map<std::string, std::pair<Shares, int64_t>> per_family;  // sums, slots
  for (int slot = 0; slot < world::kSceneSlots; ++slot) {
    const auto s = shares(scene.select(1, slot), slot);
    if (!s) continue;
    auto& [sum, n] = per_family[world::scene_slot_family(slot)];
    sum.token += s->token;
    sum.token_chance += s->token_chance;
    sum.mean += s->mean;
    sum.mean_chance += s->mean_chance;
    sum.own += s->own;
    sum.own_chance += s->own_chance;
    ++n;
  }
  for (const auto& [family, acc] : per_family) {
    const auto& [sum, n] = acc;
    const double d = static_cast<double>(n);
    j["scene"][family] = to_json(
        {sum.token / d, sum.token_chance / d, sum.mean / d, sum.mean_chance / d, sum.own / d, sum.own_chance / d}, true);
    j["scene"][family]["slots"] = n;
  }
  return j;
}

// Loads saved heads. Every head must be in the file except the kin head, which starts fresh when
// the file's tower was trained without it (a tower continued with kin_weight > 0); a kin head in the
// file that these heads lack is refused (its tower was trained for it: pass the kin weight).
void load_heads(VisionHeadsImpl& heads, const std::string& path) {
  torch::serialize::InputArchive archive;
  archive.load_from(path);
  for (const auto& child : heads.named_children()) {  // Module::save writes one nested archive per head
    torch::serialize::InputArchive saved;
    if (!archive.try_read(child.key(), saved)) {
      check(child.key() == "kin", "vision", path + " has no " + child.key() + " head: not the vision heads of a tower");
      continue;
    }
    child.value()->load(saved);
  }
  torch::serialize::InputArchive kin;
  check(heads.kin || !archive.try_read("kin", kin), "vision", path + " holds kin-count heads",
        "pass the kin weight the tower was trained with (--kin-weight)");
}

json held_out_accuracy(MultimodalLM& lm, VisionHeads& heads, const ModelConfig& mc, const VisionStageConfig& cfg,
                       const std::vector<const world::Family*>& fams) {
  torch::NoGradGuard no_grad;
  Tally color, shape, number, hour, minute;
  std::map<std::string, Tally> scene;  // per family
  std::vector<std::vector<int64_t>> slot_targets(world::kSceneSlots);  // for the majority-class accuracy
  LabelledFeatures color_share, shape_share;
  const std::vector<std::string> kin_names = {"color", "shape", "size"};
  std::vector<Tally> kin(3);
  std::vector<LabelledFeatures> kin_share(3);
  std::vector<torch::Tensor> all_features, all_hours, all_minutes, all_scenes;  // for the whole-image shares
  for (int64_t start = 0; start < cfg.eval_images; start += 64) {
    const Batch b = make_batch(mc, cfg, fams, kHeldOutOffset + start, std::min<int64_t>(64, cfg.eval_images - start));
    const HeadOutputs o = run_heads(lm, heads, b.pixels, cfg.scene_from);
    color.add(o.color, b.color);
    shape.add(o.shape, b.shape);
    number.add(o.number, b.number);
    hour.add(o.hour, b.hour);
    minute.add(o.minute, b.minute);
    color_share.add(o.features, b.color);
    shape_share.add(o.features, b.shape);
    for (int64_t k = 0; k < 3; ++k) {
      kin_share[static_cast<size_t>(k)].add(o.features, b.kin.select(2, k));
      if (o.kin.defined()) kin[static_cast<size_t>(k)].add(o.kin.select(2, k), b.kin.select(2, k));
    }
    all_features.push_back(o.features);
    all_hours.push_back(b.hour);
    all_minutes.push_back(b.minute);
    all_scenes.push_back(b.scene);
    for (int slot = 0; slot < world::kSceneSlots; ++slot) {
      const auto target = b.scene.index({torch::indexing::Slice(), slot});
      const auto labelled = target.index({target != kIgnoreIndex}).contiguous();
      if (labelled.numel() == 0) continue;
      // From every token: each token's own reading counts (the accuracy of one image token).
      scene[world::scene_slot_family(slot)].add(o.scene.select(-2, slot), scene_targets(o, b).select(-1, slot));
      const int64_t* v = labelled.data_ptr<int64_t>();
      slot_targets[static_cast<size_t>(slot)].insert(slot_targets[static_cast<size_t>(slot)].end(), v, v + labelled.numel());
    }
  }
  json j = {{"images", cfg.eval_images}, {"color", color.to_json(true)}, {"shape", shape.to_json(true)},
            {"number", number.to_json(true)}, {"hour", hour.to_json(false)}, {"minute", minute.to_json(false)}};
  j["color"]["variance_share"] = color_share.share();
  j["shape"]["variance_share"] = shape_share.share();
  for (size_t k = 0; k < 3; ++k) {  // the share also for a tower trained without the kin heads: what it carries anyway
    json& kj = j["kin"][kin_names[k]];
    if (heads->kin) kj = kin[k].to_json(true);  // accuracy_non_none: the object patches
    kj["variance_share"] = kin_share[k].share();
  }
  if (!all_features.empty())
    j["variance_share"] = whole_image_variance_shares(torch::cat(all_features), torch::cat(all_hours),
                                                      torch::cat(all_minutes), torch::cat(all_scenes));
  if (cfg.scene_weight > 0) {
    // The prior to beat: each slot's most frequent held-out class, pooled per family.
    std::map<std::string, std::pair<int64_t, int64_t>> majority;  // family -> (right, n)
    for (int slot = 0; slot < world::kSceneSlots; ++slot) {
      std::map<int64_t, int64_t> count;
      for (int64_t v : slot_targets[static_cast<size_t>(slot)]) ++count[v];
      int64_t top = 0;
      for (const auto& [v, n] : count) top = std::max(top, n);
      auto& m = majority[world::scene_slot_family(slot)];
      m.first += top;
      m.second += static_cast<int64_t>(slot_targets[static_cast<size_t>(slot)].size());
    }
    for (const auto& [family, tally] : scene) {
      j["scene"][family] = tally.to_json(true);  // non_none: the slots whose fact the scene has
      const auto& m = majority[family];
      j["scene"][family]["majority_accuracy"] = m.second > 0 ? static_cast<double>(m.first) / static_cast<double>(m.second) : 0.0;
    }
  }
  return j;
}

}  // namespace

double label_variance_share(const torch::Tensor& features, const torch::Tensor& labels) {
  check(features.dim() == 2 && labels.dim() == 1 && features.size(0) == labels.size(0), "vision",
        "label_variance_share takes features [N,C] and labels [N]");
  if (features.size(0) == 0) return 0.0;
  auto x = features.to(torch::kFloat64);
  x = x / x.pow(2).mean(-1, true).add(1e-12).sqrt();  // unit RMS per row, as the decoder's RMSNorm sees it
  auto centred = x - x.mean(0, true);
  const double total = centred.pow(2).sum().item<double>();
  auto y = labels.to(torch::kInt64);
  double between = 0;
  const int64_t classes = y.max().item<int64_t>() + 1;
  for (int64_t c = 0; c < classes; ++c) {
    auto rows = centred.index({y == c});
    if (rows.size(0) > 0) between += static_cast<double>(rows.size(0)) * rows.mean(0).pow(2).sum().item<double>();
  }
  return total > 0 ? between / total : 0.0;
}

const std::vector<std::string>& scene_from_values() {
  static const std::vector<std::string> values = {"pooled", "every_token", "slot_token"};
  return values;
}

json VisionStageSummary::to_json() const {
  return {{"steps", steps},         {"first_loss", first_loss},         {"last_loss", last_loss},
          {"images_per_s", images_per_s}, {"excluded_images", excluded_images}, {"heldout", heldout}};
}

VisionStageSummary run_vision_stage(MultimodalLM lm, const ModelConfig& config, const VisionStageConfig& cfg) {
  check(config.is_multimodal() && lm->vision, "vision", "the vision stage needs a model with a vision tower");
  check(cfg.steps >= 0 && cfg.batch > 0, "vision", "steps must be 0 or more and batch positive");
  check(cfg.steps > 0 || !cfg.heads_init.empty(), "vision",
        "a report without training (0 steps) needs the tower's heads (vision_heads.pt of its vision stage)");
  check(cfg.scene_weight >= 0, "vision", "the scene weight must be 0 or more (" + std::to_string(cfg.scene_weight) + ")");
  const auto& from = scene_from_values();
  check(std::find(from.begin(), from.end(), cfg.scene_from) != from.end(), "vision",
        "scene_from '" + cfg.scene_from + "' is not pooled, every_token or slot_token");
  check(cfg.scene_from == "pooled" || cfg.scene_weight > 0, "vision",
        "scene slots from " + cfg.scene_from + " need a scene weight above 0 (the slots are not trained without one)");
  const auto fams = world::resolve_families(cfg.families);
  set_tunable_parts(lm, "mm_vision_tower");
  check(cfg.kin_weight >= 0, "vision", "the kin weight must be 0 or more (" + std::to_string(cfg.kin_weight) + ")");
  torch::manual_seed(cfg.world_seed + 17);
  VisionHeads heads(config.vision->hidden_size, cfg.kin_weight > 0);
  // One optimizer over the tower and the heads (the heads' weights are plain parameters).
  torch::nn::Module both;
  both.register_module("tower", lm->vision);
  both.register_module("heads", heads);
  if (!cfg.heads_init.empty()) {
    check(file_exists(cfg.heads_init), "vision", "no vision heads at " + cfg.heads_init,
          "pass the output folder of a vision stage (it holds vision_heads.pt)");
    load_heads(*heads, cfg.heads_init);
  }
  if (cfg.steps == 0) {  // the held-out report of the tower as given, nothing trained or saved
    lm->vision->eval();
    heads->eval();
    VisionStageSummary summary;
    if (cfg.eval_images > 0) summary.heldout = held_out_accuracy(lm, heads, config, cfg, fams);
    set_tunable_parts(lm, "mm_mlp_adapter,mm_language_model");
    if (!cfg.out_dir.empty()) {
      make_dirs(cfg.out_dir);
      write_json_file(join_path(cfg.out_dir, "vision.json"), summary.to_json());
    }
    return summary;
  }
  auto opt = make_adamw(both, cfg.optim);
  int64_t step = 0;
  if (!cfg.out_dir.empty()) {
    make_dirs(cfg.out_dir);
    if (cfg.resume) {
      const json st = load_train_state(cfg.out_dir, lm, *opt, heads.get());
      if (!st.is_null()) step = st["step"].get<int64_t>();
    }
    keep_metrics_until(cfg.out_dir, step);
  }
  std::unique_ptr<JsonlAppender> metrics;
  if (!cfg.out_dir.empty()) metrics = std::make_unique<JsonlAppender>(join_path(cfg.out_dir, "metrics.jsonl"));
  ProgressOptions popts;
  popts.enabled = cfg.progress;
  Progress bar("vision", cfg.steps, "steps", popts);
  bar.set(step);
  lm->vision->train();
  heads->train();
  VisionStageSummary summary;
  Stopwatch sw;
  int64_t images = 0;
  // The next batch is drawn on another thread while this one trains.
  auto draw = [&](int64_t s) { return std::async(std::launch::async, make_batch, std::cref(config), std::cref(cfg),
                                                 std::cref(fams), s * cfg.batch, cfg.batch); };
  std::future<Batch> next = draw(step);
  std::vector<double> losses;
  for (; step < cfg.steps; ++step) {
    Batch b = next.get();
    if (step + 1 < cfg.steps) next = draw(step + 1);
    summary.excluded_images += b.excluded;
    images += b.pixels.size(0);
    const double lr = lr_at(step, cfg.steps, cfg.optim);
    set_learning_rate(*opt, lr);
    opt->zero_grad();
    torch::Tensor loss;
    {
      CpuBf16Autocast autocast(cfg.bf16);
      loss = total_loss(run_heads(lm, heads, b.pixels, cfg.scene_from), b, cfg.scene_weight, cfg.kin_weight);
    }
    loss.backward();
    const double grad_norm = clip_gradients(both, cfg.optim.clip_norm);
    opt->step();
    const double l = loss.item<double>();
    losses.push_back(l);
    if (metrics)
      metrics->append({{"step", step + 1}, {"loss", l}, {"lr", lr}, {"grad_norm", grad_norm}, {"elapsed_s", sw.seconds()}});
    char note[48];
    std::snprintf(note, sizeof note, "loss %.4f", l);
    bar.set_note(note);
    bar.add(1);
    const bool last = step + 1 == cfg.steps;
    if (!cfg.out_dir.empty() && cfg.save_every > 0 && (step + 1) % cfg.save_every == 0 && !last)
      save_train_state(cfg.out_dir, step + 1, lm, config, *opt, json::object(), heads.get());
    if (cfg.stop_after > 0 && step + 1 >= cfg.stop_after && !last) {
      if (next.valid()) next.wait();
      summary.steps = static_cast<int64_t>(losses.size());
      return summary;  // interrupted: no final save
    }
  }
  bar.finish();
  lm->vision->eval();
  heads->eval();
  summary.steps = static_cast<int64_t>(losses.size());
  if (!losses.empty()) {
    summary.first_loss = losses.front();
    summary.last_loss = losses.back();
  }
  summary.images_per_s = static_cast<double>(images) / std::max(1e-9, sw.seconds());
  if (cfg.eval_images > 0) summary.heldout = held_out_accuracy(lm, heads, config, cfg, fams);
  set_tunable_parts(lm, "mm_mlp_adapter,mm_language_model");
  if (!cfg.out_dir.empty()) {
    save_train_state(cfg.out_dir, cfg.steps, lm, config, *opt, json::object(), heads.get());
    save_checkpoint(cfg.out_dir, lm, config);
    torch::serialize::OutputArchive archive;
    heads->save(archive);
    archive.save_to(join_path(cfg.out_dir, "vision_heads.pt"));
    write_json_file(join_path(cfg.out_dir, "vision.json"), summary.to_json());
    write_training_charts(cfg.out_dir);
  }
  return summary;
}

}  // namespace insightv
