// The vision stage (train/vision_stage.h) on a tiny tower: its loss falls, only the tower
// changes, an interrupted run resumed from its checkpoint ends with the uninterrupted run's
// weights, excluded images are never trained on, the finished folder is a loadable model, and
// the scene slots train only when weighted.
#include <torch/torch.h>

#include <gtest/gtest.h>

#include <map>

#include "model/checkpoint.h"
#include "support/subprocess.h"
#include "support/tiny_agents.h"
#include "train/vision_stage.h"
#include "util/error.h"
#include "util/fs.h"
#include "world/generate.h"

using namespace insightv;

namespace {

// The tests' tiny model (support/tiny_agents.h) with 8 px patches: 4 x 4 patches at 32 px.
ModelConfig tiny_vision_config() {
  ModelConfig c = test::tiny_multimodal_config(40);
  c.vision->patch_size = 8;
  return c;
}

VisionStageConfig quick(int64_t steps) {
  VisionStageConfig v;
  v.steps = steps;
  v.batch = 14;
  v.optim.lr = 3e-3;
  v.optim.warmup_ratio = 0.1;
  v.eval_images = 28;
  v.progress = false;
  v.world_seed = 3;
  return v;
}

std::map<std::string, torch::Tensor> weights(MultimodalLM& lm) {
  std::map<std::string, torch::Tensor> m;
  for (const auto& p : lm->named_parameters()) m[p.key()] = p.value().detach().clone();
  return m;
}

// Four quick steps of the stage from the same initial weights (seed 0); the weights it ends with.
std::map<std::string, torch::Tensor> trained_weights(const ModelConfig& c, const VisionStageConfig& v,
                                                     VisionStageSummary* s) {
  torch::manual_seed(0);
  MultimodalLM lm(c);
  *s = run_vision_stage(lm, c, v);
  return weights(lm);
}

// How many of the tower's tensors differ between two runs' weights.
int tower_tensors_changed(const std::map<std::string, torch::Tensor>& a, const std::map<std::string, torch::Tensor>& b) {
  int changed = 0;
  for (const auto& [name, w] : a)
    if (name.find("vision_tower") != std::string::npos) changed += !torch::equal(w, b.at(name));
  return changed;
}

}  // namespace

TEST(VisionStage, LabelVarianceShareIsOneForPureLabelsAndNearZeroForNoise) {
  torch::manual_seed(1);
  const auto labels = torch::randint(1, 4, {3000}, torch::kInt64);
  const auto prototypes = torch::randn({4, 16});
  EXPECT_NEAR(label_variance_share(prototypes.index({labels}), labels), 1.0, 1e-9);
  EXPECT_LT(label_variance_share(torch::randn({3000, 16}), labels), 0.01);
  // Half label, half independent noise of the same scale: in between.
  const double mixed = label_variance_share(prototypes.index({labels}) + torch::randn({3000, 16}), labels);
  EXPECT_GT(mixed, 0.2);
  EXPECT_LT(mixed, 0.8);
}

TEST(VisionStage, LossFallsAndOnlyTheTowerChanges) {
  const ModelConfig c = tiny_vision_config();
  torch::manual_seed(0);
  MultimodalLM lm(c);
  const auto before = weights(lm);
  const VisionStageSummary s = run_vision_stage(lm, c, quick(60));
  ASSERT_EQ(s.steps, 60);
  EXPECT_LT(s.last_loss, s.first_loss * 0.7) << s.first_loss << " -> " << s.last_loss;
  EXPECT_GT(s.heldout["color"]["accuracy"].get<double>(), 0.5);
  for (const char* head : {"color", "shape"}) {
    const double share = s.heldout[head]["variance_share"].get<double>();
    EXPECT_GE(share, 0.0) << head;
    EXPECT_LE(share, 1.0) << head;
  }
  for (const auto& [name, w] : weights(lm)) {
    const bool tower = name.find("vision_tower") != std::string::npos;
    if (name.find("post_layernorm") != std::string::npos) continue;  // after the select layer: unused
    EXPECT_EQ(!torch::equal(before.at(name), w), tower) << name;
  }
  // The tower is handed back frozen, as the next stage (base SFT) expects.
  for (const auto& p : lm->vision->parameters()) EXPECT_FALSE(p.requires_grad());
}

