// world/digit_table.cpp — the "digit_table" family (OCR-like): a table of numbers to read,
// sum by row or column, and compare.
//
// Scene: {rows, cols, values [[...]] (row-major), x0, y0, cell_w, cell_h}; rows and columns
// are 0-based in JSON, 1-based in the text (row 1 = top, column 1 = left).
// Queries:
//   d1 {"kind":"cell","row":R,"col":C}   {"kind":"max"}              (2x3, digits 0-9)
//   d2 {"kind":"row_sum","row":R}        {"kind":"col_sum","col":C}  (3x3, digits 1-9)
//   d3 {"kind":"max_row"} (unique)       {"kind":"row_diff","a":R1,"b":R2} (sum R1 > sum R2)
//      {"kind":"sum_of_row_max"}                                     (3x4, numbers 1-19)
#include <algorithm>
#include <cmath>

#include "util/error.h"
#include "world/answer.h"
#include "world/family.h"

namespace insightv::world {

namespace {

using Table = std::vector<std::vector<long>>;

std::string row_text(const std::vector<long>& row) {
  std::string s;
  for (size_t i = 0; i < row.size(); ++i) s += (i ? " + " : "") + std::to_string(row[i]);
  return s;
}

long sum_row(std::vector<Step>& steps, const Table& t, size_t r) {
  long sum = 0;
  for (long v : t[r]) sum += v;
  steps.push_back({"Add row " + std::to_string(r + 1),
                   "Row " + std::to_string(r + 1) + ": " + row_text(t[r]) + " = " + std::to_string(sum) + "."});
  return sum;
}

std::string row_list(const std::vector<long>& row) {
  std::string s;
  for (size_t i = 0; i < row.size(); ++i) s += (i ? ", " : "") + std::to_string(row[i]);
  return s;
}

struct Solved {
  long value = 0;
  std::string text;
  bool is_text = false;
  std::vector<long> plausible;
};

Solved solve(const json& scene, const json& q, std::vector<Step>& steps) {
  const Table t = scene.at("values").get<Table>();
  const std::string kind = q.at("kind");
  Solved s;
  if (kind == "cell") {
    const size_t r = q.at("row"), c = q.at("col");
    steps.push_back({"Find the cell", "Row " + std::to_string(r + 1) + " (from the top) reads " + row_list(t[r]) +
                                          "; its entry in column " +
                                          std::to_string(c + 1) + " is " + std::to_string(t[r][c]) + "."});
    s.value = t[r][c];
    s.plausible = {t[c < t.size() ? c : 0][r < t[0].size() ? r : 0]};
    for (long v : t[r]) s.plausible.push_back(v);
  } else if (kind == "max") {
    long best = -1;
    std::vector<std::string> rows;
    for (size_t r = 0; r < t.size(); ++r) {
      const long m = *std::max_element(t[r].begin(), t[r].end());
      rows.push_back("row " + std::to_string(r + 1) + ": " + std::to_string(m));
      best = std::max(best, m);
    }
    steps.push_back({"Find each row's largest number", join_list(rows) + "."});
    steps.push_back({"Take the largest of those", "The largest number in the table is " + std::to_string(best) + "."});
    s.value = best;
    for (const auto& row : t) s.plausible.push_back(*std::min_element(row.begin(), row.end()));
  } else if (kind == "row_sum") {
    s.value = sum_row(steps, t, q.at("row"));
    s.plausible = {s.value + 1, s.value - 1, s.value + 10};
  } else if (kind == "col_sum") {
    const size_t c = q.at("col");
    std::string expr;
    long sum = 0;
    for (size_t r = 0; r < t.size(); ++r) {
      expr += (r ? " + " : "") + std::to_string(t[r][c]);
      sum += t[r][c];
    }
    steps.push_back({"Add column " + std::to_string(c + 1),
                     "Column " + std::to_string(c + 1) + ": " + expr + " = " + std::to_string(sum) + "."});
    s.value = sum;
    long rsum = 0;
    for (long v : t[std::min(c, t.size() - 1)]) rsum += v;
    s.plausible = {rsum, sum + 1, sum - 1};
  } else if (kind == "max_row") {
    long best = -1, second = -1;
    size_t arg = 0;
    for (size_t r = 0; r < t.size(); ++r) {
      const long sum = sum_row(steps, t, r);
      if (sum > best) {
        second = best;
        best = sum;
        arg = r;
      } else {
        second = std::max(second, sum);
      }
    }
    check(best != second, "world", "digit_table max_row query with a tie");
    steps.push_back({"Compare the sums", "Row " + std::to_string(arg + 1) + " has the largest sum, " +
                                             std::to_string(best) + "."});
    s.is_text = true;
    s.text = "row " + std::to_string(arg + 1);
  } else if (kind == "row_diff") {
    const long a = sum_row(steps, t, q.at("a")), b = sum_row(steps, t, q.at("b"));
    s.value = a - b;
    steps.push_back({"Subtract", std::to_string(a) + " - " + std::to_string(b) + " = " + std::to_string(s.value) + "."});
    s.plausible = {a, b, a + b};
  } else if (kind == "sum_of_row_max") {
    std::vector<std::string> parts;
    long sum = 0, min_sum = 0;
    for (size_t r = 0; r < t.size(); ++r) {
      const long m = *std::max_element(t[r].begin(), t[r].end());
      parts.push_back(std::to_string(m));
      sum += m;
      min_sum += *std::min_element(t[r].begin(), t[r].end());
      steps.push_back({"Largest in row " + std::to_string(r + 1),
                       "Row " + std::to_string(r + 1) + " (" + row_list(t[r]) + ") has largest number " +
                           std::to_string(m) + "."});
    }
    steps.push_back({"Add them", [&] {
                       std::string e;
                       for (size_t i = 0; i < parts.size(); ++i) e += (i ? " + " : "") + parts[i];
                       return e + " = " + std::to_string(sum) + ".";
                     }()});
    s.value = sum;
    s.plausible = {min_sum, sum + 1, sum - 1};
  } else {
    throw Error("world", "digit_table: unknown query kind '" + kind + "'");
  }
  return s;
}

class DigitTable : public Family {
 public:
  const char* name() const override { return "digit_table"; }
  const char* summary() const override {
    return "OCR-like tables of numbers: read a cell, largest cell, row/column sums, compare rows";
  }

