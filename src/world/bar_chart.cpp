// world/bar_chart.cpp — the "bar_chart" family (ChartQA-like): a bar chart with a labelled
// value axis, one letter label per bar and the value printed above each bar.
//
// Scene: {"bars": [{label, value, color, x0, y0, x1, y1, cx, cy}], "axis": {max, step},
//         plot rectangle}. Values are distinct integers, so max/min/rank are unambiguous.
// Queries:
//   d1 {"kind":"value","label":L}   {"kind":"max"}            read one bar · tallest bar
//   d2 {"kind":"range"}  {"kind":"sum","labels":[L1,L2]}  {"kind":"min"}
//   d3 {"kind":"pair_sum","target":N}  (exactly one pair adds up to N)
//      {"kind":"rank","label":L}       (1 = tallest)
//      {"kind":"sum_above","label":L}  (total of the bars taller than bar L)
#include <algorithm>
#include <cmath>

#include "util/error.h"
#include "world/answer.h"
#include "world/family.h"

namespace insightv::world {

namespace {

struct Bar {
  std::string label, color;
  long value = 0;
  double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
};

std::string list_bars(const std::vector<Bar>& bars) {
  std::vector<std::string> parts;
  for (const auto& b : bars) parts.push_back(b.label + " = " + std::to_string(b.value));
  return join_list(parts);
}

const Bar& find_bar(const std::vector<Bar>& bars, const std::string& label) {
  for (const auto& b : bars)
    if (b.label == label) return b;
  throw Error("world", "bar chart has no bar '" + label + "'");
}

struct Solved {
  std::string text;  // text answers (labels, pairs)
  long value = 0;
  bool is_text = false;
  std::vector<long> plausible;
};

Solved solve(const std::vector<Bar>& bars, const json& q, std::vector<Step>& steps) {
  const std::string kind = q.at("kind");
  Solved s;
  std::vector<Bar> sorted = bars;
  std::sort(sorted.begin(), sorted.end(), [](const Bar& a, const Bar& b) { return a.value > b.value; });
  if (kind == "value") {
    const Bar& b = find_bar(bars, q.at("label"));
    steps.push_back({"Find bar " + b.label, "Bar " + b.label + " is the " + b.color +
                                                " bar; the number above it reads " +
                                                std::to_string(b.value) + "."});
    s.value = b.value;
    s.plausible = {b.value + 1, b.value - 1};
    return s;
  }
  steps.push_back({"Read every bar", "The bars are " + list_bars(bars) + "."});
  if (kind == "max" || kind == "min") {
    const Bar& b = kind == "max" ? sorted.front() : sorted.back();
    steps.push_back({kind == "max" ? "Find the largest value" : "Find the smallest value",
                     "The " + std::string(kind == "max" ? "largest" : "smallest") + " value is " +
                         std::to_string(b.value) + ", at bar " + b.label + "."});
    s.is_text = true;
    s.text = b.label;
  } else if (kind == "range") {
    const Bar &hi = sorted.front(), &lo = sorted.back();
    steps.push_back({"Find the extremes", "The tallest bar is " + hi.label + " (" +
                                              std::to_string(hi.value) + ") and the shortest is " +
                                              lo.label + " (" + std::to_string(lo.value) + ")."});
    s.value = hi.value - lo.value;
    steps.push_back({"Subtract", std::to_string(hi.value) + " - " + std::to_string(lo.value) +
                                     " = " + std::to_string(s.value) + "."});
    s.plausible = {hi.value, lo.value, hi.value + lo.value, hi.value - sorted[1].value};
  } else if (kind == "sum") {
    const Bar& a = find_bar(bars, q.at("labels")[0]);
    const Bar& b = find_bar(bars, q.at("labels")[1]);
    s.value = a.value + b.value;
    steps.push_back({"Add the two bars", a.label + " + " + b.label + " = " +
                                             std::to_string(a.value) + " + " +
                                             std::to_string(b.value) + " = " +
                                             std::to_string(s.value) + "."});
    s.plausible = {std::abs(a.value - b.value), a.value, b.value};
  } else if (kind == "pair_sum") {
    const long target = q.at("target");
    std::vector<std::string> found;
    for (size_t i = 0; i < bars.size(); ++i)
      for (size_t j = i + 1; j < bars.size(); ++j)
        if (bars[i].value + bars[j].value == target) {
          std::string x = bars[i].label, y = bars[j].label;
          if (y < x) std::swap(x, y);
          found.push_back(x + " and " + y);
          steps.push_back({"Check pairs", x + " + " + y + " = " + std::to_string(target) +
                                              " matches the target."});
        }
    check(found.size() == 1, "world", "pair_sum query with " + std::to_string(found.size()) +
                                          " matching pairs");
    steps.insert(steps.end() - 1,
                 {"Search the pairs", "Try every pair of bars and keep those whose values add up to " +
                                          std::to_string(target) + "; only one pair does."});
    s.is_text = true;
    s.text = found[0];
  } else if (kind == "rank") {
    const std::string label = q.at("label");
    std::vector<std::string> order;
    long rank = 0;
    for (size_t i = 0; i < sorted.size(); ++i) {
      order.push_back(sorted[i].label + " (" + std::to_string(sorted[i].value) + ")");
      if (sorted[i].label == label) rank = static_cast<long>(i) + 1;
    }
    steps.push_back({"Sort from tallest to shortest", join_list(order) + "."});
    steps.push_back({"Find the position of bar " + label,
                     "Bar " + label + " is number " + std::to_string(rank) + " in that order."});
    s.value = rank;
    s.plausible = {static_cast<long>(bars.size()) + 1 - rank, rank + 1, rank - 1};
  } else if (kind == "sum_above") {
    const Bar& ref = find_bar(bars, q.at("label"));
    std::vector<std::string> names;
    long sum = 0;
    for (const auto& b : bars)
      if (b.value > ref.value) {
        names.push_back(b.label + " (" + std::to_string(b.value) + ")");
        sum += b.value;
      }
    steps.push_back({"Find the taller bars", "Bar " + ref.label + " is " +
                                                 std::to_string(ref.value) + "; the taller bars are " +
                                                 join_list(names) + "."});
    steps.push_back({"Add them", "Their total is " + std::to_string(sum) + "."});
    s.value = sum;
    s.plausible = {sum + ref.value, sum - sorted.front().value, ref.value};
  } else {
    throw Error("world", "bar_chart: unknown query kind '" + kind + "'");
  }
  return s;
}

long nice_step(long max_value) {
  for (long step : {1L, 2L, 5L, 10L, 20L, 25L, 50L})
    if (max_value / step <= 5) return step;
  return 100;
}

void render(Canvas& c, const std::vector<Bar>& bars, const json& axis, int size) {
  const double S = size;
  const double px = std::max(7.0, S * 0.085), line = std::max(1.0, S / 128.0);
  const double left = axis["left"], right = axis["right"], top = axis["top"], bottom = axis["bottom"];
  const long max = axis["max"], step = axis["step"];
  const TextStyle tick{px * 0.9, palette("dark"), false, HAlign::right, VAlign::middle};
  for (long v = 0; v <= max; v += step) {
    const double y = bottom - (bottom - top) * static_cast<double>(v) / max;
    c.line(left, y, right, y, line * 0.6, palette("light"));
    c.text(std::to_string(v), left - 2 * line, y, tick);
  }
  for (const auto& b : bars) {
    c.fill_rect(b.x0, b.y0, b.x1 - b.x0, b.y1 - b.y0, palette(b.color));
    c.text(std::to_string(b.value), (b.x0 + b.x1) / 2, b.y0 - 1.5 * line,
           {px, palette("black"), true, HAlign::center, VAlign::bottom});
    c.text(b.label, (b.x0 + b.x1) / 2, bottom + 2 * line,
           {px, palette("black"), true, HAlign::center, VAlign::top});
  }
  c.line(left, top - 2 * line, left, bottom, line, palette("black"));
  c.line(left, bottom, right, bottom, line, palette("black"));
}

class BarChart : public Family {
 public:
  const char* name() const override { return "bar_chart"; }
  const char* summary() const override {
    return "ChartQA-like bar charts: read, max/min, difference, sum, rank, pair sums";
  }