TEST(VisionStage, ResumedRunEndsWithTheUninterruptedRunsWeights) {
  const ModelConfig c = tiny_vision_config();
  const std::string a = test::make_temp_dir("vision-a"), b = test::make_temp_dir("vision-b");
  auto run = [&](const std::string& dir, int64_t stop_after) {
    torch::manual_seed(0);
    MultimodalLM lm(c);
    VisionStageConfig v = quick(6);
    v.out_dir = dir;
    v.save_every = 2;
    v.stop_after = stop_after;
    run_vision_stage(lm, c, v);
    return lm;
  };
  MultimodalLM whole = run(a, 0);
  run(b, 5);  // stops after step 5: the last checkpoint is step 4
  ASSERT_TRUE(file_exists(join_path(b, "checkpoints/latest")));
  EXPECT_FALSE(file_exists(join_path(b, "model.safetensors")));
  MultimodalLM resumed = run(b, 0);
  const auto wa = weights(whole), wb = weights(resumed);
  for (const auto& [name, w] : wa) EXPECT_TRUE(torch::equal(w, wb.at(name))) << name;
  // The folder is a model checkpoint the next stage loads.
  Checkpoint ck = load_checkpoint(b);
  for (const auto& p : ck.model->named_parameters()) EXPECT_TRUE(torch::equal(p.value(), wb.at(p.key()))) << p.key();
  EXPECT_TRUE(file_exists(join_path(b, "vision.json")));
  EXPECT_TRUE(file_exists(join_path(b, "vision_heads.pt")));
}

TEST(VisionStage, ExcludedImagesAreDroppedFromTheirBatch) {
  const ModelConfig c = tiny_vision_config();
  torch::manual_seed(0);
  MultimodalLM lm(c);
  VisionStageConfig v = quick(1);
  v.eval_images = 0;
  // Exclude the first image the stage will draw (index 0: the first family, "vision" split).
  world::TaskSpec spec;
  spec.family = world::families()[0];
  spec.split = "vision";
  spec.index = 0;
  spec.world_seed = v.world_seed;
  spec.size = 32;
  Image img;
  world::generate_task(spec, &img);
  v.excluded.insert(image_pixel_hash(img));
  EXPECT_EQ(run_vision_stage(lm, c, v).excluded_images, 1);
}

TEST(VisionStage, RefusesATextOnlyModel) {
  ModelConfig c = tiny_vision_config();
  c.vision.reset();
  MultimodalLM lm(c);
  EXPECT_THROW(run_vision_stage(lm, c, quick(1)), Error);
}

// The scene slots train only with their weight: the same run with scene_weight 1 ends with other
// tower weights than with 0, and only it reports the slots' held-out accuracy per family.
TEST(VisionStage, SceneSlotsTrainTheTowerOnlyWithTheirWeight) {
  const ModelConfig c = tiny_vision_config();
  auto run = [&](double weight, VisionStageSummary* s) {
    VisionStageConfig v = quick(4);
    v.scene_weight = weight;
    return trained_weights(c, v, s);
  };
  VisionStageSummary off, on;
  const auto w0 = run(0, &off), w1 = run(1, &on);
  EXPECT_FALSE(off.heldout.contains("scene"));
  ASSERT_TRUE(on.heldout.contains("scene"));
  for (const char* fam : {"shapes", "perception", "bar_chart", "digit_table", "geometry", "maze"}) {
    ASSERT_TRUE(on.heldout["scene"].contains(fam)) << fam;
    EXPECT_GT(on.heldout["scene"][fam]["n"].get<int64_t>(), 0) << fam;
    const double majority = on.heldout["scene"][fam]["majority_accuracy"].get<double>();
    EXPECT_GT(majority, 0.0) << fam;
    EXPECT_LE(majority, 1.0) << fam;
  }
  EXPECT_FALSE(on.heldout["scene"].contains("clock"));  // the clock has its own heads
  EXPECT_GT(tower_tensors_changed(w0, w1), 0);
}

