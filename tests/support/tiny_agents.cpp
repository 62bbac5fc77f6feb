// tests/support/tiny_agents.cpp — see tiny_agents.h.
#include <torch/torch.h>

#include "support/tiny_agents.h"

#include "io/base64.h"
#include "io/tokenizer_file.h"
#include "model/checkpoint.h"
#include "support/toy_tokenizer.h"
#include "util/fs.h"

namespace insightv::test {

namespace {
TokenizerSpec tiny_spec() {
  return toy_spec({{"e", " "}, {"t", "h"}, {"th", "e"}},
                  {"<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>", "<image>",
                   "<thoughts>", "</thoughts>", "<output>", "</output>"});
}

}  // namespace

ModelConfig tiny_multimodal_config(int64_t vocab) {
  ModelConfig c = tiny_text_config(vocab);
  c.vision->image_size = 32;
  c.vision->patch_size = 16;
  c.vision->hidden_size = 32;
  c.vision->intermediate_size = 64;
  c.vision->num_hidden_layers = 1;
  c.vision->num_attention_heads = 2;
  c.mm.mm_hidden_size = 32;
  return c;
}

ModelConfig tiny_text_config(int64_t vocab) {
  ModelConfig c = preset_config("nano");
  c.text.vocab_size = vocab;
  c.text.hidden_size = 32;
  c.text.intermediate_size = 48;
  c.text.num_hidden_layers = 2;
  c.text.num_attention_heads = 4;
  c.text.num_key_value_heads = 2;
  c.text.head_dim = 8;
  return c;
}

Tokenizer tiny_agent_tokenizer() { return Tokenizer(tiny_spec()); }

MultimodalLM tiny_multimodal_lm(int64_t vocab, uint64_t seed) {
  torch::manual_seed(static_cast<int64_t>(seed));
  MultimodalLM m(tiny_multimodal_config(vocab));
  torch::NoGradGuard g;
  for (auto& p : m->parameters()) p.mul_(3.0);  // well-separated greedy choices
  m->eval();
  return m;
}

std::string write_tiny_agent_checkpoint(const std::string& dir, uint64_t seed) {
  const Tokenizer tok = tiny_agent_tokenizer();
  MultimodalLM m = tiny_multimodal_lm(tok.vocab_size(), seed);
  save_checkpoint(dir, m, m->config());
  write_tokenizer_files(dir, tiny_spec());
  return dir;
}

Image tiny_test_image(int w, int h) {
  Image img(w, h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      uint8_t* p = img.at(x, y);
      p[0] = static_cast<uint8_t>(x * 6);
      p[1] = static_cast<uint8_t>(y * 8);
      p[2] = static_cast<uint8_t>((x + y) * 3);
    }
  return img;
}

std::string png_data_uri(const Image& img) { return "data:image/png;base64," + base64_encode(encode_png(img)); }

}  // namespace insightv::test
