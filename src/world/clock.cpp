// world/clock.cpp — the "clock" family: analog clocks to read, and durations to add or subtract.
//
// Scene: {hour (1-12), minute (a multiple of 5), cx, cy, radius, hour_hand {angle, length,
// color}, minute_hand {...}}; angles in degrees clockwise from 12. The hour hand is short,
// thick and black; the minute hand long, thinner and blue, so they can be told apart at 128 px.
// Queries:
//   d1 {"kind":"read"}                         What time does the clock show?
//   d2 {"kind":"shift","minutes":M}            What time will it be in 1 hour and 20 minutes?
//                                              (M < 0: What time was it 45 minutes ago?)
//   d3 {"kind":"until","target":"H:MM"}        How many minutes from the time shown until 6:00?
//      {"kind":"shift2","minutes":[M1,M2]}     a duration, then a second one
// Times are on a 12-hour dial and written H:MM (1:05, 12:30).
#include <cmath>

#include "util/error.h"
#include "world/answer.h"
#include "world/family.h"

namespace insightv::world {

namespace {

int to_minutes(int h, int m) { return (h % 12) * 60 + m; }  // 0..719

std::string fmt_time(int t) {
  t = ((t % 720) + 720) % 720;
  const int h = t / 60 == 0 ? 12 : t / 60, m = t % 60;
  return std::to_string(h) + ":" + (m < 10 ? "0" : "") + std::to_string(m);
}

std::string fmt_duration(int minutes) {
  minutes = std::abs(minutes);
  const int h = minutes / 60, m = minutes % 60;
  std::string s;
  if (h > 0) s = std::to_string(h) + (h == 1 ? " hour" : " hours");
  if (h > 0 && m > 0) s += " and ";
  if (m > 0 || h == 0) s += std::to_string(m) + " minutes";
  return s;
}

int parse_time(const std::string& s) {
  const size_t colon = s.find(':');
  check(colon != std::string::npos, "world", "clock: bad time '" + s + "'");
  return to_minutes(std::stoi(s.substr(0, colon)), std::stoi(s.substr(colon + 1)));
}

// Reads the dial from the scene graph: the steps every clock question starts with.
int read_dial(const json& scene, std::vector<Step>& steps) {
  const int h = scene.at("hour"), m = scene.at("minute");
  const int next = h % 12 + 1;
  steps.push_back({"Read the hour hand",
                   m == 0 ? "The short black hour hand points at " + std::to_string(h) +
                                ", so the hour is " + std::to_string(h) + "."
                          : "The short black hour hand is between " + std::to_string(h) + " and " +
                                std::to_string(next) + ", so the hour is " + std::to_string(h) + "."});
  const int mark = m == 0 ? 12 : m / 5;
  steps.push_back({"Read the minute hand", "The long blue minute hand points at " +
                                               std::to_string(mark) + ", which means " +
                                               std::to_string(m) + " minutes."});
  const int t = to_minutes(h, m);
  steps.push_back({"State the time", "The clock shows " + fmt_time(t) + "."});
  return t;
}

int shift_step(std::vector<Step>& steps, int t, int minutes) {
  const int u = t + minutes;
  const std::string op = minutes >= 0 ? "Add " : "Subtract ";
  std::string content = fmt_time(t) + (minutes >= 0 ? " + " : " - ") + fmt_duration(minutes) +
                        " = " + fmt_time(u) + ".";
  if (u >= 720 || u < 0)
    content += " (The dial has 12 hours, so the hours wrap around after 12.)";
  steps.push_back({op + fmt_duration(minutes), content});
  return ((u % 720) + 720) % 720;
}

class Clock : public Family {
 public:
  const char* name() const override { return "clock"; }
  const char* summary() const override {
    return "analog clocks: read the time, add or subtract durations, minutes until a time";
  }

