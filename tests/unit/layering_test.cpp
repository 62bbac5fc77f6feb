// Layering: a folder of src/ may include only itself and folders of a lower layer
// (docs/architecture.md). tools/ sits on top and nothing includes it.
#include <dirent.h>

#include <map>
#include <regex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "util/fs.h"

namespace {

const std::map<std::string, int>& layer_rank() {
  static const std::map<std::string, int> ranks = {
      {"util", 0},  {"io", 1},    {"world", 2},  {"data", 3},     {"model", 3},  {"infer", 4},
      {"train", 4}, {"eval", 5}, {"server", 5}, {"pipeline", 6}, {"tools", 7},
  };
  return ranks;
}

// Returns an empty string when `folder` may include `included`, else the reason.
std::string layering_violation(const std::string& folder, const std::string& included) {
  const auto& ranks = layer_rank();
  const size_t slash = included.find('/');
  if (slash == std::string::npos) return "";
  const std::string target = included.substr(0, slash);
  auto t = ranks.find(target);
  if (t == ranks.end()) return "";  // not one of ours (e.g. a system header path)
  auto f = ranks.find(folder);
  if (f == ranks.end()) return "folder '" + folder + "' has no layer: add it to the table";
  if (target == folder) return "";
  if (t->second < f->second) return "";
  return folder + " (layer " + std::to_string(f->second) + ") includes " + included + " (layer " +
         std::to_string(t->second) + ")";
}

void list_sources(const std::string& dir, std::vector<std::string>& out) {
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return;
  while (dirent* e = readdir(d)) {
    const std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    const std::string path = dir + "/" + name;
    if (insightv::is_directory(path))
      list_sources(path, out);
    else if (std::regex_search(name, std::regex(R"(\.(h|hpp|cpp|cc)$)")))
      out.push_back(path);
  }
  closedir(d);
}

}  // namespace

TEST(Layering, CheckerRejectsUpwardAndSidewaysIncludes) {
  EXPECT_FALSE(layering_violation("util", "io/json.h").empty());
  EXPECT_FALSE(layering_violation("model", "data/llava_json.h").empty());  // same layer
  EXPECT_FALSE(layering_violation("infer", "tools/verbs.h").empty());
  EXPECT_FALSE(layering_violation("newfolder", "util/log.h").empty());
  EXPECT_TRUE(layering_violation("io", "util/log.h").empty());
  EXPECT_TRUE(layering_violation("pipeline", "train/sft.h").empty());
  EXPECT_TRUE(layering_violation("model", "model/llama.h").empty());
}

TEST(Layering, SourceTreeIncludesOnlyLowerLayers) {
  const std::string root = INSIGHTV_SOURCE_DIR;
  std::vector<std::string> files;
  list_sources(root + "/src", files);
  list_sources(root + "/tools", files);
  ASSERT_GT(files.size(), 5u) << "no sources found under " << root;
  const std::regex include_re(R"re(^\s*#\s*include\s*"([^"]+)")re");
  std::vector<std::string> problems;
  for (const auto& path : files) {
    const std::string rel = path.substr(root.size() + 1);  // src/io/json.cpp or tools/main.cpp
    std::string folder;
    if (rel.rfind("src/", 0) == 0)
      folder = rel.substr(4, rel.find('/', 4) - 4);
    else
      folder = "tools";
    const std::string text = insightv::read_file(path);
    size_t line_no = 0, start = 0;
    while (start <= text.size()) {
      const size_t end = text.find('\n', start);
      const std::string line = text.substr(start, end == std::string::npos ? end : end - start);
      ++line_no;
      std::smatch m;
      if (std::regex_search(line, m, include_re)) {
        const std::string why = layering_violation(folder, m[1].str());
        if (!why.empty()) problems.push_back(rel + ":" + std::to_string(line_no) + ": " + why);
      }
      if (end == std::string::npos) break;
      start = end + 1;
    }
  }
  for (const auto& p : problems) ADD_FAILURE() << p;
  EXPECT_TRUE(problems.empty());
}
