// Docs: README.md stays a short front page (the details live in docs/*.md), and every relative
// link or image in README.md and docs/*.md points at a file or folder that exists.
#include <dirent.h>

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "util/fs.h"

namespace insightv {
namespace {

const std::string kRoot = INSIGHTV_SOURCE_DIR;

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

// The targets of the markdown links and images (`[text](target)`, `![alt](target)`) in `text`,
// outside fenced code blocks. A target loses an optional ` "title"` and its surrounding `<...>`.
std::vector<std::string> markdown_link_targets(const std::string& text) {
  std::vector<std::string> targets;
  bool in_fence = false;
  size_t line_start = 0;
  while (line_start < text.size()) {
    size_t line_end = text.find('\n', line_start);
    if (line_end == std::string::npos) line_end = text.size();
    const std::string line = text.substr(line_start, line_end - line_start);
    line_start = line_end + 1;
    const size_t first = line.find_first_not_of(" \t");
    if (first != std::string::npos && line.compare(first, 3, "```") == 0) {
      in_fence = !in_fence;
      continue;
    }
    if (in_fence) continue;
    for (size_t pos = line.find("]("); pos != std::string::npos; pos = line.find("](", pos + 2)) {
      const size_t close = line.find(')', pos + 2);
      if (close == std::string::npos) break;
      std::string target = line.substr(pos + 2, close - pos - 2);
      const size_t space = target.find(' ');  // [x](path "title")
      if (space != std::string::npos) target = target.substr(0, space);
      if (target.size() >= 2 && target.front() == '<' && target.back() == '>')
        target = target.substr(1, target.size() - 2);
      targets.push_back(target);
    }
  }
  return targets;
}

// The relative links of `text` (the contents of the markdown file `md_path`) whose file or
// folder does not exist, each as "md_path: target". External links (http:, https:, mailto:)
// and in-page anchors (#...) are not checked; a '#anchor' suffix is dropped before resolving
// the path against the markdown file's folder. `*checked` counts the links resolved.
std::vector<std::string> broken_links(const std::string& md_path, const std::string& text,
                                      int* checked) {
  std::vector<std::string> broken;
  for (const std::string& link : markdown_link_targets(text)) {
    if (link.empty() || link[0] == '#' || starts_with(link, "http:") ||
        starts_with(link, "https:") || starts_with(link, "mailto:"))
      continue;
    const std::string path = link.substr(0, link.find('#'));
    if (checked) ++*checked;
    if (!file_exists(join_path(parent_dir(md_path), path)))
      broken.push_back(md_path + ": " + link);
  }
  return broken;
}

std::vector<std::string> markdown_files_in(const std::string& dir) {
  std::vector<std::string> files;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return files;
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name.size() > 3 && name.compare(name.size() - 3, 3, ".md") == 0)
      files.push_back(join_path(dir, name));
  }
  ::closedir(d);
  std::sort(files.begin(), files.end());
  return files;
}

TEST(Docs, ReadmeIsAFrontPageOfAtMost12KB) {
  const std::string readme = read_file(join_path(kRoot, "README.md"));
  EXPECT_LE(readme.size(), 12288u)
      << "README.md is " << readme.size() << " bytes; move sections into docs/*.md";
}

TEST(Docs, EveryRelativeLinkInTheReadmeAndDocsExists) {
  std::vector<std::string> files = {join_path(kRoot, "README.md")};
  const std::vector<std::string> docs = markdown_files_in(join_path(kRoot, "docs"));
  ASSERT_FALSE(docs.empty()) << "no docs/*.md found under " << kRoot;
  files.insert(files.end(), docs.begin(), docs.end());
  int checked = 0;
  for (const std::string& file : files) {
    for (const std::string& broken : broken_links(file, read_file(file), &checked))
      ADD_FAILURE() << "broken link in " << broken;
  }
  // The README alone links every docs/ page: a scan that finds (almost) nothing is itself wrong.
  EXPECT_GE(checked, 15) << "too few relative links found; is the link scanner broken?";
}

// The scanner itself: a broken link is reported (so the test above can fail), anchors, titles,
// external links, images and fenced code are handled as documented.
TEST(Docs, TheLinkCheckReportsABrokenLinkAndSkipsExternalOnes) {
  const std::string readme = join_path(kRoot, "README.md");
  const std::string text =
      "See [cli](docs/cli.md#exit-codes), ![img](docs/charts/ \"charts\"), [web](https://x.y/z),\n"
      "[top](#two-commands), [mail](mailto:a@b.c) and [gone](docs/no-such-page.md).\n"
      "```\n"
      "code [not a link](docs/also-missing.md)\n"
      "```\n";
  int checked = 0;
  const std::vector<std::string> broken = broken_links(readme, text, &checked);
  EXPECT_EQ(checked, 3);
  ASSERT_EQ(broken.size(), 1u);
  EXPECT_EQ(broken[0], readme + ": docs/no-such-page.md");
}

}  // namespace
}  // namespace insightv
