// world/perception.cpp — the "perception" family (MMBench-like control): single-hop questions
// about one object's colour, shape or position, or which object is highest/lowest. It checks
// that reasoning training keeps plain perception.
//
// Scene: {"objects": [...]} (world/objects.h), each object in its own ninth of the image near
// that ninth's centre (so "top-left" is unambiguous) and every colour distinct. Difficulty adds
// distractor objects (1-2, 3, 4-5 objects).
// Queries (always multiple choice, A-D):
//   {"kind":"color_of","shape":S}       What colour is the circle?      (S unique in the scene)
//   {"kind":"shape_of","color":C}       What shape is the red object?
//   {"kind":"where","color":C}          Where in the image is the red square?
//   {"kind":"topmost"} / {"kind":"bottommost"}   Which object is closest to the top/bottom?
// answer_sentence() restates the lookup: "The red object is a square." (the fact-list form of
// the grounding stage, pipeline/stage_data.h).
#include <algorithm>

#include "util/error.h"
#include "world/answer.h"
#include "world/family.h"
#include "world/objects.h"

namespace insightv::world {

namespace {

const Obj& by_color(const std::vector<Obj>& objs, const std::string& color) {
  for (const auto& o : objs)
    if (o.color == color) return o;
  throw Error("world", "perception scene has no " + color + " object");
}

std::string short_name(const Obj& o) { return "the " + o.color + " " + o.shape; }

// The solver: one look at the scene, one step, then the answer.
std::string solve(const std::vector<Obj>& objs, const json& q, std::vector<Step>& steps) {
  const std::string kind = q.at("kind");
  if (kind == "color_of") {
    const std::string shape = q.at("shape");
    std::vector<const Obj*> found;
    for (const auto& o : objs)
      if (o.shape == shape) found.push_back(&o);
    check(found.size() == 1, "world", "perception: the " + shape + " is not unique");
    steps.push_back({"Look at the " + shape, "The only " + shape + " is at " + found[0]->region +
                                                 ", and it is " + found[0]->color + "."});
    return found[0]->color;
  }
  if (kind == "shape_of" || kind == "where") {
    const Obj& o = by_color(objs, q.at("color"));
    steps.push_back({"Look at the " + o.color + " object",
                     "The " + o.color + " object is a " + o.shape + " at " + o.region + "."});
    return kind == "shape_of" ? o.shape : o.region;
  }
  const bool top = kind == "topmost";
  check(top || kind == "bottommost", "world", "perception: unknown query kind '" + kind + "'");
  const Obj* best = &objs[0];
  for (const auto& o : objs)
    if (top ? o.cy < best->cy : o.cy > best->cy) best = &o;
  steps.push_back({"Compare heights", "Of the objects, " + short_name(*best) + " (at " + best->region +
                                          ") is " + (top ? "highest" : "lowest") + " in the image."});
  return short_name(*best);
}

class Perception : public Family {
 public:
  const char* name() const override { return "perception"; }
  const char* summary() const override {
    return "single-hop perception control: colour, shape or position of one object";
  }

