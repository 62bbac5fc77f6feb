// world/describe.h — a plain-English description of a task's image, from its scene graph.
//
//   std::string c = describe_scene(task);
//   // "The image shows 3 objects: a large purple circle at top, a large blue circle at center
//   //  and a large cyan circle at top-left."
//
// The captions of the nano base model's pre-training stage (the LLaVA-NeXT stand-in sees and
// names what is in the image before it learns to reason). Every family has its own wording;
// pixel coordinates are never mentioned. Pure function of the task; thread-safe.
#pragma once
#include <string>

#include "world/task.h"

namespace insightv::world {

std::string describe_scene(const Task& task);

}  // namespace insightv::world
