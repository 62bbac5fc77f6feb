// bench/bench_world.cpp — VisWorld throughput per family on one thread: tasks/s for the whole
// task (scene + question + solver + cairo render + PNG encode), the same without rendering
// (scene + solver only), and the reference measured in the same run: PNG encoding alone of
// that family's images. vs_png_encode = task rate / PNG-encode rate (1.0 would mean the task
// costs no more than encoding its PNG).
// Usage: bench_world [size=128] [seconds per figure=1.0]
// Prints one JSON object per family, then one for all families together.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "io/image.h"
#include "util/timer.h"
#include "world/generate.h"

namespace {

using insightv::Image;
using insightv::Stopwatch;
namespace world = insightv::world;

// Runs fn(i) for i = 0, 1, ... until `seconds` pass; returns calls per second.
template <class Fn>
double rate(double seconds, Fn fn) {
  Stopwatch sw;
  int64_t n = 0;
  while (sw.seconds() < seconds) fn(n++);
  return static_cast<double>(n) / sw.seconds();
}

}  // namespace

int main(int argc, char** argv) {
  const int size = argc > 1 ? std::atoi(argv[1]) : 128;
  const double seconds = argc > 2 ? std::atof(argv[2]) : 1.0;
  double total_time = 0;
  int families = 0;
  for (const world::Family* f : world::families()) {
    world::TaskSpec spec;
    spec.family = f;
    spec.size = size;
    size_t png_bytes = 0;
    const double full = rate(seconds, [&](int64_t i) {
      spec.index = i;
      Image img;
      world::generate_task(spec, &img);
      png_bytes += insightv::encode_png(img).size();
    });
    const double solve_only = rate(seconds, [&](int64_t i) {
      spec.index = i;
      world::generate_task(spec, nullptr);
    });
    std::vector<Image> images(64);
    for (size_t i = 0; i < images.size(); ++i) {
      spec.index = static_cast<int64_t>(i);
      world::generate_task(spec, &images[i]);
    }
    const double png = rate(seconds, [&](int64_t i) {
      (void)insightv::encode_png(images[static_cast<size_t>(i) % images.size()]);
    });
    std::printf("{\"bench\":\"world\",\"family\":\"%s\",\"size\":%d,\"threads\":1,\"tasks_per_s\":%.0f,"
                "\"solve_only_per_s\":%.0f,\"png_encode_per_s\":%.0f,\"vs_png_encode\":%.3f}\n",
                f->name(), size, full, solve_only, png, full / png);
    std::fflush(stdout);
    total_time += 1.0 / full;
    ++families;
  }
  std::printf("{\"bench\":\"world\",\"family\":\"all\",\"size\":%d,\"threads\":1,\"tasks_per_s\":%.0f}\n", size,
              families / total_time);
  return 0;
}
