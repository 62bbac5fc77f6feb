// tests/support/golden.h — where the reference outputs from Hugging Face transformers live
// (../shared/golden, copied to tests/data/golden): one folder per tiny model.
#pragma once

#include <string>

namespace insightv::test {

// The golden folder, with a trailing slash: golden_dir() + "llava_next".
inline std::string golden_dir() { return std::string(INSIGHTV_SOURCE_DIR) + "/tests/data/golden/"; }

}  // namespace insightv::test
