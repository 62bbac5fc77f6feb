// The local: backend on a tiny random checkpoint: the protocol runs end to end (a random model
// writes garbage, so the repair / 3-try / Error-step path is what runs), the image and the
// prompt prefix are encoded once and every later call of a path extends a cached prefix, and
// paths are reproducible for a seed.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "io/bpe_trainer.h"
#include "io/image.h"
#include "io/tokenizer.h"
#include "model/checkpoint.h"
#include "model/config.h"
#include "model/llava.h"
#include "pipeline/local_backend.h"
#include "pipeline/protocol.h"
#include "support/subprocess.h"
#include "support/vw_tasks.h"
#include "util/fs.h"

namespace insightv::pipeline {
namespace {

// A checkpoint folder with a BPE tokenizer trained on the protocol's prompts and a tiny model.
std::string make_tiny_checkpoint(const std::string& dir) {
  BpeTrainerOptions bo;
  bo.vocab_size = 320;
  const std::string corpus = system_prompt() + prefill_assistant() + continue_prompt() +
                             invalid_json_prompt() + final_answer_prompt() +
                             R"({"title": "Step", "content": "count", "next_action": "continue"})";
  const TokenizerSpec spec = train_bpe(corpus, bo);
  write_tokenizer_files(dir, spec);
  const Tokenizer tok = Tokenizer::load(join_path(dir, "tokenizer.json"));
  ModelConfig c = preset_config("nano");
  c.text.vocab_size = tok.vocab_size();
  c.text.hidden_size = 32;
  c.text.intermediate_size = 64;
  c.text.num_hidden_layers = 2;
  c.text.num_attention_heads = 4;
  c.text.num_key_value_heads = 2;
  c.text.head_dim = 8;
  c.vision->image_size = 16;
  c.vision->patch_size = 8;
  c.vision->hidden_size = 16;
  c.vision->intermediate_size = 32;
  c.vision->num_hidden_layers = 1;
  c.vision->num_attention_heads = 2;
  c.mm.mm_hidden_size = 16;
  c.mm.image_token_index = tok.token_to_id("<image>");
  torch::manual_seed(0);
  MultimodalLM m(c);
  save_checkpoint(dir, m, c);
  return dir;
}

TEST(LocalBackend, RunsTheProtocolAndReusesTheImageAndPromptPrefix) {
  const std::string dir = test::make_temp_dir("local-backend");
  const std::string ckpt = make_tiny_checkpoint(dir + "/ckpt");
  write_png(dir + "/img.png", Image(32, 32, 200));
  const world::Task task = test::make_vw_tasks(1)[0];
  ProtocolOptions po;
  po.max_steps = 4;
  po.sampling.max_tokens = 12;

  LocalBackend b(ckpt);
  const ReasoningPath p = run_protocol(b, task, dir + "/img.png", 0, 7, po);
  EXPECT_GE(p.steps.size(), 1u);
  EXPECT_LE(p.steps.size(), 4u);
  EXPECT_GE(p.error_steps, 1);  // a random model does not write valid steps
  LocalStats s = b.stats();
  EXPECT_EQ(s.calls, p.calls);
  EXPECT_EQ(s.image_encodes, 1);
  EXPECT_EQ(s.prefills, 1);
  EXPECT_EQ(s.prefix_hits, p.calls - 1);

  // A second path of the same question starts from the cached image + question prefix.
  const ReasoningPath q = run_protocol(b, task, dir + "/img.png", 1, 8, po);
  s = b.stats();
  EXPECT_EQ(s.image_encodes, 1);
  EXPECT_EQ(s.prefills, 1);
  EXPECT_EQ(s.prefix_hits, p.calls + q.calls - 1);

  // Reproducible for a seed, on a fresh backend.
  LocalBackend fresh(ckpt);
  const ReasoningPath again = run_protocol(fresh, task, dir + "/img.png", 0, 7, po);
  json a = path_to_json(p), c = path_to_json(again);
  a.erase("elapsed_ms");
  c.erase("elapsed_ms");
  EXPECT_EQ(a, c);
}

}  // namespace
}  // namespace insightv::pipeline