  Draft make(Rng& rng, const MakeContext& ctx) const override {
    static const int lo[] = {3, 4, 5}, hi[] = {4, 5, 6};
    static const long vmax[] = {10, 20, 40};
    const int d = ctx.difficulty;
    const double S = ctx.size;
    for (;;) {
      const int n = static_cast<int>(rng.uniform_int(lo[d - 1], hi[d - 1]));
      std::vector<std::string> labels = bar_label_pool(), colors = object_colors();
      rng.shuffle(labels);
      rng.shuffle(colors);
      labels.resize(static_cast<size_t>(n));
      std::sort(labels.begin(), labels.end());
      std::vector<long> values;
      while (static_cast<int>(values.size()) < n) {
        const long v = rng.uniform_int(1, vmax[d - 1]);
        if (std::find(values.begin(), values.end(), v) == values.end()) values.push_back(v);
      }
      const long top_value = *std::max_element(values.begin(), values.end());
      const long step = nice_step(top_value);
      const long axis_max = (top_value + step - 1) / step * step;
      const double left = std::round(S * 0.17), right = S - std::round(S * 0.04);
      const double top = std::round(S * 0.12), bottom = S - std::round(S * 0.13);
      const double slot = (right - left) / n;
      std::vector<Bar> bars;
      json jbars = json::array();
      for (int i = 0; i < n; ++i) {
        Bar b;
        b.label = labels[static_cast<size_t>(i)];
        b.color = colors[static_cast<size_t>(i)];
        b.value = values[static_cast<size_t>(i)];
        b.x0 = round1(left + slot * (i + 0.18));
        b.x1 = round1(left + slot * (i + 0.82));
        b.y1 = bottom;
        b.y0 = round1(bottom - (bottom - top) * static_cast<double>(b.value) / axis_max);
        bars.push_back(b);
        jbars.push_back({{"label", b.label}, {"value", b.value}, {"color", b.color},
                         {"x0", b.x0}, {"y0", b.y0}, {"x1", b.x1}, {"y1", b.y1},
                         {"cx", round1((b.x0 + b.x1) / 2)}, {"cy", round1((b.y0 + b.y1) / 2)}});
      }
      const json axis = {{"max", axis_max}, {"step", step}, {"left", left},
                         {"right", right},  {"top", top},   {"bottom", bottom}};
      json q;
      std::string text;
      const Bar& pick = rng.choice(bars);
      const int r = static_cast<int>(rng.uniform_int(0, 2));
      if (d == 1 && r < 2) {
        q = {{"kind", "value"}, {"label", pick.label}};
        text = "What is the value of bar " + pick.label + "?";
      } else if (d == 1 || (d == 2 && r == 0)) {
        const bool mx = rng.bernoulli(0.5);
        q = {{"kind", mx ? "max" : "min"}};
        text = std::string("Which bar has the ") + (mx ? "largest" : "smallest") + " value?";
      } else if (d == 2 && r == 1) {
        q = {{"kind", "range"}};
        text = "What is the difference between the largest and the smallest value?";
      } else if (d == 2) {
        std::vector<Bar> two = bars;
        rng.shuffle(two);
        q = {{"kind", "sum"}, {"labels", {two[0].label, two[1].label}}};
        text = "What is the sum of bars " + two[0].label + " and " + two[1].label + "?";
      } else if (r == 0) {
        std::vector<Bar> two = bars;
        rng.shuffle(two);
        const long target = two[0].value + two[1].value;
        int pairs = 0;
        for (size_t i = 0; i < bars.size(); ++i)
          for (size_t j = i + 1; j < bars.size(); ++j) pairs += bars[i].value + bars[j].value == target;
        if (pairs != 1) continue;
        q = {{"kind", "pair_sum"}, {"target", target}};
        text = "Which two bars add up to " + std::to_string(target) + "?";
      } else if (r == 1) {
        q = {{"kind", "rank"}, {"label", pick.label}};
        text = "Ranked from the largest value (1) to the smallest, what is the rank of bar " +
               pick.label + "?";
      } else {
        if (pick.value == top_value) continue;
        q = {{"kind", "sum_above"}, {"label", pick.label}};
        text = "What is the total of all bars with a larger value than bar " + pick.label + "?";
      }
      Draft draft;
      draft.question = text;
      draft.query = q;
      draft.scene = {{"bars", jbars}, {"axis", axis}, {"width", ctx.size}, {"height", ctx.size}};
      const Solved s = solve(bars, q, draft.solution);
      if (s.is_text) {
        std::vector<std::string> pool;
        if (q["kind"] == "pair_sum") {
          for (size_t i = 0; i < bars.size(); ++i)
            for (size_t j = i + 1; j < bars.size(); ++j) pool.push_back(bars[i].label + " and " + bars[j].label);
        } else {
          for (const auto& b : bars) pool.push_back(b.label);
        }
        const bool choice = rng.bernoulli(0.5) && pool.size() >= 4;
        set_text_answer(draft, rng, s.text, pool, choice);
      } else {
        set_number_answer(draft, rng, s.value, s.plausible, rng.bernoulli(0.5));
      }
      if (ctx.canvas != nullptr) render(*ctx.canvas, bars, axis, ctx.size);
      return draft;
    }
  }

