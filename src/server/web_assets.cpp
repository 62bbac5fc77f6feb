// server/web_assets.cpp — lookup, content types and ETags of the embedded web files.
#include "server/web_assets.h"

#include <cstdint>
#include <cstdio>
#include <map>

namespace insightv {

std::string web_content_type(std::string_view name) {
  static const std::map<std::string_view, const char*> types = {
      {".html", "text/html; charset=utf-8"},  {".css", "text/css; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"}, {".json", "application/json"},
      {".svg", "image/svg+xml"},              {".png", "image/png"},
      {".txt", "text/plain; charset=utf-8"},
  };
  const size_t dot = name.rfind('.');
  if (dot != std::string_view::npos) {
    auto it = types.find(name.substr(dot));
    if (it != types.end()) return it->second;
  }
  return "application/octet-stream";
}

const WebAsset* find_web_asset(std::string_view name) {
  static const std::map<std::string_view, WebAsset> assets = [] {
    std::map<std::string_view, WebAsset> m;
    for (const EmbeddedFile& f : embedded_web_files()) {
      uint64_t h = 1469598103934665603ull;  // FNV-1a
      for (unsigned char c : f.bytes) h = (h ^ c) * 1099511628211ull;
      char tag[24];
      std::snprintf(tag, sizeof tag, "\"%016llx\"", static_cast<unsigned long long>(h));
      m[f.name] = WebAsset{f.name, f.bytes, web_content_type(f.name), tag};
    }
    return m;
  }();
  auto it = assets.find(name);
  return it == assets.end() ? nullptr : &it->second;
}

}  // namespace insightv
