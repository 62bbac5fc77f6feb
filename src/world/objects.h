// world/objects.h — the coloured 2-D objects (circle, square, triangle) that the shapes and
// perception families place, draw and describe.
//
//   std::vector<Obj> objs = place_objects(rng, 6, size, /*grid=*/4);
//   for (const Obj& o : objs) draw_object(canvas, o);
//   describe_object(o)  // "a small red circle at top-left"
//
// Scene JSON of an object: {id, shape, color, size ("small"|"large"), cx, cy, r, region,
// bbox [x0, y0, x1, y1]}; (cx, cy) lies inside the drawn shape and shows its fill colour,
// which the visibility tests sample. Stateless, thread-safe.
#pragma once

#include <string>
#include <vector>

#include "io/json.h"
#include "util/rng.h"
#include "world/canvas.h"

namespace insightv::world {

struct Obj {
  int id = 0;
  std::string shape, color, size;  // circle|square|triangle, palette name, small|large
  double cx = 0, cy = 0, r = 0;    // centre and circumradius, pixels
  std::string region;              // region_name of the centre
};

const std::vector<std::string>& shape_names();  // circle, square, triangle
std::string shape_plural(const std::string& shape);

// n objects with random shape/colour/size in distinct cells of a grid x grid layout, jittered
// inside their cells so that they never overlap. n <= grid * grid.
std::vector<Obj> place_objects(Rng& rng, int n, int size, int grid);
void draw_object(Canvas& c, const Obj& o);
json object_to_json(const Obj& o, int size);
// "a small red circle at top-left"
std::string describe_object(const Obj& o);

}  // namespace insightv::world
