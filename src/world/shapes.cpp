// world/shapes.cpp — the "shapes" family (CLEVR-like): counting, comparing and attribute
// arithmetic over coloured circles, squares and triangles.
//
// Queries (scene: {"objects": [...]} from world/objects.h; a filter is {color?, shape?, size?}):
//   d1 {"kind":"count", "a":F}                  How many red shapes are there?
//   d2 {"kind":"count", "a":F}  (two attributes) How many large blue shapes are there?
//      {"kind":"more", "a":F, "b":G}            How many more red shapes than blue triangles?
//   d3 {"kind":"union", "a":F, "b":G}           How many shapes are red or triangles?
//      {"kind":"remove", "a":F, "b":G}          If all red shapes and all triangles were removed,
//                                               how many shapes would be left?
// Distractor objects grow with difficulty (3-5, 5-8, 7-11 objects).
#include <algorithm>
#include <map>

#include "world/answer.h"
#include "world/family.h"
#include "world/objects.h"

namespace insightv::world {

namespace {

struct Filter {
  std::string color, shape, size;
  bool matches(const Obj& o) const {
    return (color.empty() || o.color == color) && (shape.empty() || o.shape == shape) &&
           (size.empty() || o.size == size);
  }
  json to_json() const {
    json j = json::object();
    if (!color.empty()) j["color"] = color;
    if (!shape.empty()) j["shape"] = shape;
    if (!size.empty()) j["size"] = size;
    return j;
  }
  // "red triangles", "large shapes", "red triangle" (n == 1)
  std::string noun(bool plural) const {
    std::string s;
    if (!size.empty()) s += size + " ";
    if (!color.empty()) s += color + " ";
    if (!shape.empty()) return s + (plural ? shape_plural(shape) : shape);
    return s + (plural ? "shapes" : "shape");
  }
};

// "red or triangles" for a colour and a shape; the nouns otherwise.
std::string either_phrase(const Filter& a, const Filter& b) {
  if (!a.color.empty() && a.shape.empty() && a.size.empty() && !b.shape.empty() && b.color.empty() &&
      b.size.empty())
    return a.color + " or " + shape_plural(b.shape);
  return a.noun(true) + " or " + b.noun(true);
}

Filter filter_from_json(const json& j) {
  return {j.value("color", ""), j.value("shape", ""), j.value("size", "")};
}

Filter both(const Filter& a, const Filter& b) {
  return {a.color.empty() ? b.color : a.color, a.shape.empty() ? b.shape : a.shape,
          a.size.empty() ? b.size : a.size};
}

std::vector<const Obj*> select(const std::vector<Obj>& objs, const Filter& f) {
  std::vector<const Obj*> out;
  for (const auto& o : objs)
    if (f.matches(o)) out.push_back(&o);
  return out;
}

// One counting step: "There are 2 red triangles: a small red triangle at top-left and ...".
long count_step(std::vector<Step>& steps, const std::vector<Obj>& objs, const Filter& f) {
  const auto found = select(objs, f);
  const long n = static_cast<long>(found.size());
  std::vector<std::string> what;
  for (const Obj* o : found) what.push_back(describe_object(*o));
  std::string content;
  if (n == 0)
    content = "There are no " + f.noun(true) + ".";
  else if (n == 1)
    content = "There is 1 " + f.noun(false) + ": " + what[0] + ".";
  else
    content = "There are " + std::to_string(n) + " " + f.noun(true) + ": " + join_list(what) + ".";
  steps.push_back({"Count the " + f.noun(true), content});
  return n;
}

struct Solved {
  long value = 0;
  std::vector<long> plausible;
};

// The solver: the answer and the steps from the scene and the query alone.
Solved solve(const std::vector<Obj>& objs, const json& q, std::vector<Step>& steps) {
  const std::string kind = q.at("kind");
  const Filter a = filter_from_json(q.at("a"));
  Solved s;
  if (kind == "count") {
    if (!a.color.empty() && (!a.shape.empty() || !a.size.empty())) {
      const Filter first{a.color, "", ""};
      const long n1 = count_step(steps, objs, first);
      s.plausible.push_back(n1);
    }
    s.value = count_step(steps, objs, a);
    s.plausible.push_back(s.value + 1);
    return s;
  }
  const Filter b = filter_from_json(q.at("b"));
  if (kind == "more") {
    const long na = count_step(steps, objs, a), nb = count_step(steps, objs, b);
    s.value = na - nb;
    steps.push_back({"Subtract", std::to_string(na) + " - " + std::to_string(nb) + " = " +
                                     std::to_string(s.value) + ", so there are " +
                                     std::to_string(s.value) + " more " + a.noun(true) + " than " +
                                     b.noun(true) + "."});
    s.plausible = {na, nb, na + nb};
    return s;
  }
  long total = 0;
  if (kind == "remove") {
    total = static_cast<long>(objs.size());
    steps.push_back({"Count all shapes", "There are " + std::to_string(total) + " shapes in total."});
  }
  const long na = count_step(steps, objs, a), nb = count_step(steps, objs, b);
  const Filter ab = both(a, b);
  const long nab = count_step(steps, objs, ab);
  const long either = na + nb - nab;
  steps.push_back({"Combine without double counting",
                   std::to_string(na) + " + " + std::to_string(nb) + " - " + std::to_string(nab) +
                       " = " + std::to_string(either) + " shapes are " + either_phrase(a, b) + "."});
  if (kind == "union") {
    s.value = either;
    s.plausible = {na + nb, na, nb};
    return s;
  }
  s.value = total - either;
  steps.push_back({"Remove them", std::to_string(total) + " - " + std::to_string(either) + " = " +
                                      std::to_string(s.value) + " shapes are left."});
  s.plausible = {total - na - nb, total - na, total - nb, either};
  return s;
}

Filter random_filter(Rng& rng, const std::vector<Obj>& objs, int attributes) {
  const Obj& o = rng.choice(objs);  // filters that name a present object are rarely empty
  std::vector<int> which = {0, 1, 2};
  rng.shuffle(which);
  Filter f;
  for (int i = 0; i < attributes; ++i) {
    if (which[static_cast<size_t>(i)] == 0) f.color = o.color;
    if (which[static_cast<size_t>(i)] == 1) f.shape = o.shape;
    if (which[static_cast<size_t>(i)] == 2) f.size = o.size;
  }
  return f;
}

std::string capitalised(std::string s) {
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return s;
}

class Shapes : public Family {
 public:
  const char* name() const override { return "shapes"; }
  const char* summary() const override {
    return "CLEVR-like counting, comparing and attribute arithmetic over coloured shapes";
  }