  Draft make(Rng& rng, const MakeContext& ctx) const override {
    static const int lo[] = {1, 3, 4}, hi[] = {2, 3, 5};
    const int d = ctx.difficulty;
    const double S = ctx.size;
    for (;;) {
      const int n = static_cast<int>(rng.uniform_int(lo[d - 1], hi[d - 1]));
      std::vector<int> cells = {0, 1, 2, 3, 4, 5, 6, 7, 8};
      std::vector<std::string> colors = object_colors();
      rng.shuffle(cells);
      rng.shuffle(colors);
      std::vector<Obj> objs;
      for (int i = 0; i < n; ++i) {
        Obj o;
        o.id = i;
        o.shape = rng.choice(shape_names());
        o.color = colors[static_cast<size_t>(i)];
        o.size = rng.bernoulli(0.5) ? "large" : "small";
        o.r = S * (o.size == "large" ? 0.11 : 0.075);
        const int c = cells[static_cast<size_t>(i)];
        o.cx = round1((c % 3 + 0.5) * S / 3 + rng.uniform(-0.04, 0.04) * S);
        o.cy = round1((c / 3 + 0.5) * S / 3 + rng.uniform(-0.04, 0.04) * S);
        o.region = region_name(o.cx, o.cy, ctx.size);
        objs.push_back(o);
      }
      const Obj& target = rng.choice(objs);
      int unique_shape = 0;
      for (const auto& o : objs) unique_shape += o.shape == target.shape;
      const int kind = static_cast<int>(rng.uniform_int(0, n >= 3 ? 4 : 2));
      Draft draft;
      std::vector<std::string> pool;
      if (kind == 0) {
        if (unique_shape != 1) continue;
        draft.query = {{"kind", "color_of"}, {"shape", target.shape}};
        draft.question = "What colour is the " + target.shape + "?";
        pool = object_colors();
      } else if (kind == 1) {
        draft.query = {{"kind", "shape_of"}, {"color", target.color}};
        draft.question = "What shape is the " + target.color + " object?";
        pool = {"circle", "square", "triangle", "star", "pentagon", "hexagon"};
      } else if (kind == 2) {
        draft.query = {{"kind", "where"}, {"color", target.color}};
        draft.question = "Where in the image is the " + target.color + " " + target.shape + "?";
        pool = region_names();
      } else {
        const bool top = kind == 3;
        std::vector<double> ys;
        for (const auto& o : objs) ys.push_back(o.cy);
        std::sort(ys.begin(), ys.end());
        if ((top ? ys[1] - ys[0] : ys[ys.size() - 1] - ys[ys.size() - 2]) < S * 0.15) continue;
        draft.query = {{"kind", top ? "topmost" : "bottommost"}};
        draft.question = std::string("Which object is closest to the ") + (top ? "top" : "bottom") +
                         " of the image?";
        for (const auto& o : objs) pool.push_back(short_name(o));
        for (const auto& c : object_colors())
          if (pool.size() < 4 && std::none_of(objs.begin(), objs.end(), [&](const Obj& o) { return o.color == c; }))
            pool.push_back("the " + c + " " + rng.choice(shape_names()));
      }
      json scene_objs = json::array();
      for (const auto& o : objs) scene_objs.push_back(object_to_json(o, ctx.size));
      draft.scene = {{"objects", scene_objs}, {"width", ctx.size}, {"height", ctx.size}};
      const std::string value = solve(objs, draft.query, draft.solution);
      set_text_answer(draft, rng, value, pool, /*as_choice=*/true);
      if (ctx.canvas != nullptr)
        for (const auto& o : objs) draw_object(*ctx.canvas, o);
      return draft;
    }
  }

  // The looked-up fact: "The circle is red.", "The red object is a square.", "The red square is
  // at top-left.", "Closest to the top is the red circle."
  std::string answer_sentence(const Task& t) const override {
    const std::string kind = t.query.value("kind", "");
    const std::string& v = t.answer_value;
    if (kind == "color_of") return "The " + t.query.at("shape").get<std::string>() + " is " + v + ".";
    if (kind == "shape_of") return "The " + t.query.at("color").get<std::string>() + " object is a " + v + ".";
    if (kind == "where") {
      const std::string color = t.query.at("color");
      for (const auto& o : t.scene.at("objects"))
        if (o.at("color") == color) return "The " + color + " " + o.at("shape").get<std::string>() + " is at " + v + ".";
      throw Error("world", "perception task " + t.id + " has no " + color + " object");
    }
    if (kind == "topmost" || kind == "bottommost")
      return std::string("Closest to the ") + (kind == "topmost" ? "top" : "bottom") + " is " + v + ".";
    return v;
  }

  std::vector<std::string> scene_facts(const Task& t) const override {
    std::vector<std::string> facts;
    for (const auto& l : perception_lookups(t)) facts.push_back(l.fact);
    return facts;
  }
};

}  // namespace

std::vector<PerceptionLookup> perception_lookups(const Task& t) {
  std::vector<PerceptionLookup> q;
  if (t.family != "perception") return q;
  const json& objs = t.scene.at("objects");
  if (objs.size() == 1) {
    const std::string color = objs[0].at("color"), shape = objs[0].at("shape"), region = objs[0].at("region");
    q.push_back({"What colour is the object?", color, "The object is " + color + "."});
    q.push_back({"What shape is the object?", shape, "The object is a " + shape + "."});
    q.push_back({"Where in the image is the object?", region, "The object is at " + region + "."});
    return q;
  }
  for (const auto& o : objs) {
    const std::string shape = o.at("shape"), color = o.at("color"), region = o.at("region");
    int same_shape = 0;
    for (const auto& other : objs) same_shape += other.at("shape") == shape;
    if (same_shape == 1)
      q.push_back({"What colour is the " + shape + "?", color, "The " + shape + " is " + color + "."});
    q.push_back({"What shape is the " + color + " object?", shape, "The " + color + " object is a " + shape + "."});
    q.push_back({"Where in the image is the " + color + " " + shape + "?", region,
                 "The " + color + " " + shape + " is at " + region + "."});
  }
  return q;
}

const Family& perception_family() {
  static const Perception f;
  return f;
}

}  // namespace insightv::world
