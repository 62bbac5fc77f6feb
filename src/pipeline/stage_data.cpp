// pipeline/stage_data.cpp — see stage_data.h.
#include "pipeline/stage_data.h"

#include <algorithm>
#include <set>

#include "data/system_formats.h"
#include "io/image.h"
#include "pipeline/assess.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/rng.h"
#include "world/describe.h"
#include "world/family.h"
#include "world/generate.h"

namespace insightv::pipeline {

namespace {

const char* const kCaptionQuestions[] = {
    "Describe the image.",
    "What does this image show?",
    "Give a short description of the picture.",
};

const world::Task& task_of(const data::LlavaSample& s, const std::map<std::string, world::Task>& tasks) {
  std::string id;
  if (s.extra.contains("provenance") && s.extra["provenance"].contains("task_id"))
    id = s.extra["provenance"]["task_id"].get<std::string>();
  auto it = tasks.find(id);
  check(it != tasks.end(), "stage-data", "sample '" + s.id + "' names task '" + id + "', which is not in the task set",
        "build the sets from the same task folder that assess used");
  return it->second;
}

// The gpt turn of a reasoning-set sample (the "<thoughts>…</thoughts>" block).
const std::string& thoughts_of(const data::LlavaSample& s) {
  check(s.conversations.size() >= 2 && s.conversations[1].from == "gpt", "stage-data",
        "sample '" + s.id + "' is not a reasoning-set sample (human turn, then the chain)");
  return s.conversations[1].value;
}

data::LlavaSample derived(const data::LlavaSample& s, const std::string& suffix) {
  data::LlavaSample out;
  out.id = s.id + suffix;
  out.image = s.image;
  if (s.extra.contains("provenance")) out.extra["provenance"] = s.extra["provenance"];
  return out;
}

}  // namespace

std::map<std::string, world::Task> tasks_by_id(const std::vector<world::Task>& tasks) {
  std::map<std::string, world::Task> m;
  for (const auto& t : tasks) m.emplace(t.id, t);
  return m;
}

std::vector<data::LlavaSample> base_samples(const std::vector<world::Task>& tasks, const std::string& tasks_root,
                                            const std::string& out_dir, uint64_t seed, data::AnswerStyle style) {
  std::vector<data::LlavaSample> out;
  out.reserve(tasks.size() * 2);
  for (const world::Task& t : tasks) {
    const std::string image = data::relative_path(join_path(tasks_root, t.image), out_dir);
    Rng rng(mix_seed(seed, fnv1a64(t.id)));
    data::LlavaSample caption;
    caption.id = t.id + "-caption";
    caption.image = image;
    const auto q = static_cast<size_t>(rng.uniform_int(0, static_cast<int>(std::size(kCaptionQuestions)) - 1));
    caption.conversations = {{"human", std::string("<image>\n") + kCaptionQuestions[q]},
                             {"gpt", world::describe_scene(t)}};
    out.push_back(std::move(caption));
    data::LlavaSample direct = data::task_to_llava(t, image, style);
    direct.id = t.id + "-direct";
    out.push_back(std::move(direct));
  }
  return out;
}

std::vector<data::LlavaSample> cot_samples(const std::vector<data::LlavaSample>& reason,
                                           const std::map<std::string, world::Task>& tasks,
                                           data::AnswerStyle style) {
  std::vector<data::LlavaSample> out;
  for (const auto& s : reason) {
    const world::Task& t = task_of(s, tasks);
    data::LlavaSample c = derived(s, "-cot");
    c.conversations = {{"human", "<image>\n" + data::task_prompt(t) + data::kCotSuffix},
                       {"gpt", data::cot_target(thoughts_of(s), data::answer_reply(t, style))}};
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<data::LlavaSample> multi_turn_samples(const std::vector<data::LlavaSample>& reason,
                                                  const std::map<std::string, world::Task>& tasks,
                                                  data::AnswerStyle style) {
  std::vector<data::LlavaSample> out;
  for (const auto& s : reason) {
    const world::Task& t = task_of(s, tasks);
    data::LlavaSample c = derived(s, "-mt");
    c.conversations = {{"human", "<image>\n" + data::task_prompt(t) + data::kReasoningSuffix},
                       {"gpt", thoughts_of(s)},
                       {"human", data::kMultiTurnFollowup},
                       {"gpt", data::answer_reply(t, style)}};
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<data::LlavaSample> summary_only_samples(const std::vector<data::LlavaSample>& summary,
                                                    const std::map<std::string, world::Task>& tasks,
                                                    data::AnswerStyle style) {
  std::vector<data::LlavaSample> out;
  std::set<std::string> seen;
  for (const auto& s : summary) {
    const world::Task& t = task_of(s, tasks);
    if (!seen.insert(t.id).second) continue;
    data::LlavaSample c = derived(s, "-so");
    c.id = t.id + "-so";
    c.conversations = {{"human", "<image>\n" + data::task_prompt(t)}, {"gpt", data::answer_reply(t, style)}};
    out.push_back(std::move(c));
  }
  return out;
}

const char* const kGroundingFactsPrompt = "List facts about the image.";

GroundingFormat parse_grounding_format(const std::string& name) {
  if (name == "questions") return GroundingFormat::questions;
  if (name == "facts") return GroundingFormat::facts;
  throw Error("stage-data", "unknown grounding format '" + name + "'", "use questions or facts");
}

std::vector<std::string> parse_grounding_families(const std::string& list, GroundingFormat format) {
  std::vector<std::string> names;
  if (list == "all") {
    names = world::family_names();
  } else {
    size_t start = 0;
    while (start <= list.size()) {
      const size_t comma = std::min(list.find(',', start), list.size());
      const std::string name = list.substr(start, comma - start);
      world::find_family(name);  // throws, naming the known families
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
      start = comma + 1;
    }
  }
  if (format == GroundingFormat::questions && (names.size() != 1 || names[0] != "perception"))
    throw Error("stage-data", "the grounding questions are perception questions; families '" + list + "' need the facts format",
                "set ground_format to facts, or ground_families to perception");
  return names;
}

std::vector<GroundingLookup> grounding_lookups(const world::Task& t) {
  std::vector<GroundingLookup> q;
  for (const auto& l : world::perception_lookups(t)) q.push_back({l.question, l.answer});
  return q;
}

GroundingSet write_grounding_set(const std::string& out_dir, int64_t images, uint64_t world_seed, int size,
                                 const std::set<uint64_t>& excluded, uint64_t seed, GroundingFormat format,
                                 const std::vector<std::string>& families) {
  constexpr int64_t kFirstIndex = 200000000000LL;  // 2·10^11: past the vision stage's images
  check(!families.empty(), "stage-data", "the grounding set needs at least one family");
  if (format == GroundingFormat::questions)
    check(families.size() == 1 && families[0] == "perception", "stage-data",
          "the grounding questions are perception questions (use the facts format for other families)");
  make_dirs(join_path(out_dir, "images"));
  GroundingSet set;
  world::TaskSpec spec;
  spec.split = "vision";
  spec.world_seed = world_seed;
  spec.size = size;
  for (int64_t i = 0; i < images; ++i) {
    spec.family = &world::find_family(families[static_cast<size_t>(i) % families.size()]);
    spec.index = kFirstIndex + i;
    Image img;
    const world::Task t = world::generate_task(spec, &img);
    if (excluded.count(image_pixel_hash(img)) > 0) {
      ++set.excluded;
      continue;
    }
    const std::string name = "images/ground-" + std::to_string(i) + ".png";
    write_png(join_path(out_dir, name), img);
    ++set.images;
    const bool single = t.family == "perception" && t.scene.at("objects").size() == 1;
    Rng rng(mix_seed(seed, static_cast<uint64_t>(i)));
    auto add = [&](const std::string& id, const std::string& human, const std::string& gpt) {
      data::LlavaSample s;
      s.id = id;
      s.image = name;
      s.conversations = {{"human", "<image>\n" + human}, {"gpt", gpt}};
      (single ? set.single : set.all).push_back(std::move(s));
    };
    const std::string id = "ground-" + std::to_string(i);
    if (format == GroundingFormat::facts) {
      auto facts = spec.family->scene_facts(t);
      rng.shuffle(facts);
      std::string text;
      for (const auto& f : facts) text += (text.empty() ? "" : " ") + f;
      add(id, kGroundingFactsPrompt, text);
      continue;
    }
    auto lookups = grounding_lookups(t);
    rng.shuffle(lookups);
    if (lookups.size() > 3) lookups.resize(3);
    for (size_t k = 0; k < lookups.size(); ++k)
      add(id + "-" + std::to_string(k), lookups[k].question + "\n" + data::kOpenInstruction, lookups[k].answer);
  }
  set.all.insert(set.all.begin(), set.single.begin(), set.single.end());
  return set;
}

}  // namespace insightv::pipeline
