// fuzz/safetensors_fuzz.cpp — libFuzzer target: io/safetensors.h's header and layout
// validation. The input is a whole .safetensors file (8-byte length, JSON header, data),
// written to a scratch file because SafetensorsFile maps a path.
//
// Contract checked: SafetensorsFile either throws insightv::Error or yields tensors that are
// sorted, non-overlapping, inside the data section, with numel × dtype size == byte span and
// every name findable; reading every tensor byte stays inside the mapping.
#include <cstdint>

#include "fuzz_util.h"
#include "io/safetensors.h"
#include "util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static insightv::fuzz::ScratchFile file("model.safetensors");
  file.write(data, size);
  try {
    const insightv::SafetensorsFile f(file.path());
    IV_FUZZ_CHECK(f.file_size() == size && size >= 8, "file size");
    uint64_t header = 0;  // the accepted header length: the data section follows it
    for (int i = 7; i >= 0; --i) header = (header << 8) | data[i];
    IV_FUZZ_CHECK(header <= size - 8, "accepted header length fits the file");
    const size_t data_size = size - 8 - header;
    size_t prev_end = 0;
    for (const auto& t : f.tensors()) {
      IV_FUZZ_CHECK(t.begin <= t.end, "begin <= end");
      IV_FUZZ_CHECK(t.begin >= prev_end, "sorted and not overlapping");
      IV_FUZZ_CHECK(t.end <= data_size, "inside the data section");
      prev_end = t.end;
      IV_FUZZ_CHECK(static_cast<size_t>(t.numel()) * insightv::dtype_size(t.dtype) == t.nbytes(),
                    "numel x dtype size == byte span");
      IV_FUZZ_CHECK(f.find(t.name) == &t, "find() returns the tensor");
      IV_FUZZ_CHECK(&f.at(t.name) == &t, "at() returns the tensor");
      // ASan does not watch mmap'ed memory, so compare with the input instead of just reading:
      // a wrong offset shows up as different bytes, a read past the mapping as a fault.
      const uint8_t* p = f.data(t);
      for (size_t i = 0; i < t.nbytes(); ++i)
        IV_FUZZ_CHECK(p[i] == data[8 + header + t.begin + i], "tensor bytes are the file's bytes");
    }
    for (const auto& [k, v] : f.metadata()) (void)k, (void)v;
  } catch (const insightv::Error&) {
  }
  return 0;
}
