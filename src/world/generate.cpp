// world/generate.cpp — seeds, validation, one task, a whole folder, split overlap check.
#include "world/generate.h"

#include <cstdio>
#include <memory>
#include <unordered_map>

#include "util/error.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/log.h"
#include "util/progress.h"
#include "util/timer.h"

namespace insightv::world {

uint64_t split_base(const std::string& split) {
  if (split == "train") return 0;
  if (split == "val") return static_cast<uint64_t>(kSplitStride);
  if (split == "test") return 2 * static_cast<uint64_t>(kSplitStride);
  if (split == "vision") return 3 * static_cast<uint64_t>(kSplitStride);
  throw Error("world", "unknown split '" + split + "'", "use train, val, test, vision or all");
}

std::vector<int> parse_difficulties(const std::string& spec) {
  if (spec == "mix" || spec == "all") return {1, 2, 3};
  std::vector<int> out;
  size_t start = 0;
  while (start <= spec.size()) {
    const size_t comma = spec.find(',', start);
    const std::string part = spec.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    int d = -1;
    if (part.size() == 1 && part[0] >= '0' && part[0] <= '9') d = part[0] - '0';
    check(d >= 1 && d <= 3, "world", "difficulty '" + part + "' is not 1, 2 or 3",
          "use --difficulty 1, 2, 3, a list like 2,3, or mix");
    out.push_back(d);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::vector<const Family*> resolve_families(const std::vector<std::string>& names) {
  check(!names.empty(), "world", "no family given", "use --family NAME or --family all");
  std::vector<const Family*> out;
  for (const auto& n : names) {
    if (n == "all") {
      for (const Family* f : families()) out.push_back(f);
    } else {
      out.push_back(&find_family(n));
    }
  }
  return out;
}

void validate(const WorldConfig& cfg) {
  resolve_families(cfg.families);
  if (cfg.split != "all") split_base(cfg.split);
  check(cfg.n >= 0, "world", "--n " + std::to_string(cfg.n) + " is negative", "ask for 0 or more tasks");
  check(cfg.n < kSplitStride, "world", "--n " + std::to_string(cfg.n) + " exceeds a split's seed range (10^12)");
  check(cfg.size >= 32 && cfg.size <= 2048, "world",
        "--size " + std::to_string(cfg.size) + " outside 32..2048", "128 for nano models, 336 or 672 for real ones");
  check(!cfg.difficulties.empty(), "world", "no difficulty given");
  for (int d : cfg.difficulties)
    check(d >= 1 && d <= 3, "world", "difficulty " + std::to_string(d) + " is not 1, 2 or 3");
  check(!cfg.out.empty(), "world", "no output folder", "pass --out DIR");
  check(cfg.png_compression >= 0 && cfg.png_compression <= 9, "world", "PNG compression outside 0..9");
}

Task generate_task(const TaskSpec& spec, Image* image) {
  const Family& f = *spec.family;
  const uint64_t task_seed = split_base(spec.split) + static_cast<uint64_t>(spec.index);
  Rng rng(mix_seed(spec.world_seed, mix_seed(task_seed, fnv1a64(f.name()))));
  Rng pick = rng.fork(1);
  MakeContext ctx;
  ctx.difficulty = spec.difficulties[static_cast<size_t>(
      pick.uniform_int(0, static_cast<int64_t>(spec.difficulties.size()) - 1))];
  ctx.size = spec.size;
  std::unique_ptr<Canvas> canvas;
  if (image != nullptr) {
    canvas = std::make_unique<Canvas>(spec.size, spec.size, palette("white"));
    ctx.canvas = canvas.get();
  }
  Draft d = f.make(rng, ctx);
  if (image != nullptr) *image = canvas->to_image();
  char idx[32];
  std::snprintf(idx, sizeof idx, "%06lld", static_cast<long long>(spec.index));
  Task t;
  t.id = std::string(f.name()) + "-" + spec.split + "-" + idx;
  t.family = f.name();
  t.split = spec.split;
  t.difficulty = ctx.difficulty;
  t.image = "images/" + t.id + ".png";
  t.question = std::move(d.question);
  t.options = std::move(d.options);
  t.answer = std::move(d.answer);
  t.answer_value = std::move(d.answer_value);
  t.answer_type = d.answer_type;
  t.query = std::move(d.query);
  t.scene = std::move(d.scene);
  t.solution = std::move(d.solution);
  t.seed = task_seed;
  t.world_seed = spec.world_seed;
  t.size = spec.size;
  return t;
}

namespace {

void prepare_folder(const std::string& dir) {
  try {
    make_dirs(join_path(dir, "images"));
  } catch (const Error& e) {
    throw Error("world", "cannot create output folder '" + dir + "': " + e.what_text(),
                "check the path and its permissions");
  }
}

void generate_split(const WorldConfig& cfg, const std::string& split, const std::string& dir,
                    WorldSummary& summary) {
  prepare_folder(dir);
  const auto fams = resolve_families(cfg.families);
  ProgressOptions popts;
  popts.enabled = cfg.progress;
  Progress bar("world " + split, cfg.n, "tasks", popts);
  AtomicFile jsonl(join_path(dir, "tasks.jsonl"));  // streamed to a temp file, renamed at the end
  std::map<std::string, int64_t> counts;
  for (int64_t i = 0; i < cfg.n; ++i) {
    TaskSpec spec;
    spec.family = fams[static_cast<size_t>(i % static_cast<int64_t>(fams.size()))];
    spec.split = split;
    spec.index = i;
    spec.world_seed = cfg.seed;
    spec.size = cfg.size;
    spec.difficulties = cfg.difficulties;
    Image img;
    const Task t = generate_task(spec, &img);
    write_png(join_path(dir, t.image), img, PngOptions{cfg.png_compression});
    jsonl.write(task_to_json(t).dump() + "\n");
    ++counts[t.family];
    bar.add(1);
  }
  bar.finish();
  jsonl.commit();
  json manifest = {{"format", "visworld-1"},
                   {"split", split},
                   {"tasks", cfg.n},
                   {"per_family", counts},
                   {"config",
                    {{"families", cfg.families}, {"n", cfg.n}, {"seed", cfg.seed}, {"size", cfg.size},
                     {"difficulties", cfg.difficulties}, {"png_compression", cfg.png_compression}}}};
  write_json_file(join_path(dir, "world.json"), manifest);
  summary.tasks += cfg.n;
  for (const auto& [k, v] : counts) summary.per_family[k] += v;
  summary.folders.push_back(dir);
}

}  // namespace

WorldSummary generate_world(const WorldConfig& cfg) {
  validate(cfg);
  Stopwatch sw;
  WorldSummary summary;
  if (cfg.split == "all") {
    for (const char* s : {"train", "val", "test"}) generate_split(cfg, s, join_path(cfg.out, s), summary);
    const auto overlaps = find_split_overlaps(summary.folders);
    check(overlaps.empty(), "world",
          std::to_string(overlaps.size()) + " (image, question) pairs repeat across splits, e.g. " +
              (overlaps.empty() ? "" : overlaps[0].first_id + " and " + overlaps[0].second_id),
          "report this: the split seed ranges should make repeats impossible");
  } else {
    generate_split(cfg, cfg.split, cfg.out, summary);
  }
  summary.seconds = sw.seconds();
  IV_LOG(info) << "world: wrote " << summary.tasks << " tasks in " << summary.seconds << " s";
  return summary;
}

std::vector<SplitOverlap> find_split_overlaps(const std::vector<std::string>& folders) {
  std::unordered_map<std::string, std::pair<size_t, std::string>> seen;  // key -> (folder, id)
  std::vector<SplitOverlap> out;
  for (size_t k = 0; k < folders.size(); ++k) {
    for (const Task& t : read_tasks(folders[k])) {
      const std::string key =
          hex64(fnv1a64(read_file(join_path(tasks_root(folders[k]), t.image)))) + "\n" + t.question;
      auto [it, inserted] = seen.emplace(key, std::make_pair(k, t.id));
      if (!inserted && it->second.first != k) out.push_back({it->second.second, t.id});
    }
  }
  return out;
}

}  // namespace insightv::world
