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
// minute from the mean of the patch features, and with scene_weight > 0 the scene slots (each
// family's single-hop facts: counts, bar values, table cells, side lengths, perception lookups)
// from the same mean (from the CLS token where the decoder is shown it, cls_patch; from every patch
// feature alone with scene_every_token, so that each image token must carry the whole scene's
// facts); each head is one linear layer on the features
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
  int64_t steps = 500;
  int64_t batch = 64;               // images per step
  OptimConfig optim;                // lr, warmup, clipping
  double scene_weight = 0;          // weight of the scene-slot head's loss (0: not trained)
  bool scene_every_token = false;   // the scene slots from every patch feature, each one alone,
                                    // instead of from their mean (or the CLS token)
  uint64_t world_seed = 0;
  std::vector<std::string> families = {"all"};
  std::vector<int> difficulties = {1, 2, 3};
  int64_t eval_images = 350;        // held-out images for the accuracy report (0: none)
  std::set<uint64_t> excluded;      // pixel hashes (io/image.h image_pixel_hash) never to train on
  std::string out_dir;              // empty: no checkpoints, metrics or final model
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
                                    // scene: slot accuracy per family (scene_weight > 0)
  json to_json() const;
};

// How visible a label is to a decoder: the share of the variance of `features` [N,C], each row
// scaled to unit RMS (as the decoder's first RMSNorm does), that lies between the class means of
// `labels` [N] (between-class / total variance; 1 when the features are their label, ≈ 0 when
// independent of it). A linear head reads a label from a direction of tiny variance by scaling
// its weights; a decoder trained from scratch picks a direction up roughly in proportion to its
// variance (docs/vision.md: shape at a share of 0.05 was never read, at 0.31 it was).
double label_variance_share(const torch::Tensor& features, const torch::Tensor& labels);

// Trains lm's vision tower (only it; the rest stays as given) and returns the summary.
VisionStageSummary run_vision_stage(MultimodalLM lm, const ModelConfig& config, const VisionStageConfig& cfg);

}  // namespace insightv
