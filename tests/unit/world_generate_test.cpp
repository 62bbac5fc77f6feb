// VisWorld folders: byte-identical output for a seed, disjoint splits, clear errors on bad
// configs, and the repeat checker catching a planted repeat.
#include <sys/stat.h>

#include <cstdlib>
#include <set>

#include <gtest/gtest.h>

#include "support/subprocess.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/hash.h"
#include "world/generate.h"

using insightv::Error;
using insightv::world::WorldConfig;

namespace {

WorldConfig small_config(const std::string& out, uint64_t seed = 3) {
  WorldConfig c;
  c.families = {"all"};
  c.n = 21;
  c.seed = seed;
  c.size = 64;
  c.out = out;
  c.progress = false;
  return c;
}

// A fingerprint of tasks.jsonl and every image it names.
uint64_t folder_hash(const std::string& dir) {
  uint64_t h = insightv::fnv1a64(insightv::read_file(dir + "/tasks.jsonl"));
  for (const auto& t : insightv::world::read_tasks(dir))
    h = insightv::fnv1a64(insightv::read_file(dir + "/" + t.image), h);
  return h;
}

std::string error_of(const WorldConfig& c) {
  try {
    insightv::world::generate_world(c);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(WorldGenerate, SameSeedGivesByteIdenticalFolders) {
  const std::string a = insightv::test::make_temp_dir("world-a"), b = insightv::test::make_temp_dir("world-b");
  insightv::world::generate_world(small_config(a));
  insightv::world::generate_world(small_config(b));
  EXPECT_EQ(folder_hash(a), folder_hash(b));
  EXPECT_EQ(insightv::read_file(a + "/world.json"), insightv::read_file(b + "/world.json"));
  const std::string c = insightv::test::make_temp_dir("world-c");
  insightv::world::generate_world(small_config(c, 4));
  EXPECT_NE(folder_hash(a), folder_hash(c));
  // Rerunning into the same folder (as after an interruption) rewrites the same bytes.
  const uint64_t before = folder_hash(a);
  insightv::world::generate_world(small_config(a));
  EXPECT_EQ(folder_hash(a), before);
  std::system(("rm -rf '" + a + "' '" + b + "' '" + c + "'").c_str());
}

TEST(WorldGenerate, WritesEveryFamilyWithRelativeImagePaths) {
  const std::string dir = insightv::test::make_temp_dir("world-fam");
  const auto s = insightv::world::generate_world(small_config(dir));
  EXPECT_EQ(s.tasks, 21);
  EXPECT_EQ(s.per_family.size(), 7u);
  std::set<std::string> ids;
  for (const auto& t : insightv::world::read_tasks(dir)) {
    EXPECT_TRUE(ids.insert(t.id).second) << "duplicate id " << t.id;
    EXPECT_EQ(t.image.rfind("images/", 0), 0u) << t.image;
    EXPECT_TRUE(insightv::file_exists(dir + "/" + t.image)) << t.image;
    EXPECT_EQ(t.split, "train");
    EXPECT_LT(t.seed, static_cast<uint64_t>(insightv::world::kSplitStride));
  }
  std::system(("rm -rf '" + dir + "'").c_str());
}

TEST(WorldGenerate, SplitsUseDisjointSeedsAndNoImageQuestionPairRepeats) {
  const std::string dir = insightv::test::make_temp_dir("world-splits");
  WorldConfig c = small_config(dir);
  c.split = "all";
  c.n = 350;  // 50 per family per split
  const auto s = insightv::world::generate_world(c);  // throws if a pair repeats
  ASSERT_EQ(s.folders.size(), 3u);
  EXPECT_TRUE(insightv::world::find_split_overlaps(s.folders).empty());
  std::set<uint64_t> seeds;
  for (const auto& f : s.folders)
    for (const auto& t : insightv::world::read_tasks(f)) EXPECT_TRUE(seeds.insert(t.seed).second) << t.id;
  EXPECT_EQ(seeds.size(), 3u * 350u);
  std::system(("rm -rf '" + dir + "'").c_str());
}

TEST(WorldGenerate, OverlapCheckerFindsAPlantedRepeat) {
  const std::string dir = insightv::test::make_temp_dir("world-dup");
  insightv::world::generate_world(small_config(dir));
  // The same folder twice is the worst case: every task repeats.
  const auto overlaps = insightv::world::find_split_overlaps({dir, dir});
  EXPECT_EQ(overlaps.size(), 21u);
  std::system(("rm -rf '" + dir + "'").c_str());
}

TEST(WorldGenerate, BadConfigsFailWithAClearMessage) {
  const std::string dir = insightv::test::make_temp_dir("world-bad");
  WorldConfig c = small_config(dir);
  c.families = {"unicorns"};
  EXPECT_NE(error_of(c).find("[world] unknown family 'unicorns'"), std::string::npos) << error_of(c);
  EXPECT_NE(error_of(c).find("clock"), std::string::npos) << "should list the known families";
  c = small_config(dir);
  c.n = -4;
  EXPECT_NE(error_of(c).find("negative"), std::string::npos) << error_of(c);
  c = small_config(dir);
  c.difficulties = {0};
  EXPECT_NE(error_of(c).find("difficulty 0"), std::string::npos) << error_of(c);
  c = small_config(dir);
  c.split = "dev";
  EXPECT_NE(error_of(c).find("unknown split"), std::string::npos) << error_of(c);
  c = small_config(dir);
  c.size = 8;
  EXPECT_NE(error_of(c).find("--size"), std::string::npos) << error_of(c);
  // A folder below a plain file cannot be created.
  insightv::write_file_atomic(dir + "/file", "x");
  c = small_config(dir + "/file/out");
  EXPECT_NE(error_of(c).find("[world] cannot create output folder"), std::string::npos) << error_of(c);
  std::system(("rm -rf '" + dir + "'").c_str());
}

TEST(WorldGenerate, ParsesDifficultySpecs) {
  EXPECT_EQ(insightv::world::parse_difficulties("mix"), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(insightv::world::parse_difficulties("2"), (std::vector<int>{2}));
  EXPECT_EQ(insightv::world::parse_difficulties("1,3"), (std::vector<int>{1, 3}));
  for (const char* bad : {"0", "4", "", "x", "1,,2", "-1"})
    EXPECT_THROW(insightv::world::parse_difficulties(bad), Error) << bad;
}

// The JSON of a fixed config never changes by accident: scenes, questions, answers and solver
// chains depend only on insightv's own code and RNG (no platform distributions, no fonts).
// Images are left out on purpose: their bytes depend on the cairo/pixman/freetype build.
// If you changed a family on purpose, replace the constant with the value the failure prints.
TEST(WorldGenerate, TasksJsonForAFixedSeedMatchesTheGoldenHash) {
  constexpr uint64_t kGolden = 0x291caa8503789709ULL;  // = FNV-1a of `insightv world --n 140 --seed 7` tasks.jsonl
  const auto fams = insightv::world::resolve_families({"all"});
  uint64_t h = insightv::fnv1a64("");
  for (int64_t i = 0; i < 140; ++i) {
    insightv::world::TaskSpec spec;
    spec.family = fams[static_cast<size_t>(i) % fams.size()];
    spec.index = i;
    spec.world_seed = 7;
    spec.size = 128;
    h = insightv::fnv1a64(insightv::world::task_to_json(insightv::world::generate_task(spec, nullptr)).dump() + "\n", h);
  }
  EXPECT_EQ(insightv::hex64(h), insightv::hex64(kGolden));
}
