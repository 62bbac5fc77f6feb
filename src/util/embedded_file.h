// util/embedded_file.h — a file compiled into the binary at build time (cmake/embed_files.cmake):
// the web page (server/web_assets.h) and the shipped pipeline presets (pipeline/preset.h).
#pragma once

#include <string_view>

namespace insightv {

struct EmbeddedFile {
  std::string_view name;   // the file's name inside its folder, e.g. "index.html", "nano.yaml"
  std::string_view bytes;
};

}  // namespace insightv