  Draft make(Rng& rng, const MakeContext& ctx) const override {
    static const int R[] = {2, 3, 3}, C[] = {3, 3, 4};
    static const long lo[] = {0, 1, 1}, hi[] = {9, 9, 19};
    const int d = ctx.difficulty, rows = R[d - 1], cols = C[d - 1];
    const double S = ctx.size;
    for (;;) {
      Table t(static_cast<size_t>(rows), std::vector<long>(static_cast<size_t>(cols)));
      for (auto& row : t)
        for (auto& v : row) v = rng.uniform_int(lo[d - 1], hi[d - 1]);
      std::vector<long> sums;
      for (const auto& row : t) {
        long s = 0;
        for (long v : row) s += v;
        sums.push_back(s);
      }
      Draft draft;
      const int r = static_cast<int>(rng.uniform_int(0, rows - 1)), c = static_cast<int>(rng.uniform_int(0, cols - 1));
      const bool first = rng.bernoulli(0.5);
      if (d == 1 && first) {
        draft.query = {{"kind", "cell"}, {"row", r}, {"col", c}};
        draft.question = "What number is in row " + std::to_string(r + 1) + ", column " +
                         std::to_string(c + 1) + " (rows from the top, columns from the left)?";
      } else if (d == 1) {
        draft.query = {{"kind", "max"}};
        draft.question = "What is the largest number in the table?";
      } else if (d == 2 && first) {
        draft.query = {{"kind", "row_sum"}, {"row", r}};
        draft.question = "What is the sum of the numbers in row " + std::to_string(r + 1) + " (counting from the top)?";
      } else if (d == 2) {
        draft.query = {{"kind", "col_sum"}, {"col", c}};
        draft.question = "What is the sum of the numbers in column " + std::to_string(c + 1) + " (counting from the left)?";
      } else {
        const int which = static_cast<int>(rng.uniform_int(0, 2));
        std::vector<long> sorted = sums;
        std::sort(sorted.rbegin(), sorted.rend());
        if (which == 0) {
          if (sorted[0] == sorted[1]) continue;
          draft.query = {{"kind", "max_row"}};
          draft.question = "Which row has the largest sum?";
        } else if (which == 1) {
          int a = r, b = static_cast<int>(rng.uniform_int(0, rows - 1));
          if (sums[static_cast<size_t>(a)] == sums[static_cast<size_t>(b)]) continue;
          if (sums[static_cast<size_t>(a)] < sums[static_cast<size_t>(b)]) std::swap(a, b);
          draft.query = {{"kind", "row_diff"}, {"a", a}, {"b", b}};
          draft.question = "By how much does the sum of row " + std::to_string(a + 1) +
                           " exceed the sum of row " + std::to_string(b + 1) + " (rows from the top)?";
        } else {
          draft.query = {{"kind", "sum_of_row_max"}};
          draft.question = "What is the sum of the largest number in each row?";
        }
      }
      const double cell_w = std::floor(S * 0.9 / cols), cell_h = std::floor(std::min(cell_w, S * 0.9 / rows) * 0.8);
      const double x0 = round1((S - cell_w * cols) / 2 + rng.uniform(-1.0, 1.0) * S * 0.02);
      const double y0 = round1((S - cell_h * rows) / 2 + rng.uniform(-1.0, 1.0) * S * 0.04);
      draft.scene = {{"rows", rows}, {"cols", cols}, {"values", t},     {"x0", x0},
                     {"y0", y0},     {"cell_w", cell_w}, {"cell_h", cell_h},
                     {"width", ctx.size}, {"height", ctx.size}};
      const Solved s = solve(draft.scene, draft.query, draft.solution);
      if (s.is_text) {
        std::vector<std::string> pool;
        for (int i = 1; i <= std::max(rows, 4); ++i) pool.push_back("row " + std::to_string(i));
        set_text_answer(draft, rng, s.text, pool, rng.bernoulli(0.5));
      } else {
        set_number_answer(draft, rng, s.value, s.plausible, rng.bernoulli(0.5));
      }
      if (ctx.canvas != nullptr) {
        Canvas& cv = *ctx.canvas;
        const double line = std::max(1.0, S / 128.0);
        cv.fill_rect(x0, y0, cell_w * cols, cell_h * rows, palette("white"));
        const TextStyle style{cell_h * 0.55, palette("black"), true, HAlign::center, VAlign::middle};
        for (int i = 0; i < rows; ++i)
          for (int j = 0; j < cols; ++j)
            cv.text(std::to_string(t[static_cast<size_t>(i)][static_cast<size_t>(j)]),
                    x0 + (j + 0.5) * cell_w, y0 + (i + 0.5) * cell_h, style);
        for (int i = 0; i <= rows; ++i) cv.line(x0, y0 + i * cell_h, x0 + cols * cell_w, y0 + i * cell_h, line, palette("dark"));
        for (int j = 0; j <= cols; ++j) cv.line(x0 + j * cell_w, y0, x0 + j * cell_w, y0 + rows * cell_h, line, palette("dark"));
      }
      return draft;
    }
  }

