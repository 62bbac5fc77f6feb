// util/fs.h — file helpers: whole-file reads, atomic writes, directories.
//
// Atomic write: content goes to "<path>.tmp-<pid>" in the same folder, is fsync'ed, then
// renamed over <path> and the folder fsync'ed. A crash at any point leaves either the old
// file or the new one, never a torn mix; a crash before commit() may leave the temp file.
//
//   AtomicFile f("out/tasks.jsonl");
//   f.write(line1); f.write(line2);
//   f.commit();                     // without commit(), the destructor removes the temp file
//
// Not thread-safe per object. Errors are insightv::Error with the path and errno text.
#pragma once

#include <cstddef>
#include <cstdio>
#include <string>
#include <string_view>

namespace insightv {

std::string read_file(const std::string& path);
void write_file_atomic(const std::string& path, std::string_view content);
bool file_exists(const std::string& path);
bool is_directory(const std::string& path);
// mkdir -p; throws when a component exists and is not a folder or cannot be created.
void make_dirs(const std::string& path);
// The folder part of a path ("." when there is none).
std::string parent_dir(const std::string& path);
std::string join_path(const std::string& a, const std::string& b);

class AtomicFile {
 public:
  explicit AtomicFile(std::string path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(std::string_view data);
  void write(const void* data, size_t n) { write(std::string_view(static_cast<const char*>(data), n)); }
  // Flush, fsync, rename over the target, fsync the folder. Call once.
  void commit();

  const std::string& path() const { return path_; }
  const std::string& temp_path() const { return temp_; }

 private:
  std::string path_, temp_;
  int fd_ = -1;
  bool committed_ = false;
};

// Appends lines to a file and makes each flush durable (for resumable jobs' logs and results).
// Not thread-safe; wrap with a mutex when several threads append.
class AppendFile {
 public:
  explicit AppendFile(const std::string& path);
  ~AppendFile();
  AppendFile(const AppendFile&) = delete;
  AppendFile& operator=(const AppendFile&) = delete;
  void write(std::string_view data);
  void sync();  // fsync
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
};

}  // namespace insightv
