// world/describe.cpp — see describe.h.
#include "world/describe.h"

#include <sstream>
#include <vector>

#include "util/error.h"

namespace insightv::world {

namespace {

std::string join_list(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += i + 1 == items.size() ? " and " : ", ";
    out += items[i];
  }
  return out;
}

std::string num(const json& v) {
  if (v.is_number_integer()) return std::to_string(v.get<long long>());
  if (v.is_number()) {
    std::ostringstream s;
    s << v.get<double>();
    return s.str();
  }
  return v.is_string() ? v.get<std::string>() : v.dump();
}

std::string objects(const json& scene) {
  std::vector<std::string> parts;
  for (const json& o : scene.at("objects"))
    parts.push_back("a " + o.at("size").get<std::string>() + " " + o.at("color").get<std::string>() + " " +
                    o.at("shape").get<std::string>() + " at " + o.at("region").get<std::string>());
  const size_t n = parts.size();
  return "The image shows " + std::to_string(n) + (n == 1 ? " object: " : " objects: ") + join_list(parts) + ".";
}

std::string bars(const json& scene) {
  std::vector<std::string> parts;
  for (const json& b : scene.at("bars")) parts.push_back(b.at("label").get<std::string>() + " = " + num(b.at("value")));
  return "A bar chart with " + std::to_string(parts.size()) + " bars: " + join_list(parts) + ".";
}

std::string clock(const json& scene) {
  const int h = scene.at("hour").get<int>(), m = scene.at("minute").get<int>();
  return "An analog clock showing " + std::to_string(h) + ":" + (m < 10 ? "0" : "") + std::to_string(m) + ".";
}

std::string maze(const json& scene) {
  const json& s = scene.at("start");
  const json& g = scene.at("goal");
  auto cell = [](const json& c) {
    return "row " + std::to_string(c.at("row").get<int>() + 1) + ", column " + std::to_string(c.at("col").get<int>() + 1);
  };
  return "A grid of " + num(scene.at("rows")) + " by " + num(scene.at("cols")) + " cells with " +
         std::to_string(scene.at("walls").size()) + " black cells; the green cell is at " + cell(s) +
         " and the red cell at " + cell(g) + ".";
}

std::string table(const json& scene) {
  std::vector<std::string> rows;
  int r = 1;
  for (const json& row : scene.at("values")) {
    std::string line = "row " + std::to_string(r++) + ":";
    for (const json& v : row) line += " " + num(v);
    rows.push_back(line);
  }
  return "A table of numbers with " + num(scene.at("rows")) + " rows and " + num(scene.at("cols")) +
         " columns; " + join_list(rows) + ".";
}

std::string geometry(const json& scene) {
  std::string shape = scene.at("shape").get<std::string>();
  for (char& c : shape)
    if (c == '_') c = '-';
  std::vector<std::string> labels;
  for (const json& l : scene.at("labels")) labels.push_back(l.at("text").get<std::string>());
  std::string fill = scene.contains("fill") ? scene.at("fill").get<std::string>() + " " : "";
  std::string unit = scene.contains("unit") ? " " + scene.at("unit").get<std::string>() : "";
  return "A " + fill + shape + " figure" +
         (labels.empty() ? std::string(".") : " with the lengths " + join_list(labels) + unit + " marked.");
}

}  // namespace

std::string describe_scene(const Task& t) {
  try {
    if (t.family == "shapes" || t.family == "perception") return objects(t.scene);
    if (t.family == "bar_chart") return bars(t.scene);
    if (t.family == "clock") return clock(t.scene);
    if (t.family == "maze") return maze(t.scene);
    if (t.family == "digit_table") return table(t.scene);
    if (t.family == "geometry") return geometry(t.scene);
  } catch (const json::exception& e) {
    throw Error("world", "task " + t.id + ": scene of family '" + t.family + "' lacks a field (" + e.what() + ")");
  }
  throw Error("world", "task " + t.id + ": no description for family '" + t.family + "'");
}

}  // namespace insightv::world
