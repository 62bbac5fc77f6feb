// train/train_state.cpp — atomic, resumable training checkpoints.
#include <torch/torch.h>

#include "train/train_state.h"

#include <cstdio>
#include <cstdlib>

#include "model/checkpoint.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/log.h"

namespace insightv {

void save_train_state(const std::string& out_dir, int64_t step, MultimodalLM& lm, const ModelConfig& config,
                      torch::optim::Optimizer& opt, const json& state, torch::nn::Module* extra) {
  const std::string root = join_path(out_dir, "checkpoints");
  const std::string name = "ckpt-" + std::to_string(step);
  const std::string dir = join_path(root, name);
  save_checkpoint(dir, lm, config);
  make_dirs(join_path(dir, "trainer_state"));
  torch::serialize::OutputArchive archive;
  opt.save(archive);
  const std::string tmp = join_path(dir, "trainer_state/optimizer.pt.tmp");
  archive.save_to(tmp);
  check(std::rename(tmp.c_str(), join_path(dir, "trainer_state/optimizer.pt").c_str()) == 0, "train",
        "cannot write the optimizer state in " + dir);
  if (extra != nullptr) {
    torch::serialize::OutputArchive extra_archive;
    extra->save(extra_archive);
    const std::string extra_tmp = join_path(dir, "trainer_state/extra.pt.tmp");
    extra_archive.save_to(extra_tmp);
    check(std::rename(extra_tmp.c_str(), join_path(dir, "trainer_state/extra.pt").c_str()) == 0, "train",
          "cannot write the extra modules' state in " + dir);
  }
  json st = state;
  st["step"] = step;
  write_json_file(join_path(dir, "trainer_state/state.json"), st);
  // The pointer moves last: a crash before this line leaves the previous checkpoint current.
  const std::string latest = join_path(root, "latest");
  const std::string previous = file_exists(latest) ? read_file(latest) : "";
  write_file_atomic(latest, name);
  if (!previous.empty() && previous != name) std::system(("rm -rf '" + join_path(root, previous) + "'").c_str());
}

json load_train_state(const std::string& out_dir, MultimodalLM& lm, torch::optim::Optimizer& opt,
                      torch::nn::Module* extra) {
  const std::string root = join_path(out_dir, "checkpoints");
  const std::string latest = join_path(root, "latest");
  if (!file_exists(latest)) return nullptr;
  const std::string dir = join_path(root, read_file(latest));
  load_state_dict(*lm, TensorSource(dir));
  torch::serialize::InputArchive archive;
  archive.load_from(join_path(dir, "trainer_state/optimizer.pt"));
  opt.load(archive);
  if (extra != nullptr) {
    const std::string extra_path = join_path(dir, "trainer_state/extra.pt");
    check(file_exists(extra_path), "train", dir + " holds no state for the modules trained beside the model",
          "it was written by another trainer; start afresh");
    torch::serialize::InputArchive extra_archive;
    extra_archive.load_from(extra_path);
    extra->load(extra_archive);
  }
  json st = read_json_file(join_path(dir, "trainer_state/state.json"));
  IV_LOG(info) << "resuming from " << dir << " at step " << st["step"].get<int64_t>();
  return st;
}

void keep_metrics_until(const std::string& out_dir, int64_t step) {
  const std::string path = join_path(out_dir, "metrics.jsonl");
  if (!file_exists(path)) return;
  std::string kept;
  for (const json& row : read_jsonl(path, JsonlOptions{/*allow_truncated_tail=*/true}))
    if (row.value("step", int64_t{0}) <= step) kept += row.dump() + "\n";
  write_file_atomic(path, kept);
}

}  // namespace insightv
