// world/sheet.h — a contact sheet: N tasks of a folder as tiles (image, question, options,
// answer), one PNG for a person to look at.
//
//   SheetOptions o; o.count = 12; o.family = "clock";
//   Image sheet = render_sheet("vw/train", o);  write_png("clock.png", sheet);
//
// Tiles are laid out in `columns` columns; each shows the task image scaled to `tile` pixels,
// its id and difficulty, the question word-wrapped, the options, and the answer in green.
// Not thread-safe per call's canvas; separate calls are independent.
#pragma once

#include <string>

#include "io/image.h"

namespace insightv::world {

struct SheetOptions {
  int count = 12;      // tasks shown (fewer if the folder has fewer)
  int columns = 4;
  int tile = 160;      // image tile size, pixels
  std::string family;  // only this family; empty = any
  int offset = 0;      // skip this many matching tasks first
};

Image render_sheet(const std::string& folder, const SheetOptions& opts);

}  // namespace insightv::world
