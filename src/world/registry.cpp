// world/registry.cpp — the list of VisWorld families and lookup by name.
#include "util/error.h"
#include "world/family.h"

namespace insightv::world {

const std::vector<const Family*>& families() {
  static const std::vector<const Family*> all = {
      &shapes_family(), &bar_chart_family(), &clock_family(),     &maze_family(),
      &digit_table_family(), &geometry_family(), &perception_family(),
  };
  return all;
}

std::vector<std::string> family_names() {
  std::vector<std::string> names;
  for (const Family* f : families()) names.push_back(f->name());
  return names;
}

const Family& find_family(const std::string& name) {
  for (const Family* f : families())
    if (name == f->name()) return *f;
  std::string known;
  for (const auto& n : family_names()) known += (known.empty() ? "" : ", ") + n;
  throw Error("world", "unknown family '" + name + "'", "known families: " + known + ", all");
}

}  // namespace insightv::world
