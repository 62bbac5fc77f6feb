// io/json.h — JSON and JSONL reading and writing with errors that name the file and line.
//
//   json cfg = read_json_file("ckpt/config.json");     // "[json] ckpt/config.json:3:14: ..."
//   for (JsonlReader r("tasks.jsonl"); r.next(); ) use(r.value());
//   auto rows = read_jsonl("paths.jsonl", JsonlOptions{/*allow_truncated_tail=*/true});
//   write_jsonl_atomic("out.jsonl", rows);             // temp + fsync + rename
//   JsonlAppender log("metrics.jsonl"); log.append(row);  // one durable line per call
//
// allow_truncated_tail: a job killed mid-write (kill -9) can leave a last line without its
// newline; readers of resumable outputs drop that line (with a warning) instead of failing.
// A malformed line anywhere else is an error naming the line.
#pragma once

#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace insightv {

using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;

// JSON nested deeper than this is refused by parse_json, JsonlReader and the parsers of
// untrusted text (request bodies, model replies, file headers). nlohmann's parser is
// iterative, but copying, comparing and dumping a value recurse once per level: a 20 kB
// request body of brackets overflowed the stack (found by fuzz/openai_request).
constexpr int kMaxJsonDepth = 256;
// The deepest array/object nesting in text, strings skipped. Malformed text is scanned all
// the same (the parser reports it). Linear, no allocation.
int json_nesting_depth(std::string_view text);
// Throws Error("[json] <source>: nests deeper than 256 levels") when text does.
void check_json_depth(std::string_view text, const std::string& source);

// Parses text; `source` names it in errors (a path, "request body", ...). Every failure is an
// Error: syntax, numbers out of range ("1e400"), nesting deeper than kMaxJsonDepth.
json parse_json(const std::string& text, const std::string& source);
json read_json_file(const std::string& path);
// Pretty-printed (indent 2) with a trailing newline, written atomically.
void write_json_file(const std::string& path, const json& value);

struct JsonlOptions {
  bool allow_truncated_tail = false;  // drop an unparseable last line that lacks its newline
  bool skip_blank_lines = true;
};

class JsonlReader {
 public:
  explicit JsonlReader(const std::string& path, JsonlOptions opts = {});
  // Reads the next record; false at the end. Throws Error naming path:line on bad JSON.
  bool next();
  const json& value() const { return value_; }
  size_t line_number() const { return line_no_; }
  bool dropped_truncated_tail() const { return dropped_tail_; }

 private:
  std::string path_;
  JsonlOptions opts_;
  std::ifstream in_;
  json value_;
  size_t line_no_ = 0;
  bool dropped_tail_ = false;
};

std::vector<json> read_jsonl(const std::string& path, JsonlOptions opts = {});
void write_jsonl_atomic(const std::string& path, const std::vector<json>& rows);

// Appends one JSON object per line to a file; each append() is written and, with
// durable=true, fsync'ed before returning. Not thread-safe.
class JsonlAppender {
 public:
  explicit JsonlAppender(const std::string& path, bool durable = false);
  ~JsonlAppender();
  void append(const json& row);
  void sync();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Cuts a torn last line (one without its newline, left by a killed writer) so that appends
// start on a fresh line; logs a warning naming the bytes dropped. A missing file is fine.
void cut_torn_jsonl_tail(const std::string& path);

// "line L, column C" for a byte offset into text (1-based), used for error messages.
std::string describe_offset(const std::string& text, size_t byte_offset);

}  // namespace insightv