  Draft make(Rng& rng, const MakeContext& ctx) const override {
    const int d = ctx.difficulty;
    const double S = ctx.size;
    const int h = static_cast<int>(rng.uniform_int(1, 12));
    const int m = static_cast<int>(rng.uniform_int(0, 11)) * 5;
    const double radius = round1(S * rng.uniform(0.42, 0.46));
    const double cx = round1(S / 2 + rng.uniform(-0.03, 0.03) * S);
    const double cy = round1(S / 2 + rng.uniform(-0.03, 0.03) * S);
    const double hour_angle = round1((h % 12) * 30.0 + m * 0.5), minute_angle = m * 6.0;
    Draft draft;
    draft.scene = {{"hour", h},
                   {"minute", m},
                   {"cx", cx},
                   {"cy", cy},
                   {"radius", radius},
                   {"hour_hand", {{"angle", hour_angle}, {"length", round1(radius * 0.5)}, {"color", "black"}}},
                   {"minute_hand", {{"angle", minute_angle}, {"length", round1(radius * 0.8)}, {"color", "blue"}}},
                   {"width", ctx.size},
                   {"height", ctx.size}};
    const char* format = " Give the time as H:MM.";
    if (d == 1) {
      draft.query = {{"kind", "read"}};
      draft.question = std::string("What time does the clock show?") + format;
    } else if (d == 2) {
      int minutes = static_cast<int>(rng.uniform_int(1, 36)) * 5;  // 5 min .. 3 h
      if (rng.bernoulli(0.4)) minutes = -minutes;
      draft.query = {{"kind", "shift"}, {"minutes", minutes}};
      draft.question = minutes > 0 ? "What time will it be in " + fmt_duration(minutes) + "?" + format
                                   : "What time was it " + fmt_duration(minutes) + " ago?" + format;
    } else if (rng.bernoulli(0.5)) {
      const int later = static_cast<int>(rng.uniform_int(1, 60)) * 5;
      const std::string target = fmt_time(to_minutes(h, m) + later);
      draft.query = {{"kind", "until"}, {"target", target}};
      draft.question = "How many minutes are there from the time shown until " + target + "?";
    } else {
      const int a = static_cast<int>(rng.uniform_int(3, 30)) * 5, b = static_cast<int>(rng.uniform_int(1, 12)) * 5;
      draft.query = {{"kind", "shift2"}, {"minutes", {a, b}}};
      draft.question = "A film starts at the time shown and lasts " + fmt_duration(a) +
                       ", followed by a break of " + fmt_duration(b) +
                       ". At what time does the break end?" + format;
    }
    // The solver: everything below reads the scene graph and the query only.
    const int t = read_dial(draft.scene, draft.solution);
    const std::string kind = draft.query["kind"];
    if (kind == "until") {
      const int target = parse_time(draft.query["target"]);
      const int diff = ((target - t) % 720 + 720) % 720;
      draft.solution.push_back({"Count the minutes", "From " + fmt_time(t) + " to " +
                                                         fmt_time(target) + " is " +
                                                         fmt_duration(diff) + ", which is " +
                                                         std::to_string(diff) + " minutes."});
      set_number_answer(draft, rng, diff, {diff + 60, diff - 60, 720 - diff, diff + 5},
                        rng.bernoulli(0.5));
    } else {
      int u = t;
      if (kind == "shift") u = shift_step(draft.solution, t, draft.query["minutes"]);
      if (kind == "shift2") {
        u = shift_step(draft.solution, t, draft.query["minutes"][0]);
        u = shift_step(draft.solution, u, draft.query["minutes"][1]);
      }
      // Distractors: hands swapped, off by five minutes or an hour, duration the wrong way.
      const int swapped = to_minutes(m == 0 ? 12 : m / 5, (h % 12) * 5);
      std::vector<std::string> pool = {fmt_time(u + 60), fmt_time(u - 60), fmt_time(u + 5),
                                       fmt_time(u - 5), fmt_time(swapped + (u - t))};
      if (kind == "shift") pool.push_back(fmt_time(t - (u - t)));
      set_text_answer(draft, rng, fmt_time(u), pool, rng.bernoulli(0.5));
    }
    if (ctx.canvas != nullptr) render(*ctx.canvas, cx, cy, radius, hour_angle, minute_angle, S);
    return draft;
  }

 private:
  static void render(Canvas& c, double cx, double cy, double R, double ha, double ma, double S) {
    const double line = std::max(1.0, S / 100.0);
    c.fill_rect(0, 0, S, S, palette("light"));
    c.fill_circle(cx, cy, R, palette("white"));
    c.stroke_circle(cx, cy, R, 2 * line, palette("black"));
    const bool minute_ticks = S >= 256;
    for (int i = 0; i < 60; ++i) {
      if (i % 5 != 0 && !minute_ticks) continue;
      const double a = i * 6.0 * M_PI / 180.0, s = std::sin(a), co = -std::cos(a);
      const double inner = R * (i % 5 == 0 ? 0.88 : 0.93);
      c.line(cx + s * inner, cy + co * inner, cx + s * R * 0.97, cy + co * R * 0.97,
             i % 5 == 0 ? line * 1.2 : line * 0.5, palette("dark"));
    }
    const TextStyle num{R * 0.2, palette("black"), true, HAlign::center, VAlign::middle};
    for (int k = 1; k <= 12; ++k) {
      const double a = k * 30.0 * M_PI / 180.0;
      c.text(std::to_string(k), cx + std::sin(a) * R * 0.72, cy - std::cos(a) * R * 0.72, num);
    }
    auto hand = [&](double deg, double len, double width, const char* color) {
      const double a = deg * M_PI / 180.0;
      c.line(cx, cy, cx + std::sin(a) * len, cy - std::cos(a) * len, width, palette(color), true);
    };
    hand(ma, R * 0.8, std::max(2.0, R * 0.06), "blue");
    hand(ha, R * 0.5, std::max(2.5, R * 0.085), "black");
    c.fill_circle(cx, cy, std::max(1.5, R * 0.06), palette("black"));
  }

  std::string answer_sentence(const Task& t) const override {
    const bool read = t.query.value("kind", "") == "read";
    return answer_after_fact(read ? "The clock shows " + t.answer_value + "." : "", t.answer_value);
  }

  std::vector<std::string> scene_facts(const Task& t) const override {
    return {"The clock shows " + fmt_time(to_minutes(t.scene.at("hour"), t.scene.at("minute"))) + "."};
  }
};

}  // namespace

const Family& clock_family() {
  static const Clock f;
  return f;
}

}  // namespace insightv::world
