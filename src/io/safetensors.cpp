// io/safetensors.cpp — validating mmap reader and atomic writer for safetensors files.
#include "io/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "io/json.h"
#include "util/error.h"
#include "util/fs.h"

namespace insightv {

size_t dtype_size(DType d) {
  switch (d) {
    case DType::F64: case DType::I64: return 8;
    case DType::F32: case DType::I32: return 4;
    case DType::F16: case DType::BF16: case DType::I16: return 2;
    case DType::I8: case DType::U8: case DType::BOOL: return 1;
  }
  return 0;
}

const char* dtype_name(DType d) {
  switch (d) {
    case DType::F64: return "F64";
    case DType::F32: return "F32";
    case DType::F16: return "F16";
    case DType::BF16: return "BF16";
    case DType::I64: return "I64";
    case DType::I32: return "I32";
    case DType::I16: return "I16";
    case DType::I8: return "I8";
    case DType::U8: return "U8";
    case DType::BOOL: return "BOOL";
  }
  return "?";
}

DType parse_dtype(const std::string& name) {
  static const std::map<std::string, DType> names = {
      {"F64", DType::F64}, {"F32", DType::F32}, {"F16", DType::F16}, {"BF16", DType::BF16},
      {"I64", DType::I64}, {"I32", DType::I32}, {"I16", DType::I16}, {"I8", DType::I8},
      {"U8", DType::U8},   {"BOOL", DType::BOOL}};
  auto it = names.find(name);
  if (it == names.end())
    throw Error("safetensors", "unknown dtype '" + name + "'",
                "supported: F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL");
  return it->second;
}

int64_t TensorInfo::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

namespace {
[[noreturn]] void fail(const std::string& path, const std::string& what, const std::string& hint) {
  throw Error("safetensors", path + ": " + what, hint);
}

TensorInfo parse_entry(const std::string& path, const std::string& name, const json& e,
                       size_t data_size) {
  const std::string where = "tensor '" + name + "'";
  if (!e.is_object()) fail(path, where + " is not an object", "corrupt header");
  if (!e.contains("dtype") || !e["dtype"].is_string() || !e.contains("shape") ||
      !e["shape"].is_array() || !e.contains("data_offsets") || !e["data_offsets"].is_array() ||
      e["data_offsets"].size() != 2)
    fail(path, where + " needs dtype (string), shape (array) and data_offsets ([begin, end])",
         "corrupt header");
  TensorInfo t;
  t.name = name;
  try {
    t.dtype = parse_dtype(e["dtype"].get<std::string>());
  } catch (const Error& err) {
    fail(path, where + ": " + err.what_text(), err.hint());
  }
  // Element count with overflow checks: every dim a non-negative integer, product bounded.
  unsigned __int128 numel = 1;
  for (const auto& d : e["shape"]) {
    if (!d.is_number_integer() || d.get<int64_t>() < 0)
      fail(path, where + " has a shape entry that is not a non-negative integer: " + d.dump(),
           "corrupt header");
    t.shape.push_back(d.get<int64_t>());
    numel *= static_cast<uint64_t>(t.shape.back());
    if (numel > (static_cast<unsigned __int128>(1) << 62))
      fail(path, where + " has an absurd shape " + e["shape"].dump(), "corrupt header");
  }
  for (const auto& o : e["data_offsets"])
    if (!o.is_number_unsigned() && !(o.is_number_integer() && o.get<int64_t>() >= 0))
      fail(path, where + " has a data offset that is not a non-negative integer", "corrupt header");
  t.begin = e["data_offsets"][0].get<uint64_t>();
  t.end = e["data_offsets"][1].get<uint64_t>();
  if (t.begin > t.end)
    fail(path, where + " has data_offsets begin " + std::to_string(t.begin) + " > end " +
                   std::to_string(t.end), "corrupt header");
  if (t.end > data_size)
    fail(path, where + " ends at byte " + std::to_string(t.end) + " past the data section (" +
                   std::to_string(data_size) + " bytes)", "file truncated?");
  const unsigned __int128 want = numel * dtype_size(t.dtype);
  if (want != t.end - t.begin)
    fail(path, where + " shape " + e["shape"].dump() + " × " + dtype_name(t.dtype) + " needs " +
                   std::to_string(static_cast<uint64_t>(want)) + " bytes but spans " +
                   std::to_string(t.end - t.begin), "corrupt header");
  return t;
}
}  // namespace

SafetensorsFile::SafetensorsFile(const std::string& path) : path_(path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(path, std::string("cannot open: ") + std::strerror(errno), "does the file exist?");
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    fail(path, "not a regular file", "give the path of a .safetensors file");
  }
  size_ = static_cast<size_t>(st.st_size);
  if (size_ < 8) {
    ::close(fd);
    fail(path, "file is " + std::to_string(size_) + " bytes, shorter than the 8-byte header length",
         "file truncated or not safetensors");
  }
  void* m = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (m == MAP_FAILED) fail(path, std::string("mmap failed: ") + std::strerror(errno), "");
  base_ = static_cast<const uint8_t*>(m);

