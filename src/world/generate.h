// world/generate.h — generating VisWorld task folders: seeds, splits, files.
//
//   WorldConfig cfg;
//   cfg.families = {"all"}; cfg.split = "train"; cfg.n = 1000; cfg.seed = 7; cfg.out = "vw";
//   WorldSummary s = generate_world(cfg);   // vw/tasks.jsonl, vw/images/*.png, vw/world.json
//
// Seeds and splits: task `index` of split `split` gets the seed split_base(split) + index, with
// bases 0 (train), 10^12 (val), 2*10^12 (test), 3*10^12 (vision: the images the vision stage
// generates on the fly, never written), so splits draw from disjoint seed ranges; its
// random stream is Rng(mix(world seed, task seed, family)). With `--family all` task i belongs to
// family i mod 7. The same config gives byte-identical PNG and JSONL files.
// split "all" writes out/train, out/val and out/test (n tasks each) and then checks that no
// (image bytes, question) pair occurs in two splits (find_split_overlaps), failing if one does.
//
// Files and interruption: images are written one by one (temp file + rename, never torn);
// tasks.jsonl is streamed to a temp file (AtomicFile) and renamed into place only after the
// last task, followed by world.json. A folder with a
// tasks.jsonl is therefore complete; an interrupted run leaves none (or the previous one) and is
// simply rerun: generation is deterministic, so the rerun rewrites identical images.
// Single-threaded; generate_task is thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "io/image.h"
#include "world/family.h"
#include "world/task.h"

namespace insightv::world {

struct WorldConfig {
  std::vector<std::string> families = {"all"};  // names, or "all"
  std::string split = "train";                  // train | val | test | all
  int64_t n = 100;                              // tasks per split
  uint64_t seed = 0;                            // the world seed
  int size = 128;                               // image width = height, pixels (32..2048)
  std::vector<int> difficulties = {1, 2, 3};    // each task draws one uniformly
  std::string out;                              // output folder
  int png_compression = 6;                      // zlib level 0..9
  bool progress = true;                         // show a progress bar on stderr
};

struct WorldSummary {
  int64_t tasks = 0;
  std::map<std::string, int64_t> per_family;
  std::vector<std::string> folders;  // one per split written
  double seconds = 0;
};

constexpr int64_t kSplitStride = 1000000000000LL;  // 10^12 seeds per split
uint64_t split_base(const std::string& split);      // throws on an unknown split
// "1", "2,3", "mix" (= 1,2,3); throws Error("[world] difficulty 0 ...") otherwise.
std::vector<int> parse_difficulties(const std::string& spec);
// Expands "all" and checks the names.
std::vector<const Family*> resolve_families(const std::vector<std::string>& names);
// Checks every field; throws Error("[world] ...") naming the bad one.
void validate(const WorldConfig& cfg);

struct TaskSpec {
  const Family* family = nullptr;
  std::string split = "train";
  int64_t index = 0;
  uint64_t world_seed = 0;
  int size = 128;
  std::vector<int> difficulties = {1, 2, 3};
};
// One task; renders into *image unless image is null. The task's image path is
// "images/<id>.png" whether or not it is rendered.
Task generate_task(const TaskSpec& spec, Image* image);

WorldSummary generate_world(const WorldConfig& cfg);

struct SplitOverlap {
  std::string first_id, second_id;  // tasks in different folders with equal image + question
};
// Reads each folder's tasks.jsonl and image files; returns the cross-folder repeats.
std::vector<SplitOverlap> find_split_overlaps(const std::vector<std::string>& folders);

}  // namespace insightv::world
