// tests/support/vw_tasks.cpp — see vw_tasks.h.
#include "support/vw_tasks.h"

#include "io/json.h"
#include "util/fs.h"
#include "world/family.h"
#include "world/generate.h"

namespace insightv::test {

std::vector<world::Task> make_vw_tasks(int n, uint64_t world_seed) {
  std::vector<world::Task> out;
  const auto& fams = world::families();
  for (int i = 0; i < n; ++i) {
    world::TaskSpec spec;
    spec.family = fams[static_cast<size_t>(i) % fams.size()];
    spec.index = i;
    spec.world_seed = world_seed;
    out.push_back(world::generate_task(spec, nullptr));
  }
  return out;
}

std::string write_vw_tasks(const std::string& dir, const std::vector<world::Task>& tasks) {
  make_dirs(dir);
  std::vector<json> rows;
  for (const auto& t : tasks) rows.push_back(world::task_to_json(t));
  write_jsonl_atomic(join_path(dir, "tasks.jsonl"), rows);
  return dir;
}

}  // namespace insightv::test