  try {
    uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = (n << 8) | base_[i];  // little-endian u64
    if (n > kMaxSafetensorsHeader)
      fail(path, "header length " + std::to_string(n) + " exceeds the " +
                     std::to_string(kMaxSafetensorsHeader) + "-byte limit",
           "file corrupt or not safetensors");
    if (n > size_ - 8)
      fail(path, "header length " + std::to_string(n) + " exceeds file size " + std::to_string(size_),
           "file truncated?");
    data_ = base_ + 8 + n;
    const size_t data_size = size_ - 8 - n;
    const std::string header(reinterpret_cast<const char*>(base_ + 8), n);
    if (json_nesting_depth(header) > kMaxJsonDepth)
      fail(path, "header nests deeper than " + std::to_string(kMaxJsonDepth) + " levels", "file corrupt or hostile");
    json h;
    try {
      h = json::parse(header);
    } catch (const json::exception& e) {
      fail(path, std::string("header is not valid JSON: ") + e.what(), "file corrupt");
    }
    if (!h.is_object()) fail(path, "header is not a JSON object", "file corrupt");
    for (auto it = h.begin(); it != h.end(); ++it) {
      if (it.key() == "__metadata__") {
        if (!it.value().is_object()) fail(path, "__metadata__ is not an object", "file corrupt");
        for (auto m2 = it.value().begin(); m2 != it.value().end(); ++m2)
          metadata_[m2.key()] = m2.value().is_string() ? m2.value().get<std::string>() : m2.value().dump();
        continue;
      }
      tensors_.push_back(parse_entry(path, it.key(), it.value(), data_size));
    }
    std::sort(tensors_.begin(), tensors_.end(),
              [](const TensorInfo& a, const TensorInfo& b) { return a.begin < b.begin || (a.begin == b.begin && a.end < b.end); });
    for (size_t i = 1; i < tensors_.size(); ++i)
      if (tensors_[i].begin < tensors_[i - 1].end)
        fail(path, "tensors '" + tensors_[i - 1].name + "' and '" + tensors_[i].name + "' overlap",
             "file corrupt or hostile");
    for (size_t i = 0; i < tensors_.size(); ++i) index_[tensors_[i].name] = i;
  } catch (...) {
    ::munmap(const_cast<uint8_t*>(base_), size_);
    base_ = nullptr;
    throw;
  }
}

SafetensorsFile::~SafetensorsFile() {
  if (base_ != nullptr) ::munmap(const_cast<uint8_t*>(base_), size_);
}

const TensorInfo* SafetensorsFile::find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &tensors_[it->second];
}

const TensorInfo& SafetensorsFile::at(const std::string& name) const {
  const TensorInfo* t = find(name);
  if (t == nullptr) fail(path_, "no tensor named '" + name + "'", "list the file with `insightv inspect`");
  return *t;
}

void write_safetensors(const std::string& path, const std::vector<TensorView>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  std::vector<const TensorView*> sorted;
  for (const auto& t : tensors) sorted.push_back(&t);
  std::sort(sorted.begin(), sorted.end(),
            [](const TensorView* a, const TensorView* b) { return a->name < b->name; });
  ordered_json header = ordered_json::object();
  if (!metadata.empty()) {
    ordered_json m = ordered_json::object();
    for (const auto& [k, v] : metadata) m[k] = v;
    header["__metadata__"] = m;
  }
  size_t offset = 0;
  for (size_t i = 0; i < sorted.size(); ++i) {
    const TensorView& t = *sorted[i];
    check(t.name != "__metadata__", "safetensors", "a tensor cannot be named __metadata__");
    if (i > 0) check(t.name != sorted[i - 1]->name, "safetensors", "duplicate tensor name '" + t.name + "'");
    int64_t numel = 1;
    for (int64_t d : t.shape) numel *= d;
    check(static_cast<size_t>(numel) * dtype_size(t.dtype) == t.nbytes, "safetensors",
          "tensor '" + t.name + "': " + std::to_string(t.nbytes) + " bytes do not match its shape");
    header[t.name] = {{"dtype", dtype_name(t.dtype)}, {"shape", t.shape},
                      {"data_offsets", {offset, offset + t.nbytes}}};
    offset += t.nbytes;
  }
  std::string h = header.dump();
  h.append((8 - h.size() % 8) % 8, ' ');
  char len[8];
  uint64_t n = h.size();
  for (int i = 0; i < 8; ++i) len[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  AtomicFile f(path);
  f.write(len, 8);
  f.write(h);
  for (const TensorView* t : sorted) f.write(t->data, t->nbytes);
  f.commit();
}

}  // namespace insightv
