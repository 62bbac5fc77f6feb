// world/maze.cpp — the "maze" family: a grid with black obstacle cells, a green start cell
// and a red goal cell; shortest paths around the obstacles and relative positions.
//
// Scene: {rows, cols, x0, y0, cell (pixels), walls [[row, col], ...], start {row, col, cx, cy,
// color}, goal {...}}; rows and columns are 0-based in JSON and 1-based in the text (row 1 is
// the top row, column 1 the left column). Moves go up, down, left or right, never diagonal.
// Queries:
//   d1 {"kind":"row_walls","row":R}   How many black cells are in row R?
//      {"kind":"direction"}           Is the red cell above, below, left or right of the green?
//   d2 {"kind":"path"}                shortest path length from green to red (6x6)
//   d3 {"kind":"path"} on 7x7 with more walls, or {"kind":"detour"}: how many more moves than
//      the straight (Manhattan) distance the obstacles force
#include <algorithm>
#include <cmath>
#include <deque>

#include "util/error.h"
#include "world/answer.h"
#include "world/family.h"

namespace insightv::world {

namespace {

struct Grid {
  int rows = 0, cols = 0;
  std::vector<uint8_t> wall;  // rows * cols
  bool blocked(int r, int c) const {
    return r < 0 || c < 0 || r >= rows || c >= cols || wall[static_cast<size_t>(r * cols + c)];
  }
};

std::string cell_phrase(int r, int c) { return "row " + std::to_string(r + 1) + ", column " + std::to_string(c + 1); }
std::string cell_name(int r, int c) { return "(" + cell_phrase(r, c) + ")"; }

// Breadth-first search; returns the path from (sr, sc) to (gr, gc), empty when unreachable.
std::vector<std::pair<int, int>> bfs(const Grid& g, int sr, int sc, int gr, int gc) {
  std::vector<int> parent(static_cast<size_t>(g.rows * g.cols), -2);
  std::deque<int> queue{sr * g.cols + sc};
  parent[static_cast<size_t>(sr * g.cols + sc)] = -1;
  const int dr[] = {-1, 1, 0, 0}, dc[] = {0, 0, -1, 1};
  while (!queue.empty()) {
    const int cur = queue.front();
    queue.pop_front();
    if (cur == gr * g.cols + gc) break;
    for (int k = 0; k < 4; ++k) {
      const int r = cur / g.cols + dr[k], c = cur % g.cols + dc[k];
      if (g.blocked(r, c) || parent[static_cast<size_t>(r * g.cols + c)] != -2) continue;
      parent[static_cast<size_t>(r * g.cols + c)] = cur;
      queue.push_back(r * g.cols + c);
    }
  }
  std::vector<std::pair<int, int>> path;
  if (parent[static_cast<size_t>(gr * g.cols + gc)] == -2) return path;
  for (int cur = gr * g.cols + gc; cur != -1; cur = parent[static_cast<size_t>(cur)])
    path.push_back({cur / g.cols, cur % g.cols});
  std::reverse(path.begin(), path.end());
  return path;
}

Grid grid_from_scene(const json& scene) {
  Grid g;
  g.rows = scene.at("rows");
  g.cols = scene.at("cols");
  g.wall.assign(static_cast<size_t>(g.rows * g.cols), 0);
  for (const auto& w : scene.at("walls")) g.wall[static_cast<size_t>(w[0].get<int>() * g.cols + w[1].get<int>())] = 1;
  return g;
}

struct Solved {
  long value = 0;
  std::string text;
  bool is_text = false;
  std::vector<long> plausible;
};

Solved solve(const json& scene, const json& q, std::vector<Step>& steps) {
  const Grid g = grid_from_scene(scene);
  const int sr = scene["start"]["row"], sc = scene["start"]["col"];
  const int gr = scene["goal"]["row"], gc = scene["goal"]["col"];
  const std::string kind = q.at("kind");
  Solved s;
  if (kind == "row_walls") {
    const int row = q.at("row");
    std::vector<std::string> cols;
    for (int c = 0; c < g.cols; ++c)
      if (g.blocked(row, c)) cols.push_back(std::to_string(c + 1));
    s.value = static_cast<long>(cols.size());
    steps.push_back({"Scan row " + std::to_string(row + 1),
                     cols.empty() ? "Row " + std::to_string(row + 1) + " has no black cells."
                                  : "Row " + std::to_string(row + 1) + " has black cells in column" +
                                        (cols.size() > 1 ? "s " : " ") + join_list(cols) + "."});
    steps.push_back({"Count them", "That is " + std::to_string(s.value) + " black cells."});
    s.plausible = {g.cols - s.value, s.value + 1, s.value - 1};
    return s;
  }
  steps.push_back({"Locate the green start cell", "The green cell is at " + cell_name(sr, sc) + "."});
  steps.push_back({"Locate the red goal cell", "The red cell is at " + cell_name(gr, gc) + "."});
  if (kind == "direction") {
    check(sr == gr || sc == gc, "world", "maze direction query needs aligned cells");
    s.is_text = true;
    if (sr == gr) {
      s.text = gc > sc ? "right" : "left";
      steps.push_back({"Compare the positions", "Both are in row " + std::to_string(sr + 1) +
                                                    "; the red cell's column " + std::to_string(gc + 1) +
                                                    " is " + (gc > sc ? "greater" : "smaller") +
                                                    ", so it is to the " + s.text + "."});
    } else {
      s.text = gr > sr ? "below" : "above";
      steps.push_back({"Compare the positions", "Both are in column " + std::to_string(sc + 1) +
                                                    "; the red cell's row " + std::to_string(gr + 1) +
                                                    " is " + (gr > sr ? "lower down" : "higher up") +
                                                    ", so it is " + s.text + "."});
    }
    return s;
  }
  const auto path = bfs(g, sr, sc, gr, gc);
  check(!path.empty(), "world", "maze goal unreachable");
  const long len = static_cast<long>(path.size()) - 1;
  const long manhattan = std::abs(gr - sr) + std::abs(gc - sc);
  std::string route;
  for (size_t i = 0; i < path.size(); ++i)
    route += (i ? " -> " : "") + std::string("(") + std::to_string(path[i].first + 1) + "," +
             std::to_string(path[i].second + 1) + ")";
  steps.push_back({"Find a shortest route around the black cells",
                   "Searching outward from the green cell one move at a time (breadth-first), the "
                   "red cell is first reached after " + std::to_string(len) +
                       " moves, along (row,column) " + route + "."});
  if (kind == "path") {
    s.value = len;
    s.plausible = {manhattan, len + 2, len - 2, len + 1};
    return s;
  }
  steps.push_back({"Compare with the straight distance",
                   "Without obstacles it would take " + std::to_string(std::abs(gr - sr)) + " + " +
                       std::to_string(std::abs(gc - sc)) + " = " + std::to_string(manhattan) +
                       " moves, so the black cells add " + std::to_string(len) + " - " +
                       std::to_string(manhattan) + " = " + std::to_string(len - manhattan) + "."});
  s.value = len - manhattan;
  s.plausible = {len, manhattan, s.value + 2};
  return s;
}

class Maze : public Family {
 public:
  const char* name() const override { return "maze"; }
  const char* summary() const override {
    return "grids with obstacles: shortest path length, detours, relative positions, row scans";
  }

