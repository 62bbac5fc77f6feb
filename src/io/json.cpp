// io/json.cpp — JSON/JSONL reading and writing with line-numbered errors.
#include "io/json.h"

#include <unistd.h>

#include <algorithm>

#include "util/error.h"
#include "util/fs.h"
#include "util/log.h"

namespace insightv {

std::string describe_offset(const std::string& text, size_t byte_offset) {
  size_t line = 1, col = 1;
  const size_t end = std::min(byte_offset, text.size());
  for (size_t i = 0; i < end; ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(col);
}

namespace {
// nlohmann's messages start with "[json.exception.parse_error.101] parse error at line 1,
// column 5: "; keep the part after the last ": " that follows the position. Other exceptions
// ("[json.exception.out_of_range.406] number overflow parsing '1e400'") lose the tag only.
std::string short_parse_message(const std::string& what) {
  const size_t pos = what.find("parse error");
  if (pos == std::string::npos) {
    const size_t tag = what.rfind("] ", what.find(' '));
    return tag == std::string::npos ? what : what.substr(tag + 2);
  }
  std::string msg = what.substr(pos);
  const size_t colon = msg.find(": ");
  if (colon != std::string::npos) msg = msg.substr(colon + 2);
  return msg;
}
}  // namespace

int json_nesting_depth(std::string_view text) {
  int depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

void check_json_depth(std::string_view text, const std::string& source) {
  const int depth = json_nesting_depth(text);
  if (depth > kMaxJsonDepth)
    throw Error("json", source + ": nests " + std::to_string(depth) + " levels deep, more than the " +
                            std::to_string(kMaxJsonDepth) + " allowed",
                "not a file this program writes or reads; hostile or corrupt input?");
}

json parse_json(const std::string& text, const std::string& source) {
  check_json_depth(text, source);
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    const size_t offset = e.byte > 0 ? e.byte - 1 : 0;
    throw Error("json", source + ": " + describe_offset(text, offset) + ": " +
                            short_parse_message(e.what()),
                "fix the JSON syntax at that position");
  } catch (const json::exception& e) {  // out_of_range: a number too large for a double
    throw Error("json", source + ": " + short_parse_message(e.what()), "fix the value");
  }
}

json read_json_file(const std::string& path) { return parse_json(read_file(path), path); }

void write_json_file(const std::string& path, const json& value) {
  write_file_atomic(path, value.dump(2) + "\n");
}

JsonlReader::JsonlReader(const std::string& path, JsonlOptions opts)
    : path_(path), opts_(opts), in_(path, std::ios::binary) {
  if (!in_) throw Error("jsonl", "cannot open '" + path + "'", "does the file exist?");
}

bool JsonlReader::next() {
  std::string line;
  while (std::getline(in_, line)) {
    ++line_no_;
    const bool had_newline = !in_.eof();
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (opts_.skip_blank_lines && line.find_first_not_of(" \t") == std::string::npos) continue;
    try {
      check_json_depth(line, path_ + ":" + std::to_string(line_no_));
      value_ = json::parse(line);
      return true;
    } catch (const Error&) {
      throw;
    } catch (const json::exception& e) {  // syntax, or a number out of range ("1e400")
      if (!had_newline && opts_.allow_truncated_tail) {
        dropped_tail_ = true;
        IV_LOG(warn) << path_ << ":" << line_no_
                     << ": dropped a truncated last line (an interrupted write)";
        return false;
      }
      throw Error("jsonl", path_ + ":" + std::to_string(line_no_) + ": " +
                               short_parse_message(e.what()),
                  "each line must be one complete JSON value");
    }
  }
  return false;
}

std::vector<json> read_jsonl(const std::string& path, JsonlOptions opts) {
  std::vector<json> rows;
  for (JsonlReader r(path, opts); r.next();) rows.push_back(r.value());
  return rows;
}

void write_jsonl_atomic(const std::string& path, const std::vector<json>& rows) {
  AtomicFile f(path);
  std::string buf;
  for (const auto& row : rows) {
    buf = row.dump();
    buf.push_back('\n');
    f.write(buf);
  }
  f.commit();
}

struct JsonlAppender::Impl {
  AppendFile file;
  bool durable;
  Impl(const std::string& path, bool d) : file(path), durable(d) {}
};

JsonlAppender::JsonlAppender(const std::string& path, bool durable)
    : impl_(std::make_unique<Impl>(path, durable)) {}
JsonlAppender::~JsonlAppender() = default;

void JsonlAppender::append(const json& row) {
  impl_->file.write(row.dump() + "\n");
  if (impl_->durable) impl_->file.sync();
}

void JsonlAppender::sync() { impl_->file.sync(); }

void cut_torn_jsonl_tail(const std::string& path) {
  if (!file_exists(path)) return;
  const std::string text = read_file(path);
  if (text.empty() || text.back() == '\n') return;
  const size_t nl = text.rfind('\n');
  const size_t keep = nl == std::string::npos ? 0 : nl + 1;
  IV_LOG(warn) << path << ": dropping a torn last record (" << (text.size() - keep)
               << " bytes) left by an interrupted run";
  check(::truncate(path.c_str(), static_cast<off_t>(keep)) == 0, "io",
        "cannot truncate '" + path + "'", "is the file writable?");
}

}  // namespace insightv
