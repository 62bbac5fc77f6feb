// world/family.h — the interface every VisWorld task family implements, and the registry.
//
//   const Family& f = find_family("clock");           // throws on an unknown name
//   Canvas canvas(128, 128, palette("white"));
//   Draft d = f.make(rng, {/*difficulty=*/2, /*size=*/128, &canvas});
//
// A family owns four things for its tasks: the scene generator (random scene graph for a
// difficulty), the renderer (paints the scene on the canvas), question templates (a query in
// machine form plus its English text) and the symbolic solver (computes the answer from the
// scene graph and query alone, emitting the reasoning steps). make() runs all four; with a null
// canvas it skips rendering (the solver tests run thousands of tasks that way).
// Families are stateless singletons: make() is const and thread-safe.
#pragma once

#include <string>
#include <vector>

#include "util/rng.h"
#include "world/canvas.h"
#include "world/task.h"

namespace insightv::world {

struct MakeContext {
  int difficulty = 1;         // 1..3: reasoning hops and distractors grow with it
  int size = 128;             // rendered width = height, pixels; the scene uses these pixels
  Canvas* canvas = nullptr;   // where to render; nullptr = do not render
};

// What a family returns; generate.h adds id, split, seeds and the image path.
struct Draft {
  std::string question;
  json query, scene;
  AnswerType answer_type = AnswerType::number;
  std::string answer, answer_value;
  std::vector<std::string> options;
  std::vector<Step> solution;
};

class Family {
 public:
  virtual ~Family() = default;
  virtual const char* name() const = 0;
  virtual const char* summary() const = 0;  // one line for --help and the README
  virtual Draft make(Rng& rng, const MakeContext& ctx) const = 0;
  // The answer of one of this family's tasks as a sentence, for training replies in that style
  // (data/system_formats.h AnswerStyle::sentence): a question of one hop restates the fact it looks
  // up ("The red object is a square.", "Bar B is 7. The answer is 7."); any other question
  // "The answer is 12." (answer_after_fact).
  virtual std::string answer_sentence(const Task& t) const = 0;
  // Every single-hop fact of a task's scene as a sentence, in a fixed order: "The circle is red.",
  // "There are 2 red shapes.", "Bar A is 3.", "The clock shows 4:25.", "Row 1, column 2 is 7.",
  // "Row 2 has 1 black cell.", "The width is 7 cm.". Each is one lookup in the image, worded as
  // answer_sentence words it: the fact lists of the grounding stage (pipeline/stage_data.h).
  virtual std::vector<std::string> scene_facts(const Task& t) const = 0;
};

// "<fact> The answer is <value>." — or "The answer is <value>." when `fact` is empty.
std::string answer_after_fact(const std::string& fact, const std::string& value);
// "There is 1 red shape." / "There are 3 red shapes." (noun and plural as given).
std::string count_sentence(long n, const std::string& noun, const std::string& plural);

// All families in a fixed order (the order of `--family all`).
const std::vector<const Family*>& families();
const Family& find_family(const std::string& name);
std::vector<std::string> family_names();

// The families, one per file.
const Family& shapes_family();
const Family& bar_chart_family();
const Family& clock_family();
const Family& maze_family();
const Family& digit_table_family();
const Family& geometry_family();
const Family& perception_family();

// One lookup in a perception scene, worded as a question, its one-word answer, and the same
// lookup as a fact: the colour of an object named by its shape (where the shape is unique), the
// shape of one named by its colour (colours are distinct), the place of one named by both; "the
// object" when it is alone. Perception's scene_facts are these facts; the grounding stage's
// questions are these questions (pipeline/stage_data.h).
// The bar chart's bar labels: each chart draws some of these, in this order.
const std::vector<std::string>& bar_label_pool();

struct PerceptionLookup {
  std::string question, answer, fact;
};
std::vector<PerceptionLookup> perception_lookups(const Task& t);

}  // namespace insightv::world