  std::string answer_sentence(const Task& t) const override {
    const std::string kind = t.query.value("kind", "");
    const std::string& v = t.answer_value;
    if (kind == "cell")
      return answer_after_fact("Row " + std::to_string(t.query.at("row").get<int>() + 1) + ", column " +
                                   std::to_string(t.query.at("col").get<int>() + 1) + " is " + v + ".", v);
    if (kind == "max") return answer_after_fact("The largest number is " + v + ".", v);
    return answer_after_fact("", v);
  }

  // Every cell, row by row, then the largest number.
  std::vector<std::string> scene_facts(const Task& t) const override {
    std::vector<std::string> facts;
    long largest = 0;
    bool any = false;
    const json& rows = t.scene.at("values");
    for (size_t r = 0; r < rows.size(); ++r)
      for (size_t c = 0; c < rows[r].size(); ++c) {
        const long v = rows[r][c].get<long>();
        facts.push_back("Row " + std::to_string(r + 1) + ", column " + std::to_string(c + 1) + " is " +
                        std::to_string(v) + ".");
        largest = any ? std::max(largest, v) : v;
        any = true;
      }
    if (any) facts.push_back("The largest number is " + std::to_string(largest) + ".");
    return facts;
  }
};

}  // namespace

const Family& digit_table_family() {
  static const DigitTable f;
  return f;
}

}  // namespace insightv::world