// A decoder shown the CLS token (mm_vision_select_feature cls_patch): the patch heads still read
// the patches alone (their labels are per patch), the whole-image heads read the CLS token — the
// same run from the same weights ends elsewhere than one whose whole-image heads read the mean.
TEST(VisionStage, ClsPatchTowersTrainTheirWholeImageHeadsOnTheClsToken) {
  auto run = [&](const std::string& select, VisionStageSummary* s) {
    ModelConfig c = tiny_vision_config();
    c.mm.mm_vision_select_feature = select;
    EXPECT_EQ(MultimodalLM(c)->vision_features(torch::zeros({1, 3, 32, 32})).size(1), select == "cls_patch" ? 17 : 16);
    VisionStageConfig v = quick(4);
    v.scene_weight = 1;
    return trained_weights(c, v, s);
  };
  VisionStageSummary mean, cls;
  const auto w_mean = run("patch", &mean), w_cls = run("cls_patch", &cls);
  EXPECT_EQ(cls.heldout["color"]["n"], mean.heldout["color"]["n"]);  // the same patches labelled
  ASSERT_TRUE(cls.heldout.contains("scene"));
  EXPECT_GT(tower_tensors_changed(w_mean, w_cls), 0);
}

// Scene slots from every token: each of the 16 patch features is scored alone (16 times the pooled
// run's labelled slots in the held-out report), the tower ends elsewhere than with pooled slots, and
// the option without a scene weight is refused, not ignored.
TEST(VisionStage, SceneSlotsFromEveryTokenScoreEachTokenAlone) {
  const ModelConfig c = tiny_vision_config();
  auto run = [&](bool every, VisionStageSummary* s) {
    VisionStageConfig v = quick(4);
    v.scene_weight = 1;
    v.scene_from = every ? "every_token" : "pooled";
    return trained_weights(c, v, s);
  };
  VisionStageSummary pooled, every;
  const auto w_pooled = run(false, &pooled), w_every = run(true, &every);
  for (const char* fam : {"shapes", "perception", "maze"})
    EXPECT_EQ(every.heldout["scene"][fam]["n"].get<int64_t>(), 16 * pooled.heldout["scene"][fam]["n"].get<int64_t>())
        << fam;
  EXPECT_GT(tower_tensors_changed(w_pooled, w_every), 0);
  MultimodalLM lm(c);
  VisionStageConfig unweighted = quick(1);
  unweighted.scene_from = "every_token";
  EXPECT_THROW(run_vision_stage(lm, c, unweighted), Error);
}

// Scene slots from their own token (slot_token): one reading per slot as with pooled slots, the
// tower ends elsewhere than with either, and the held-out report gives each family's share of the
// variance of the slot's own token next to every token's and the mean's.
TEST(VisionStage, SceneSlotsFromTheirOwnTokenScoreOneTokenPerSlot) {
  const ModelConfig c = tiny_vision_config();
  auto run = [&](const std::string& from, VisionStageSummary* s) {
    VisionStageConfig v = quick(4);
    v.scene_weight = 1;
    v.scene_from = from;
    return trained_weights(c, v, s);
  };
  VisionStageSummary pooled, own, every;
  const auto w_pooled = run("pooled", &pooled), w_own = run("slot_token", &own), w_every = run("every_token", &every);
  for (const char* fam : {"shapes", "perception", "maze"}) {
    EXPECT_EQ(own.heldout["scene"][fam]["n"], pooled.heldout["scene"][fam]["n"]) << fam;
    const json& share = own.heldout["variance_share"]["scene"][fam];
    for (const char* k : {"token", "token_chance", "mean", "mean_chance", "own_token", "own_token_chance"}) {
      EXPECT_GE(share[k].get<double>(), 0.0) << fam << " " << k;
      EXPECT_LE(share[k].get<double>(), 1.0) << fam << " " << k;
    }
  }
  EXPECT_GT(tower_tensors_changed(w_pooled, w_own), 0);
  EXPECT_GT(tower_tensors_changed(w_every, w_own), 0);
  MultimodalLM lm(c);
  VisionStageConfig bad = quick(1);
  bad.scene_weight = 1;
  bad.scene_from = "slots";
  EXPECT_THROW(run_vision_stage(lm, c, bad), Error);
  VisionStageConfig unweighted = quick(1);
  unweighted.scene_from = "slot_token";
  EXPECT_THROW(run_vision_stage(lm, c, unweighted), Error);
}

