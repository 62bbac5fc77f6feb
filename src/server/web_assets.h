// server/web_assets.h — the web page's files (web/: HTML, CSS, plain ES modules), embedded in
// the binary at build time by cmake/embed_files.cmake, so `insightv serve` needs nothing beside
// it. Only these names are ever served: a request names an asset, never a path on disk.
//
//   const WebAsset* a = find_web_asset("chat.js");   // nullptr for any other name
//   res.set_content(std::string(a->bytes), a->content_type);
//
// Not here: the routes (server/web_routes.h).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "util/embedded_file.h"

namespace insightv {

// Every file of web/ (generated at build time).
const std::vector<EmbeddedFile>& embedded_web_files();

struct WebAsset {
  std::string_view name, bytes;
  std::string content_type;  // from the extension; text types with charset=utf-8
  std::string etag;          // "\"<64-bit content hash>\""
};

// The embedded file with exactly this name, or nullptr. Thread-safe (built once).
const WebAsset* find_web_asset(std::string_view name);
// "text/html; charset=utf-8" for ".html", ..., "application/octet-stream" when unknown.
std::string web_content_type(std::string_view name);

}  // namespace insightv
