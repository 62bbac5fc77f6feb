// world/sheet.cpp — contact sheet rendering.
#include "world/sheet.h"

#include <algorithm>

#include "util/error.h"
#include "util/fs.h"
#include "world/canvas.h"
#include "world/task.h"

namespace insightv::world {

namespace {

// Greedy word wrap to `width` pixels.
std::vector<std::string> wrap(Canvas& c, const std::string& text, double px, double width, bool bold) {
  std::vector<std::string> lines;
  std::string line, word;
  auto flush_word = [&] {
    if (word.empty()) return;
    const std::string candidate = line.empty() ? word : line + " " + word;
    if (!line.empty() && c.text_width(candidate, px, bold) > width) {
      lines.push_back(line);
      line = word;
    } else {
      line = candidate;
    }
    word.clear();
  };
  for (char ch : text) {
    if (ch == ' ' || ch == '\n') {
      flush_word();
      if (ch == '\n' && !line.empty()) {
        lines.push_back(line);
        line.clear();
      }
    } else {
      word += ch;
    }
  }
  flush_word();
  if (!line.empty()) lines.push_back(line);
  return lines;
}

}  // namespace

Image render_sheet(const std::string& folder, const SheetOptions& opts) {
  check(opts.count > 0, "world", "sheet: --n must be positive");
  check(opts.columns > 0 && opts.tile >= 32 && opts.tile <= 1024, "world",
        "sheet: columns must be positive and the tile size within 32..1024");
  check(opts.offset >= 0, "world", "sheet: --offset must not be negative");
  const std::vector<Task> all = read_tasks(folder);
  std::vector<const Task*> shown;
  int skipped = 0;
  for (const Task& t : all) {
    if (!opts.family.empty() && t.family != opts.family) continue;
    if (skipped++ < opts.offset) continue;
    if (static_cast<int>(shown.size()) < opts.count) shown.push_back(&t);
  }
  check(!shown.empty(), "world", "sheet: no tasks to show in " + folder +
                                     (opts.family.empty() ? "" : " for family '" + opts.family + "'"));
  const double px = std::max(9.0, opts.tile / 16.0), lh = px * 1.3, pad = 8;
  const int cols = std::min<int>(opts.columns, static_cast<int>(shown.size()));
  const int rows = (static_cast<int>(shown.size()) + cols - 1) / cols;
  const double text_w = opts.tile;
  // Measure every tile's text first so that all rows share the tallest tile's height.
  Canvas probe(8, 8, palette("white"));
  std::vector<std::vector<std::pair<std::string, bool>>> texts;  // (line, is_answer)
  size_t max_lines = 0;
  for (const Task* t : shown) {
    std::vector<std::pair<std::string, bool>> lines;
    lines.push_back({t->id + "  (d" + std::to_string(t->difficulty) + ")", false});
    for (const auto& l : wrap(probe, t->question, px, text_w, false)) lines.push_back({l, false});
    for (size_t i = 0; i < t->options.size(); ++i)
      for (const auto& l : wrap(probe, option_letter(i) + ". " + t->options[i], px, text_w, false))
        lines.push_back({l, false});
    const std::string ans = t->answer_type == AnswerType::choice ? t->answer + " (" + t->answer_value + ")" : t->answer;
    for (const auto& l : wrap(probe, "Answer: " + ans, px, text_w, true)) lines.push_back({l, true});
    max_lines = std::max(max_lines, lines.size());
    texts.push_back(std::move(lines));
  }
  const double cell_w = opts.tile + 2 * pad;
  const double cell_h = opts.tile + pad * 2.5 + lh * static_cast<double>(max_lines);
  const double header = lh * 1.8;
  Canvas c(static_cast<int>(cell_w * cols), static_cast<int>(header + cell_h * rows), palette("white"));
  std::string title = "VisWorld";
  if (!opts.family.empty()) title += " - " + opts.family;
  title += " - " + std::to_string(shown.size()) + " tasks, " + std::to_string(shown[0]->size) + " px";
  c.text(title, pad, header / 2, {px * 1.2, palette("black"), true, HAlign::left, VAlign::middle});
  const std::string root = tasks_root(folder);
  for (size_t k = 0; k < shown.size(); ++k) {
    const double x = pad + static_cast<double>(k % static_cast<size_t>(cols)) * cell_w;
    const double y = header + static_cast<double>(k / static_cast<size_t>(cols)) * cell_h;
    const Image img = read_image(join_path(root, shown[k]->image));
    c.draw_image(img, x, y, opts.tile, opts.tile);
    c.stroke_rect(x, y, opts.tile, opts.tile, 1, palette("gray"));
    double ty = y + opts.tile + pad * 0.5;
    for (const auto& [line, is_answer] : texts[k]) {
      c.text(line, x, ty, {px, is_answer ? Rgb{0, 120, 0} : palette("black"), is_answer,
                           HAlign::left, VAlign::top});
      ty += lh;
    }
  }
  return c.to_image();
}

}  // namespace insightv::world
