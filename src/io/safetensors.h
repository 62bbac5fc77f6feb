// io/safetensors.h — read (mmap) and write the safetensors format, torch-free.
//
// Format: u64 little-endian header length N, N bytes of JSON
//   {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ...,
//    "__metadata__": {"k": "v"}}
// then the data; offsets are relative to the first byte after the header.
//
// The reader validates everything before handing out a byte: header length within the file
// and below a cap (no unbounded allocation from a hostile length), JSON well-formed, known
// dtypes, shape × dtype size == byte span, offsets inside the data, no two tensors overlapping,
// no non-finite or negative dims. Every failure is an Error "[safetensors] <path>: ... — hint".
//
//   SafetensorsFile f("model.safetensors");          // mmap'ed, read-only; owns the mapping
//   for (const auto& t : f.tensors()) use(t.name, t.dtype, t.shape, f.data(t));
//   write_safetensors("out.safetensors", views, {{"format", "pt"}});   // atomic
//
// Thread-safe for concurrent reads. The tensor model (torch) is a layer up: model/ turns
// TensorInfo + bytes into torch tensors.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace insightv {

enum class DType { F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL };

size_t dtype_size(DType dtype);
const char* dtype_name(DType dtype);       // "F32", "BF16", ... as in the format
DType parse_dtype(const std::string& name);  // throws Error on an unknown name

struct TensorInfo {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  size_t begin = 0, end = 0;  // byte range relative to the data section
  int64_t numel() const;
  size_t nbytes() const { return end - begin; }
};

// Upper bound on the JSON header (the format's reference implementation uses 100 MB).
constexpr size_t kMaxSafetensorsHeader = 100u << 20;

class SafetensorsFile {
 public:
  explicit SafetensorsFile(const std::string& path);
  ~SafetensorsFile();
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  const std::string& path() const { return path_; }
  // Sorted by data offset.
  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  const TensorInfo* find(const std::string& name) const;
  const TensorInfo& at(const std::string& name) const;  // throws when missing
  const uint8_t* data(const TensorInfo& t) const { return data_ + t.begin; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  size_t file_size() const { return size_; }

 private:
  std::string path_;
  const uint8_t* base_ = nullptr;  // the whole mapping
  const uint8_t* data_ = nullptr;  // first byte after the header
  size_t size_ = 0;
  std::vector<TensorInfo> tensors_;
  std::map<std::string, size_t> index_;
  std::map<std::string, std::string> metadata_;
};

// A tensor to write: name, dtype, shape and a pointer to its contiguous little-endian bytes.
struct TensorView {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  const void* data = nullptr;
  size_t nbytes = 0;
};

// Writes tensors sorted by name, header padded with spaces to a multiple of 8, atomically.
void write_safetensors(const std::string& path, const std::vector<TensorView>& tensors,
                       const std::map<std::string, std::string>& metadata = {});

}  // namespace insightv
