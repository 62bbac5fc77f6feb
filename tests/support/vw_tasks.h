// tests/support/vw_tasks.h — VisWorld tasks for pipeline tests, made in memory (no images)
// or written to a folder (tasks.jsonl only; image paths point at files that do not exist,
// which the teacher never reads).
#pragma once

#include <string>
#include <vector>

#include "world/task.h"

namespace insightv::test {

// n tasks cycling through every family, difficulties 1..3, deterministic.
std::vector<world::Task> make_vw_tasks(int n, uint64_t world_seed = 1);
// Writes them to <dir>/tasks.jsonl and returns dir.
std::string write_vw_tasks(const std::string& dir, const std::vector<world::Task>& tasks);

}  // namespace insightv::test