  Draft make(Rng& rng, const MakeContext& ctx) const override {
    static const int dims[] = {5, 6, 7};
    static const double density[] = {0.15, 0.22, 0.3};
    const int d = ctx.difficulty, n = dims[d - 1];
    const double S = ctx.size;
    for (;;) {
      Grid g;
      g.rows = g.cols = n;
      g.wall.assign(static_cast<size_t>(n * n), 0);
      for (auto& w : g.wall) w = rng.bernoulli(density[d - 1]) ? 1 : 0;
      const std::string kind = d == 1 ? (rng.bernoulli(0.5) ? "row_walls" : "direction")
                                      : (d == 2 || rng.bernoulli(0.5) ? "path" : "detour");
      int sr = static_cast<int>(rng.uniform_int(0, n - 1)), sc = static_cast<int>(rng.uniform_int(0, n - 1));
      int gr = static_cast<int>(rng.uniform_int(0, n - 1)), gc = static_cast<int>(rng.uniform_int(0, n - 1));
      if (kind == "direction") {
        if (rng.bernoulli(0.5))
          gr = sr;  // same row: left or right
        else
          gc = sc;  // same column: above or below
      }
      if (kind == "direction" && sr != gr && sc != gc) continue;
      if (sr == gr && sc == gc) continue;
      g.wall[static_cast<size_t>(sr * n + sc)] = g.wall[static_cast<size_t>(gr * n + gc)] = 0;
      const auto path = bfs(g, sr, sc, gr, gc);
      if (kind != "row_walls" && kind != "direction" && path.empty()) continue;
      const long manhattan = std::abs(gr - sr) + std::abs(gc - sc);
      if (kind == "path" && static_cast<long>(path.size()) - 1 < 3) continue;
      if (kind == "detour" && static_cast<long>(path.size()) - 1 == manhattan) continue;

      const double cell = std::floor(S * 0.9 / n);
      const double x0 = round1((S - cell * n) / 2 + rng.uniform(-0.3, 0.3) * (S - cell * n) / 2);
      const double y0 = round1((S - cell * n) / 2 + rng.uniform(-0.3, 0.3) * (S - cell * n) / 2);
      json walls = json::array();
      for (int r = 0; r < n; ++r)
        for (int c = 0; c < n; ++c)
          if (g.blocked(r, c)) walls.push_back({r, c});
      auto marker = [&](int r, int c, const char* color) {
        return json{{"row", r}, {"col", c}, {"color", color},
                    {"cx", round1(x0 + (c + 0.5) * cell)}, {"cy", round1(y0 + (r + 0.5) * cell)}};
      };
      Draft draft;
      draft.scene = {{"rows", n}, {"cols", n}, {"x0", x0}, {"y0", y0}, {"cell", cell},
                     {"walls", walls}, {"start", marker(sr, sc, "green")},
                     {"goal", marker(gr, gc, "red")}, {"width", ctx.size}, {"height", ctx.size}};
      const std::string moves = " Moves go up, down, left or right and cannot enter black cells.";
      if (kind == "row_walls") {
        const int row = static_cast<int>(rng.uniform_int(0, n - 1));
        draft.query = {{"kind", kind}, {"row", row}};
        draft.question = "How many black cells are there in row " + std::to_string(row + 1) +
                         " (counting rows from the top)?";
      } else if (kind == "direction") {
        draft.query = {{"kind", kind}};
        draft.question = "Is the red cell above, below, left or right of the green cell?";
      } else if (kind == "path") {
        draft.query = {{"kind", kind}};
        draft.question = "What is the smallest number of moves from the green cell to the red cell?" + moves;
      } else {
        draft.query = {{"kind", kind}};
        draft.question = "How many more moves does the shortest route from the green cell to the "
                         "red cell need than it would if there were no black cells?" + moves;
      }
      const Solved s = solve(draft.scene, draft.query, draft.solution);
      if (s.is_text)
        set_text_answer(draft, rng, s.text, {"above", "below", "left", "right"}, rng.bernoulli(0.5));
      else
        set_number_answer(draft, rng, s.value, s.plausible, rng.bernoulli(0.5));
      if (ctx.canvas != nullptr) {
        Canvas& c = *ctx.canvas;
        const double line = std::max(1.0, S / 160.0);
        for (int r = 0; r < n; ++r)
          for (int col = 0; col < n; ++col) {
            const char* color = g.blocked(r, col) ? "black" : "white";
            if (r == sr && col == sc) color = "green";
            if (r == gr && col == gc) color = "red";
            c.fill_rect(x0 + col * cell, y0 + r * cell, cell, cell, palette(color));
          }
        for (int k = 0; k <= n; ++k) {
          c.line(x0 + k * cell, y0, x0 + k * cell, y0 + n * cell, line, palette("gray"));
          c.line(x0, y0 + k * cell, x0 + n * cell, y0 + k * cell, line, palette("gray"));
        }
      }
      return draft;
    }
  }

