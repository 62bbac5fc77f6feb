// bench/bench_world.cpp — VisWorld throughput per family on one thread: tasks/s for the whole
// task (scene + question + solver + cairo render + PNG encode), the same without rendering
// (scene + solver only), and the reference measured in the same run: PNG encoding alone of
// that family's images. vs_png_encode = task rate / PNG-encode rate (1.0 would mean the task
// costs no more than encoding its PNG).
// The three are measured in interleaved batches of 32 tasks, so machine load hits them alike.
// Usage: bench_world [size=128] [seconds=1.0] (each family runs about 3x seconds)
// Prints one JSON object per family, then one for all families together.
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "io/image.h"
#include "util/timer.h"
#include "world/generate.h"

namespace {

using insightv::Image;
using insightv::Stopwatch;
namespace world = insightv::world;

}  // namespace

int main(int argc, char** argv) {
  const int size = argc > 1 ? std::atoi(argv[1]) : 128;
  const double seconds = argc > 2 ? std::atof(argv[2]) : 1.0;
  constexpr int kBatch = 32;
  double total_time = 0;
  int families = 0;
  for (const world::Family* f : world::families()) {
    world::TaskSpec spec;
    spec.family = f;
    spec.size = size;
    // Interleave small batches of the three measurements so that all see the same machine
    // load (the development machine is shared): whole tasks, PNG encodes of those same images,
    // and scene + solver without rendering.
    double t_full = 0, t_png = 0, t_solve = 0;
    int64_t n = 0;
    std::vector<Image> images(kBatch);
    Stopwatch total;
    while (total.seconds() < 3 * seconds) {
      Stopwatch sw;
      for (int k = 0; k < kBatch; ++k) {
        spec.index = n + k;
        world::generate_task(spec, &images[static_cast<size_t>(k)]);
        (void)insightv::encode_png(images[static_cast<size_t>(k)]);
      }
      t_full += sw.seconds();
      sw.reset();
      for (int k = 0; k < kBatch; ++k) (void)insightv::encode_png(images[static_cast<size_t>(k)]);
      t_png += sw.seconds();
      sw.reset();
      for (int k = 0; k < kBatch; ++k) {
        spec.index = n + k;
        world::generate_task(spec, nullptr);
      }
      t_solve += sw.seconds();
      n += kBatch;
    }
    const double full = n / t_full, png = n / t_png, solve_only = n / t_solve;
    std::printf("{\"bench\":\"world\",\"family\":\"%s\",\"size\":%d,\"threads\":1,\"tasks\":%lld,"
                "\"tasks_per_s\":%.0f,\"solve_only_per_s\":%.0f,\"png_encode_per_s\":%.0f,"
                "\"vs_png_encode\":%.3f}\n",
                f->name(), size, static_cast<long long>(n), full, solve_only, png, full / png);
    std::fflush(stdout);
    total_time += 1.0 / full;
    ++families;
  }
  std::printf("{\"bench\":\"world\",\"family\":\"all\",\"size\":%d,\"threads\":1,\"tasks_per_s\":%.0f}\n", size,
              families / total_time);
  return 0;
}