// With 0 steps the stage only reports: it reads the tower with the heads its training saved and gives
// the training run's held-out figures again, changing no weight; without heads it refuses.
TEST(VisionStage, ZeroStepsReportTheTowerWithItsSavedHeads) {
  const ModelConfig c = tiny_vision_config();
  const std::string dir = test::make_temp_dir("vision-report");
  VisionStageConfig v = quick(4);
  v.scene_weight = 1;
  v.out_dir = dir + "/trained";
  torch::manual_seed(0);
  MultimodalLM lm(c);
  const VisionStageSummary trained = run_vision_stage(lm, c, v);
  const auto before = weights(lm);
  VisionStageConfig report = quick(0);
  report.scene_weight = 1;
  report.heads_init = dir + "/trained/vision_heads.pt";
  report.out_dir = dir + "/report";
  const VisionStageSummary again = run_vision_stage(lm, c, report);
  EXPECT_EQ(again.steps, 0);
  EXPECT_EQ(again.heldout["color"], trained.heldout["color"]);
  EXPECT_EQ(again.heldout["scene"], trained.heldout["scene"]);
  EXPECT_TRUE(file_exists(dir + "/report/vision.json"));
  EXPECT_FALSE(file_exists(dir + "/report/model.safetensors"));
  EXPECT_EQ(tower_tensors_changed(before, weights(lm)), 0);
  VisionStageConfig no_heads = quick(0);
  EXPECT_THROW(run_vision_stage(lm, c, no_heads), Error);
  no_heads.heads_init = dir + "/nope/vision_heads.pt";
  EXPECT_THROW(run_vision_stage(lm, c, no_heads), Error);
}

// The kin-count heads train only with their weight (the tower ends elsewhere; only then their
// held-out accuracy is reported, their variance share always); a tower trained without them is
// continued with them from its saved heads (the kin head starts fresh, the others load), and heads
// that hold a kin head are refused without the weight rather than dropped.
TEST(VisionStage, KinCountHeadsTrainOnlyWithTheirWeightAndContinueATower) {
  const ModelConfig c = tiny_vision_config();
  const std::string dir = test::make_temp_dir("vision-kin");
  auto run = [&](double weight, const std::string& out, const std::string& heads, VisionStageSummary* s) {
    VisionStageConfig v = quick(4);
    v.kin_weight = weight;
    v.out_dir = out;
    v.heads_init = heads;
    return trained_weights(c, v, s);
  };
  VisionStageSummary off, on;
  const auto w0 = run(0, dir + "/off", "", &off), w1 = run(1, dir + "/on", "", &on);
  EXPECT_GT(tower_tensors_changed(w0, w1), 0);
  for (const char* k : {"color", "shape", "size"}) {
    const json& kin_on = on.heldout["kin"][k];
    EXPECT_GT(kin_on["n"].get<int64_t>(), 0) << k;
    EXPECT_TRUE(kin_on.contains("accuracy_non_none")) << k;
    EXPECT_GE(kin_on["variance_share"].get<double>(), 0.0) << k;
    EXPECT_FALSE(off.heldout["kin"][k].contains("accuracy")) << k;
    EXPECT_TRUE(off.heldout["kin"][k].contains("variance_share")) << k;
  }
  VisionStageSummary continued;
  run(1, dir + "/continued", dir + "/off/vision_heads.pt", &continued);  // no kin head in the file: fresh
  EXPECT_TRUE(continued.heldout["kin"]["color"].contains("accuracy"));
  VisionStageSummary refused;
  EXPECT_THROW(run(0, dir + "/refused", dir + "/on/vision_heads.pt", &refused), Error);
  VisionStageConfig negative = quick(1);
  negative.kin_weight = -1;
  MultimodalLM lm(c);
  EXPECT_THROW(run_vision_stage(lm, c, negative), Error);
}