  std::string answer_sentence(const Task& t) const override {
    const std::string kind = t.query.value("kind", "");
    const std::string& v = t.answer_value;
    if (kind == "value") return answer_after_fact("Bar " + t.query.at("label").get<std::string>() + " is " + v + ".", v);
    if (kind == "max" || kind == "min")
      return answer_after_fact(std::string("The ") + (kind == "max" ? "largest" : "smallest") + " value is in bar " + v + ".", v);
    return answer_after_fact("", v);
  }

  // Each bar's value, then which bar holds the largest and the smallest (values are distinct).
  std::vector<std::string> scene_facts(const Task& t) const override {
    std::vector<std::string> facts;
    const json& bars = t.scene.at("bars");
    const json* hi = nullptr;
    const json* lo = nullptr;
    for (const auto& b : bars) {
      facts.push_back("Bar " + b.at("label").get<std::string>() + " is " + std::to_string(b.at("value").get<long>()) + ".");
      if (hi == nullptr || b.at("value").get<long>() > hi->at("value").get<long>()) hi = &b;
      if (lo == nullptr || b.at("value").get<long>() < lo->at("value").get<long>()) lo = &b;
    }
    if (hi != nullptr) facts.push_back("The largest value is in bar " + hi->at("label").get<std::string>() + ".");
    if (lo != nullptr) facts.push_back("The smallest value is in bar " + lo->at("label").get<std::string>() + ".");
    return facts;
  }
};

}  // namespace

const std::vector<std::string>& bar_label_pool() {
  static const std::vector<std::string> pool = {"A", "B", "C", "D", "E", "F", "G", "H",
                                                "K", "M", "N", "P", "R", "S", "T", "W"};
  return pool;
}

const Family& bar_chart_family() {
  static const BarChart f;
  return f;
}

}  // namespace insightv::world
