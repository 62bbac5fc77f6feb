// server/report_folder.cpp — listing and reading a pipeline report folder.
#include "server/report_folder.h"

#include <dirent.h>

#include <algorithm>
#include <cctype>

#include "util/error.h"
#include "util/fs.h"

namespace insightv {

ReportFolder ReportFolder::open(const std::string& dir) {
  check(file_exists(join_path(dir, "report.md")) || file_exists(join_path(dir, "report.json")), "report",
        "no report.md or report.json in " + dir, "give a pipeline output folder whose report stage has run");
  ReportFolder r;
  r.dir_ = dir;
  if (DIR* d = opendir(join_path(dir, "charts").c_str())) {
    while (dirent* e = readdir(d)) {
      const std::string name = e->d_name;
      const bool plain = !name.empty() && name[0] != '.' &&
                         std::all_of(name.begin(), name.end(), [](char c) {
                           return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
                         });
      if (plain && name.size() > 4 && name.substr(name.size() - 4) == ".png") r.charts_.push_back(name);
    }
    closedir(d);
  }
  std::sort(r.charts_.begin(), r.charts_.end());
  return r;
}

json ReportFolder::info() const {
  json out = {{"folder", dir_}, {"charts", charts_}};
  const std::string md = join_path(dir_, "report.md"), js = join_path(dir_, "report.json");
  out["markdown"] = file_exists(md) ? read_file(md) : "";
  if (file_exists(js)) out["report"] = read_json_file(js);
  return out;
}

std::string ReportFolder::chart(const std::string& name) const {
  check(std::find(charts_.begin(), charts_.end(), name) != charts_.end(), "report", "no chart named '" + name + "'");
  return read_file(join_path(join_path(dir_, "charts"), name));
}

}  // namespace insightv
