// data/vlm_tsv.cpp — VLMEvalKit TSV writer and reader.
#include "data/vlm_tsv.h"

#include <map>

#include "io/base64.h"
#include "util/error.h"
#include "util/fs.h"

namespace insightv::data {

namespace {

const std::vector<std::string>& columns() {
  static const std::vector<std::string> cols = {"index",  "image",    "question", "A",
                                                "B",      "C",        "D",        "answer",
                                                "category", "hint",   "family",   "difficulty",
                                                "id"};
  return cols;
}

std::string escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\\': out += "\\\\"; break;
      default: out += c;
    }
  }
  return out;
}

std::string unescape(const std::string& s, const std::string& where) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\') {
      out += s[i];
      continue;
    }
    check(i + 1 < s.size(), "tsv", where + ": cell ends with a lone backslash");
    const char n = s[++i];
    if (n == 't') out += '\t';
    else if (n == 'n') out += '\n';
    else if (n == 'r') out += '\r';
    else if (n == '\\') out += '\\';
    else out += std::string("\\") + n;  // not ours: keep it as written
  }
  return out;
}

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> cells;
  size_t start = 0;
  for (;;) {
    const size_t tab = line.find('\t', start);
    cells.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
    if (tab == std::string::npos) break;
    start = tab + 1;
  }
  return cells;
}

}  // namespace

TsvRow task_to_tsv_row(const world::Task& t, long index, const std::string& root) {
  TsvRow r;
  r.index = index;
  r.image = read_file(join_path(root, t.image));
  r.question = t.question;
  r.options = t.options;
  r.answer = t.answer;
  r.category = t.family;
  r.family = t.family;
  r.difficulty = t.difficulty;
  r.id = t.id;
  return r;
}

void write_tsv(const std::string& path, const std::vector<TsvRow>& rows) {
  std::string out;
  for (size_t i = 0; i < columns().size(); ++i) out += (i ? "\t" : "") + columns()[i];
  out += "\n";
  for (const auto& r : rows) {
    check(r.options.size() <= 4, "tsv", "row " + std::to_string(r.index) + " has " +
                                            std::to_string(r.options.size()) + " options; at most 4 fit A-D");
    std::vector<std::string> cells = {std::to_string(r.index), base64_encode(r.image), escape(r.question)};
    for (size_t k = 0; k < 4; ++k) cells.push_back(k < r.options.size() ? escape(r.options[k]) : "");
    cells.push_back(escape(r.answer));
    cells.push_back(escape(r.category));
    cells.push_back(escape(r.hint));
    cells.push_back(escape(r.family));
    cells.push_back(r.difficulty > 0 ? std::to_string(r.difficulty) : "");
    cells.push_back(escape(r.id));
    for (size_t i = 0; i < cells.size(); ++i) out += (i ? "\t" : "") + cells[i];
    out += "\n";
  }
  write_file_atomic(path, out);
}

std::vector<TsvRow> read_tsv(const std::string& path) {
  const std::string text = read_file(path);
  std::vector<TsvRow> rows;
  std::map<std::string, size_t> col;
  size_t start = 0, line_no = 0, n_cols = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    start = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const std::vector<std::string> cells = split_tabs(line);
    const std::string where = path + ":" + std::to_string(line_no);
    if (col.empty()) {
      for (size_t i = 0; i < cells.size(); ++i) col[cells[i]] = i;
      n_cols = cells.size();
      for (const char* need : {"index", "question", "answer"})
        check(col.count(need) > 0, "tsv", where + ": header lacks the '" + need + "' column",
              "is this a VLMEvalKit TSV?");
      continue;
    }
    check(cells.size() == n_cols, "tsv",
          where + ": " + std::to_string(cells.size()) + " cells, header has " + std::to_string(n_cols),
          "a raw tab or a truncated line?");
    auto cell = [&](const char* name) -> std::string {
      auto it = col.find(name);
      return it == col.end() ? std::string() : unescape(cells[it->second], where);
    };
    TsvRow r;
    try {
      r.index = std::stol(cell("index"));
    } catch (const std::exception&) {
      throw Error("tsv", where + ": index '" + cell("index") + "' is not an integer");
    }
    if (col.count("image")) r.image = base64_decode(cells[col["image"]], where + " image");
    r.question = cell("question");
    for (const char* k : {"A", "B", "C", "D"}) {
      const std::string v = cell(k);
      if (!v.empty()) r.options.push_back(v);
    }
    r.answer = cell("answer");
    r.category = cell("category");
    r.hint = cell("hint");
    r.family = cell("family");
    r.id = cell("id");
    const std::string d = cell("difficulty");
    if (!d.empty()) {
      try {
        r.difficulty = std::stoi(d);
      } catch (const std::exception&) {
        throw Error("tsv", where + ": difficulty '" + d + "' is not an integer");
      }
    }
    rows.push_back(std::move(r));
  }
  check(!col.empty(), "tsv", path + ": empty file", "expected a header line");
  return rows;
}

size_t export_tsv(const std::string& tasks_path, const std::string& out_path) {
  const auto tasks = world::read_tasks(tasks_path);
  const std::string root = world::tasks_root(tasks_path);
  std::vector<TsvRow> rows;
  rows.reserve(tasks.size());
  for (size_t i = 0; i < tasks.size(); ++i) rows.push_back(task_to_tsv_row(tasks[i], static_cast<long>(i), root));
  write_tsv(out_path, rows);
  return rows.size();
}

}  // namespace insightv::data