  std::string answer_sentence(const Task& t) const override {
    const std::string kind = t.query.value("kind", "");
    const std::string& v = t.answer_value;
    if (kind == "row_walls")
      return answer_after_fact("Row " + std::to_string(t.query.at("row").get<int>() + 1) + " has " + v +
                                   (v == "1" ? " black cell." : " black cells."), v);
    if (kind == "direction") {
      const auto& s = t.scene.at("start");
      const auto& g = t.scene.at("goal");
      return answer_after_fact("The green cell is at " + cell_phrase(s.at("row"), s.at("col")) + ". The red cell is at " +
                                   cell_phrase(g.at("row"), g.at("col")) + ".", v);
    }
    return answer_after_fact("", v);
  }

  // How many black cells each row holds, then where the green and the red cell are.
  std::vector<std::string> scene_facts(const Task& t) const override {
    const int rows = t.scene.at("rows");
    std::vector<int> walls(static_cast<size_t>(std::max(rows, 0)), 0);
    for (const auto& w : t.scene.at("walls")) {
      const int r = w.at(0);
      if (r >= 0 && r < rows) ++walls[static_cast<size_t>(r)];
    }
    std::vector<std::string> facts;
    for (int r = 0; r < rows; ++r) {
      const int n = walls[static_cast<size_t>(r)];
      facts.push_back("Row " + std::to_string(r + 1) + " has " + std::to_string(n) + (n == 1 ? " black cell." : " black cells."));
    }
    const auto& s = t.scene.at("start");
    const auto& g = t.scene.at("goal");
    facts.push_back("The green cell is at " + cell_phrase(s.at("row"), s.at("col")) + ".");
    facts.push_back("The red cell is at " + cell_phrase(g.at("row"), g.at("col")) + ".");
    return facts;
  }
};

}  // namespace

const Family& maze_family() {
  static const Maze f;
  return f;
}

}  // namespace insightv::world
