// pipeline/stage_data.h — the training sets of the stages that datagen/assess do not write:
// the grounding stage, the nano base model's stage 0 and the single-model baselines of PAPER.md
// Table 3.
//
//   auto base = base_samples(train_tasks, "runs/vw/train", "runs/sets", seed);   // stage 0
//   auto cot  = cot_samples(read_llava("sets/reason.json"), tasks);             // Vanilla direct SFT
//   auto mt   = multi_turn_samples(read_llava("sets/reason.json"), tasks);      // reasoning turn, answer turn
//   auto so   = summary_only_samples(read_llava("sets/summary.json"), tasks);   // no chain
//
// Stage 0 (the LLaVA-NeXT stand-in): per task, a caption of its image (world/describe.h) under
// one of a few "describe" questions, and the task's question answered directly — the base model
// sees and answers but never reasons at length. The baselines reuse the reasoning set's chains
// so that every system learns from the same paths: cot = one turn, chain then answer
// (data/system_formats.h); multi-turn = the reasoning agent's turn, then a follow-up turn whose
// answer is the ground truth; summary-only = the summary set's questions answered directly,
// without any chain. Image paths are kept relative to the output file's folder.
// Pure functions; deterministic for a seed.
#pragma once
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "data/llava_json.h"
#include "data/system_formats.h"
#include "world/task.h"

namespace insightv::pipeline {

// tasks_root: the folder the tasks' image paths are relative to; out_dir: where the JSON goes.
// `style`: how every reply below gives the answer (data::answer_reply; the paper's is the letter).
std::vector<data::LlavaSample> base_samples(const std::vector<world::Task>& tasks, const std::string& tasks_root,
                                            const std::string& out_dir, uint64_t seed,
                                            data::AnswerStyle style = data::AnswerStyle::letter);

// The baselines. Samples whose provenance.task_id is not in `tasks` are an error.
std::vector<data::LlavaSample> cot_samples(const std::vector<data::LlavaSample>& reason,
                                           const std::map<std::string, world::Task>& tasks,
                                           data::AnswerStyle style = data::AnswerStyle::letter);
std::vector<data::LlavaSample> multi_turn_samples(const std::vector<data::LlavaSample>& reason,
                                                  const std::map<std::string, world::Task>& tasks,
                                                  data::AnswerStyle style = data::AnswerStyle::letter);
// One sample per distinct task of the summary set.
std::vector<data::LlavaSample> summary_only_samples(const std::vector<data::LlavaSample>& summary,
                                                    const std::map<std::string, world::Task>& tasks,
                                                    data::AnswerStyle style = data::AnswerStyle::letter);

std::map<std::string, world::Task> tasks_by_id(const std::vector<world::Task>& tasks);

// The grounding stage's set (between the vision stage and base): scenes of `families` (in turn)
// from the "vision" seed range (task indices from 2·10^11 up, never a train, val or test seed, nor
// an image the vision stage trains on), written to out_dir/images. Two formats:
//   questions  perception only: up to three questions per scene, answered in a word (the open
//              instruction) — the colour, the shape, the place of an object named by its shape or
//              colour, or of "the object" when it is alone (grounding_lookups);
//   facts      one sample per scene: kGroundingFactsPrompt, then every single-hop fact of the scene
//              (world::Family::scene_facts: "The circle is red. Bar A is 3. The clock shows 4:25."),
//              shuffled — ten times the supervision per image, each fact a lookup in the image.
// `single` holds the one-object perception scenes' samples (the curriculum's first phase), `all`
// every sample. Images whose pixel hash is in `excluded` are skipped and counted.
enum class GroundingFormat { questions, facts };
GroundingFormat parse_grounding_format(const std::string& name);  // "questions" | "facts"
extern const char* const kGroundingFactsPrompt;                    // "List facts about the image."
// "perception" (the default), "all", or a comma-separated list of family names; errors name the
// unknown family. The questions format takes perception alone.
std::vector<std::string> parse_grounding_families(const std::string& list, GroundingFormat format);
struct GroundingSet {
  std::vector<data::LlavaSample> single, all;
  int64_t images = 0, excluded = 0;
};
GroundingSet write_grounding_set(const std::string& out_dir, int64_t images, uint64_t world_seed, int size,
                                 const std::set<uint64_t>& excluded, uint64_t seed,
                                 GroundingFormat format = GroundingFormat::questions,
                                 const std::vector<std::string>& families = {"perception"});
// One lookup of a perception scene: a question and its one-word answer.
struct GroundingLookup {
  std::string question, answer;
};
// Every lookup of one perception scene; empty for other families.
std::vector<GroundingLookup> grounding_lookups(const world::Task& t);

}  // namespace insightv::pipeline
