// util/hash.h — FNV-1a 64-bit: a fast, stable (never changes between versions) hash of bytes,
// for content fingerprints (dedupe, determinism checks). Not cryptographic.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace insightv {

inline uint64_t fnv1a64(std::string_view bytes, uint64_t h = 0xcbf29ce484222325ULL) {
  for (const char c : bytes) {
    h ^= static_cast<uint8_t>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

inline std::string hex64(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace insightv