  Draft make(Rng& rng, const MakeContext& ctx) const override {
    static const int lo[] = {3, 5, 7}, hi[] = {5, 8, 11};
    const int d = ctx.difficulty;
    for (;;) {
      const int n = static_cast<int>(rng.uniform_int(lo[d - 1], hi[d - 1]));
      const std::vector<Obj> objs = place_objects(rng, n, ctx.size, 4);
      json q;
      std::string text;
      if (d == 1 || (d == 2 && rng.bernoulli(0.4))) {
        const Filter f = random_filter(rng, objs, d == 1 ? 1 : 2);
        q = {{"kind", "count"}, {"a", f.to_json()}};
        text = "How many " + f.noun(true) + " are there?";
      } else if (d == 2) {
        Filter a = random_filter(rng, objs, 1), b = random_filter(rng, objs, 2);
        long na = static_cast<long>(select(objs, a).size());
        long nb = static_cast<long>(select(objs, b).size());
        if (na == nb) continue;
        if (na < nb) std::swap(a, b);
        q = {{"kind", "more"}, {"a", a.to_json()}, {"b", b.to_json()}};
        text = "How many more " + a.noun(true) + " than " + b.noun(true) + " are there?";
      } else {
        const Obj& o1 = rng.choice(objs);
        const Obj& o2 = rng.choice(objs);
        const Filter a{o1.color, "", ""}, b{"", o2.shape, ""};
        if (rng.bernoulli(0.5)) {
          q = {{"kind", "union"}, {"a", a.to_json()}, {"b", b.to_json()}};
          text = "How many shapes are " + a.color + " or " + shape_plural(b.shape) + "?";
        } else {
          q = {{"kind", "remove"}, {"a", a.to_json()}, {"b", b.to_json()}};
          text = "If all " + a.noun(true) + " and all " + shape_plural(b.shape) +
                 " were removed, how many shapes would be left?";
        }
      }
      Draft draft;
      draft.question = capitalised(text);
      draft.query = q;
      json scene_objs = json::array();
      for (const auto& o : objs) scene_objs.push_back(object_to_json(o, ctx.size));
      draft.scene = {{"objects", scene_objs}, {"width", ctx.size}, {"height", ctx.size}};
      const Solved s = solve(objs, q, draft.solution);
      set_number_answer(draft, rng, s.value, s.plausible, rng.bernoulli(0.5));
      if (ctx.canvas != nullptr)
        for (const auto& o : objs) draw_object(*ctx.canvas, o);
      return draft;
    }
  }

  std::string answer_sentence(const Task& t) const override {
    if (t.query.value("kind", "") != "count") return answer_after_fact("", t.answer_value);
    const Filter f = filter_from_json(t.query.at("a"));
    return answer_after_fact(count_sentence(std::stol(t.answer_value), f.noun(false), f.noun(true)), t.answer_value);
  }

  // How many shapes of each colour, each shape and each size the scene holds (those present).
  std::vector<std::string> scene_facts(const Task& t) const override {
    std::vector<std::string> facts;
    for (const char* key : {"color", "shape", "size"}) {
      std::map<std::string, long> count;
      for (const auto& o : t.scene.at("objects")) ++count[o.at(key).get<std::string>()];
      for (const auto& [value, n] : count) {
        Filter f;
        (std::string(key) == "color" ? f.color : std::string(key) == "shape" ? f.shape : f.size) = value;
        facts.push_back(count_sentence(n, f.noun(false), f.noun(true)));
      }
    }
    return facts;
  }
};

}  // namespace

const Family& shapes_family() {
  static const Shapes f;
  return f;
}

}  // namespace insightv::world
