// tests/support/tiny_agents.h — a tokenizer and tiny multimodal models for agent, engine and
// server tests: the toy byte tokenizer with the LLaMA-3 template's and Insight-V's special
// tokens, and a LLaVA model small enough that a decode step takes well under a millisecond.
#pragma once

#include <string>

#include "io/image.h"
#include "io/tokenizer.h"
#include "model/llava.h"

namespace insightv::test {

Tokenizer tiny_agent_tokenizer();
// The nano config with a 2-layer, 32-wide decoder over `vocab` tokens (vision as in nano).
ModelConfig tiny_text_config(int64_t vocab);
// tiny_text_config with a one-layer, 32-wide tower: 32×32 images → 4 image tokens.
ModelConfig tiny_multimodal_config(int64_t vocab);
// A multimodal model (32×32 images → 4 image tokens) whose vocabulary is `vocab`.
MultimodalLM tiny_multimodal_lm(int64_t vocab, uint64_t seed = 0);
// A small checkpoint folder (config.json, model.safetensors, tokenizer files) for CLI tests.
std::string write_tiny_agent_checkpoint(const std::string& dir, uint64_t seed = 0);
Image tiny_test_image(int w = 40, int h = 30);
std::string png_data_uri(const Image& img);

}  // namespace insightv::test
