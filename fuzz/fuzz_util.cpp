// fuzz/fuzz_util.cpp — see fuzz_util.h.
#include "fuzz_util.h"

#include <sys/stat.h>
#include <unistd.h>

namespace insightv::fuzz {

ScratchFile::ScratchFile(const std::string& name) {
  struct stat st {};
  const std::string root = ::stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ? "/dev/shm" : "/tmp";
  dir_ = root + "/insightv-fuzz-" + std::to_string(::getpid()) + "-" + name;
  ::mkdir(dir_.c_str(), 0700);
  path_ = dir_ + "/" + name;
}

ScratchFile::~ScratchFile() {
  ::unlink(path_.c_str());
  ::rmdir(dir_.c_str());
}

void ScratchFile::write(const uint8_t* data, size_t size) {
  FILE* f = std::fopen(path_.c_str(), "wb");
  if (f == nullptr) {
    std::perror(path_.c_str());
    std::abort();
  }
  if (size > 0 && std::fwrite(data, 1, size, f) != size) std::abort();
  std::fclose(f);
}

}  // namespace insightv::fuzz
