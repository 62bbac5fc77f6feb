// world/registry.cpp — the list of VisWorld families, lookup by name, and the sentence helpers
// the families share.
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

std::string answer_after_fact(const std::string& fact, const std::string& value) {
  return (fact.empty() ? "" : fact + " ") + "The answer is " + value + ".";
}

std::string count_sentence(long n, const std::string& noun, const std::string& plural) {
  return n == 1 ? "There is 1 " + noun + "." : "There are " + std::to_string(n) + " " + plural + ".";
}

}  // namespace insightv::world
