// train/vision_stage.h — the vision stage: the nano stand-in for CLIP pretraining. The tower
// learns to see from VisWorld's scene graphs before any language model looks through it.
//
//   VisionStageConfig v;  v.steps = 500;  v.out_dir = "runs/x/vision";
//   VisionStageSummary s = run_vision_stage(lm, config, v);   // trains lm->vision in place
//
// Data: images are generated on the fly from the "vision" split (seed base 3·10^12, disjoint
// from train, val and test; world/generate.h), families round-robin, task index
// step·batch + i, so the data is unlimited and a step's batch depends only on its index. Images
// whose pixels equal one in `excluded` (the pipeline passes the test split's) are dropped from
// their batch and counted, so no test image is ever trained on. Held-out accuracy is measured on
// `eval_images` images from indices past 10^11 of the same split, never trained on.
// Supervision: world/patch_labels.h — per patch colour (every family), shape (shapes,
// perception) and printed number (digit_table, bar_chart, geometry), and the clock's hour and
// minute from the mean of the patch features, with kin_weight > 0 per patch the number of objects
// that share the colour, the shape and the size of the patch's object, and with scene_weight > 0 the scene slots (each
// family's single-hop facts: counts, bar values, table cells, side lengths, perception lookups)
// from the same mean (from the CLS token where the decoder is shown it, cls_patch; from every patch
// feature alone with scene_from every_token, so that each image token must carry the whole scene's
// facts; with slot_token each slot from one patch feature, slot s from token s mod P, so that a
// family's facts lie one per image token); each head is one linear layer on the features
// the projector will see (the select layer, CLS dropped), so what is learnt is linearly there.
// The loss is the sum of the heads' cross-entropies, each over the images that have its labels.
// Resumable like SFT (checkpoints/, `latest`; heads and optimizer included): a killed run
// continues to the same weights. The finished tower is written into out_dir as a whole model
// checkpoint (the decoder and projector as given), plus vision_heads.pt and metrics.jsonl.
// Not thread-safe.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "io/image.h"
#include "io/json.h"
#include "model/llava.h"
#include "train/optim.h"

namespace insightv {

struct VisionStageConfig {
  int64_t steps = 500;              // 0: the held-out report of the tower as given (heads_init needed)
  int64_t batch = 64;               // images per step
  OptimConfig optim;                // lr, warmup, clipping
  double scene_weight = 0;          // weight of the scene-slot head's loss (0: not trained)
  std::string scene_from = "pooled"; // what the scene slots read: pooled (the mean of the patch
                                    // features, or the CLS token) | every_token (every patch feature,
                                    // each alone) | slot_token (slot s from patch feature s mod P)
  double kin_weight = 0;            // weight of the per-patch kin-count heads (shapes, perception: how many
                                    // objects share the colour, shape, size of the patch's object; 0: no such head)
  uint64_t world_seed = 0;
  std::vector<std::string> families = {"all"};
  std::vector<int> difficulties = {1, 2, 3};
  int64_t eval_images = 350;        // held-out images for the accuracy report (0: none)
  std::set<uint64_t> excluded;      // pixel hashes (io/image.h image_pixel_hash) never to train on
  std::string heads_init;           // a vision_heads.pt to start the heads from (empty: fresh heads; a kin
                                    // head missing from it starts fresh);
                                    // required with steps 0: no training, only the held-out report
  std::string out_dir;              // empty: no checkpoints, metrics or final model (steps 0: vision.json only)
  bool resume = true;
  int64_t save_every = 0;           // 0: only at the end
  bool progress = true;
  bool bf16 = false;
  int64_t stop_after = 0;           // > 0: return after this many steps without the final save (tests)
};

struct VisionStageSummary {
  int64_t steps = 0;
  double first_loss = 0, last_loss = 0;
  double images_per_s = 0;
  int64_t excluded_images = 0;      // generated images dropped because they equal an excluded one
  json heldout;                     // per head: accuracy over all labelled patches and over non-"none" ones;
                                    // colour and shape: variance_share (label_variance_share, object patches);
                                    // scene: slot accuracy per family (scene_weight > 0);
                                    // kin: each kin count's variance_share (object patches), and its
                                    // accuracy with the kin head (kin_weight > 0);
                                    // variance_share: the clock's hour and minute and each family's
                                    // scene slots (mean over its slots), per image token and in the
                                    // mean of an image's tokens
  json to_json() const;
};

// How visible a label is to a decoder: the share of the variance of `features` [N,C], each row
// scaled to unit RMS (as the decoder's first RMSNorm does), that lies between the class means of
// `labels` [N] (between-class / total variance; 1 when the features are their label, ≈ 0 when
// independent of it). A linear head reads a label from a direction of tiny variance by scaling
// its weights; a decoder trained from scratch picks a direction up roughly in proportion to its
// variance (docs/vision.md: shape at a share of 0.05 was never read, at 0.31 it was).
double label_variance_share(const torch::Tensor& features, const torch::Tensor& labels);

// The values of VisionStageConfig::scene_from.
const std::vector<std::string>& scene_from_values();

// Trains lm's vision tower (only it; the rest stays as given) and returns the summary.
VisionStageSummary run_vision_stage(MultimodalLM lm, const ModelConfig& config, const VisionStageConfig& cfg);

}  // namespace insightv
