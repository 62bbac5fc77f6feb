// Unit tests of the model core: KV-cache decode vs full forward, batching with left padding,
// checkpoint save/load, strict-load errors, gradient checks, real-size parameter counts.
#include <torch/torch.h>

#include <atomic>
#include <functional>
#include <thread>

#include <gtest/gtest.h>

#include "model/checkpoint.h"
#include "support/subprocess.h"
#include "support/tensor_compare.h"
#include "support/tiny_agents.h"
#include "util/error.h"

using namespace insightv;
using insightv::test::tensors_close;

namespace {

ModelConfig small_config(bool multimodal = true) {
  ModelConfig c = test::tiny_text_config(97);
  c.vision->image_size = 32;
  c.vision->patch_size = 8;
  c.vision->hidden_size = 16;
  c.vision->intermediate_size = 32;
  c.vision->num_hidden_layers = 2;
  c.vision->num_attention_heads = 2;
  c.mm.mm_hidden_size = 16;
  if (!multimodal) c.vision.reset();
  return c;
}

MultimodalLM make_model(const ModelConfig& c, uint64_t seed = 0) {
  torch::manual_seed(static_cast<int64_t>(seed));
  MultimodalLM m(c);
  m->eval();
  return m;
}

// Central finite differences of a scalar function of x (double precision).
torch::Tensor numeric_gradient(const std::function<torch::Tensor(const torch::Tensor&)>& f, const torch::Tensor& x) {
  auto numeric = torch::zeros_like(x);
  const double h = 1e-6;
  for (int64_t i = 0; i < x.numel(); ++i) {
    auto xp = x.detach().clone(), xm = x.detach().clone();
    xp.view(-1)[i] += h;
    xm.view(-1)[i] -= h;
    numeric.view(-1)[i] = (f(xp) - f(xm)).item<double>() / (2 * h);
  }
  return numeric;
}

}  // namespace

TEST(KvCache, DecodeMatchesFullForward) {
  torch::NoGradGuard no_grad;
  auto m = make_model(small_config(false));
  auto ids = torch::randint(0, 97, {1, 20}, torch::kInt64);
  auto full = m->forward(m->embed(ids), {}).logits;  // [1,20,V]
  KvCache cache;
  DecoderInputs in;
  in.cache = &cache;
  auto prefix = m->forward(m->embed(ids.narrow(1, 0, 12)), in).logits;
  EXPECT_TRUE(tensors_close(prefix, full.narrow(1, 0, 12), 1e-4, 0));
  for (int t = 12; t < 20; ++t) {
    auto step = m->forward(m->embed(ids.narrow(1, t, 1)), in).logits;
    EXPECT_TRUE(tensors_close(step, full.narrow(1, t, 1), 1e-4, 0)) << "position " << t;
  }
  EXPECT_EQ(cache.length, 20);
}

TEST(KvCache, GrowsBeyondInitialCapacity) {
  torch::NoGradGuard no_grad;
  auto m = make_model(small_config(false));
  auto ids = torch::randint(0, 97, {1, 150}, torch::kInt64);
  auto full = m->forward(m->embed(ids), {}).logits;
  KvCache cache;
  DecoderInputs in;
  in.cache = &cache;
  m->forward(m->embed(ids.narrow(1, 0, 10)), in);
  EXPECT_EQ(cache.capacity(), 64);
  torch::Tensor last;
  for (int t = 10; t < 150; ++t) last = m->forward(m->embed(ids.narrow(1, t, 1)), in).logits;
  EXPECT_GE(cache.capacity(), 150);
  EXPECT_TRUE(tensors_close(last, full.narrow(1, 149, 1), 1e-4, 0));
}

TEST(Batching, LeftPaddedBatchEqualsOneByOne) {
  torch::NoGradGuard no_grad;
  auto m = make_model(small_config(false));
  const std::vector<int64_t> lens{5, 9, 7};
  const int64_t T = 9;
  auto ids = torch::zeros({3, T}, torch::kInt64);
  auto pad = torch::zeros({3, T}, torch::kBool);
  auto pos = torch::zeros({3, T}, torch::kInt64);
  std::vector<torch::Tensor> singles;
  for (int b = 0; b < 3; ++b) {
    auto seq = torch::randint(1, 97, {1, lens[b]}, torch::kInt64);
    singles.push_back(seq);
    ids[b].narrow(0, T - lens[b], lens[b]).copy_(seq[0]);
    pad[b].narrow(0, T - lens[b], lens[b]).fill_(true);
    pos[b].narrow(0, T - lens[b], lens[b]).copy_(torch::arange(lens[b]));
  }
  KvCache cache;
  DecoderInputs in;
  in.cache = &cache;
  in.key_padding = pad;
  in.positions = pos;
  auto batched = m->forward(m->embed(ids), in).logits;
  // One decode step for all rows, then compare with each sequence alone.
  auto next = torch::randint(1, 97, {3, 1}, torch::kInt64);
  DecoderInputs step;
  step.cache = &cache;
  step.key_padding = torch::cat({pad, torch::ones({3, 1}, torch::kBool)}, 1);
  step.positions = torch::tensor(lens, torch::kInt64).unsqueeze(1);
  auto batched_step = m->forward(m->embed(next), step).logits;
  for (int b = 0; b < 3; ++b) {
    auto alone = m->forward(m->embed(torch::cat({singles[b], next[b].unsqueeze(0)}, 1)), {}).logits;
    EXPECT_TRUE(tensors_close(batched[b].narrow(0, T - lens[b], lens[b]), alone[0].narrow(0, 0, lens[b]), 1e-4, 0))
        << "row " << b;
    EXPECT_TRUE(tensors_close(batched_step[b][0], alone[0][lens[b]], 1e-4, 0)) << "row " << b << " step";
  }
}

// The inference caches of model/llama.h FusedLinear (fused, bf16 and packed weights) are built
// on first use: four threads driving one fresh model, two of them in bf16, get what one thread
// gets alone, for products of 1 to 80 rows (matrix-vector, packed, BLAS and bf16 GEMMs). A check
// of concurrent results, not a race detector: with the lock removed it passed too (3 runs of 12
// trials on 2 cores) — the threads build identical caches; the lock makes that safe by design.
TEST(Threads, FourThreadsDrivingOneFreshModelMatchOneThreadAlone) {
  torch::NoGradGuard no_grad;
  const ModelConfig c = small_config(false);
  std::vector<torch::Tensor> ids;
  for (int64_t n : {1, 3, 9, 40, 80}) ids.push_back(torch::randint(0, 97, {1, n}, torch::kInt64));
  auto run = [&](MultimodalLM& m, bool bf16) {
    const Bf16Matmuls guard(bf16);
    std::vector<torch::Tensor> out;
    for (int rep = 0; rep < 3; ++rep)
      for (const auto& x : ids) out.push_back(m->forward(m->embed(x), {}).logits.clone());
    return out;
  };
  auto reference = make_model(c, 7);
  const auto want_fp32 = run(reference, false), want_bf16 = run(reference, true);
  for (int trial = 0; trial < 12; ++trial) {
    auto m = make_model(c, 7);  // fresh: no cache built yet
    std::atomic<int> ready{0};
    constexpr int kThreads = 4;  // two in fp32, two in bf16
    std::vector<std::vector<torch::Tensor>> got(kThreads);
    auto racer = [&](int k) {
      torch::NoGradGuard inner;
      ++ready;
      while (ready.load() < kThreads) std::this_thread::yield();  // start together
      got[static_cast<size_t>(k)] = run(m, k % 2 == 1);
    };
    std::vector<std::thread> threads;
    for (int k = 0; k < kThreads; ++k) threads.emplace_back(racer, k);
    for (auto& t : threads) t.join();
    for (int k = 0; k < kThreads; ++k) {
      const auto& want = k % 2 == 1 ? want_bf16 : want_fp32;
      ASSERT_EQ(got[static_cast<size_t>(k)].size(), want.size());
      for (size_t i = 0; i < want.size(); ++i)
        // Within float rounding: another thread may split a GEMM across its cores differently.
        EXPECT_TRUE(tensors_close(got[static_cast<size_t>(k)][i], want[i], 1e-4, 0))
            << (k % 2 == 1 ? "bf16" : "fp32") << ", trial " << trial << ", thread " << k << ", product " << i;
    }
  }
}

TEST(Checkpoint, SaveThenLoadIsBitExact) {
  const std::string dir = test::make_temp_dir("ckpt");
  const ModelConfig c = small_config();
  auto m = make_model(c, 3);
  save_checkpoint(dir, m, c);
  auto loaded = load_checkpoint(dir);
  auto a = m->named_parameters(), b = loaded.model->named_parameters();
  ASSERT_EQ(a.size(), b.size());
  for (const auto& item : a) {
    const auto* other = b.find(item.key());
    ASSERT_NE(other, nullptr) << item.key();
    EXPECT_TRUE(torch::equal(item.value(), *other)) << item.key();
  }
  EXPECT_EQ(loaded.config.text.num_key_value_heads, 2);
  EXPECT_TRUE(loaded.config.is_multimodal());
  EXPECT_TRUE(a.contains("model.vision_tower.vision_tower.vision_model.pre_layrnorm.weight"));
  EXPECT_TRUE(a.contains("model.mm_projector.2.bias"));
  EXPECT_TRUE(a.contains("model.image_newline"));
}

TEST(Checkpoint, StrictLoadListsMissingUnexpectedAndMisshapedKeys) {
  const std::string dir = test::make_temp_dir("ckpt");
  std::vector<float> buf(97 * 32, 0.f);
  write_safetensors(dir + "/w.safetensors", {{"model.embed_tokens.weight", DType::F32, {97, 16}, buf.data(), 97 * 16 * 4},
                                              {"model.bogus.weight", DType::F32, {2}, buf.data(), 8}});
  auto m = make_model(small_config(false));
  try {
    load_state_dict(*m, TensorSource(dir + "/w.safetensors"));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("missing ("), std::string::npos) << msg;
    EXPECT_NE(msg.find("model.layers.0.self_attn.q_proj.weight"), std::string::npos) << msg;
    EXPECT_NE(msg.find("mis-shaped (1): model.embed_tokens.weight (file [97, 16], model [97, 32])"), std::string::npos) << msg;
    EXPECT_NE(msg.find("unexpected (1): model.bogus.weight"), std::string::npos) << msg;
  }
}

TEST(Checkpoint, HubNamesMapToOriginalLayout) {
  EXPECT_EQ(canonical_weight_name("language_model.model.layers.3.mlp.up_proj.weight"), "model.layers.3.mlp.up_proj.weight");
  EXPECT_EQ(canonical_weight_name("multi_modal_projector.linear_2.bias"), "model.mm_projector.2.bias");
  EXPECT_EQ(canonical_weight_name("vision_tower.vision_model.post_layernorm.weight"),
            "model.vision_tower.vision_tower.vision_model.post_layernorm.weight");
  EXPECT_EQ(canonical_weight_name("lm_head.weight"), "lm_head.weight");
}

TEST(Checkpoint, WeightShardsOfAFolderAFileAndAnIndex) {
  const std::string dir = test::make_temp_dir("shards");
  try {
    weight_shards(dir, "inspect");
    FAIL() << "an empty folder has no weights";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("[inspect] '" + dir + "' has neither model.safetensors"), std::string::npos) << e.what();
  }
  write_json_file(dir + "/model.safetensors.index.json",
                  {{"weight_map", {{"a", "model-2.safetensors"}, {"b", "model-1.safetensors"}, {"c", "model-2.safetensors"}}}});
  EXPECT_EQ(weight_shards(dir, "checkpoint"),
            (std::vector<std::string>{dir + "/model-1.safetensors", dir + "/model-2.safetensors"}));
  EXPECT_EQ(weight_shards(dir + "/x.safetensors", "checkpoint"), std::vector<std::string>{dir + "/x.safetensors"});
  write_json_file(dir + "/model.safetensors.index.json", {{"weight_map", {{"a", "../elsewhere.safetensors"}}}});
  EXPECT_THROW(weight_shards(dir, "checkpoint"), Error);
  write_json_file(dir + "/model.safetensors.index.json", {{"metadata", json::object()}});
  EXPECT_THROW(weight_shards(dir, "checkpoint"), Error);
}

TEST(Checkpoint, ShardedIndexLoads) {
  const std::string dir = test::make_temp_dir("ckpt");
  const ModelConfig c = small_config(false);
  auto m = make_model(c, 5);
  save_checkpoint(dir, m, c);
  // Split the single file into two shards with an index.
  TensorSource whole(dir + "/model.safetensors");
  std::vector<torch::Tensor> keep;
  std::vector<TensorView> first, second;
  json weight_map = json::object();
  int i = 0;
  for (const auto& name : whole.names()) {
    auto t = whole.get(name).contiguous();
    keep.push_back(t);
    TensorView v{name, DType::F32, std::vector<int64_t>(t.sizes().begin(), t.sizes().end()), t.data_ptr(),
                 static_cast<size_t>(t.numel()) * 4};
    ((i++ % 2) ? second : first).push_back(v);
    weight_map[name] = (i % 2) ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
  }
  write_safetensors(dir + "/model-00001-of-00002.safetensors", first);
  write_safetensors(dir + "/model-00002-of-00002.safetensors", second);
  write_json_file(dir + "/model.safetensors.index.json", {{"weight_map", weight_map}});
  std::remove((dir + "/model.safetensors").c_str());
  auto loaded = load_checkpoint(dir);
  for (const auto& item : m->named_parameters())
    EXPECT_TRUE(torch::equal(item.value(), loaded.model->named_parameters()[item.key()])) << item.key();
}

TEST(Vocabulary, NewRowsAreTheMeanAndOldRowsStay) {
  auto m = make_model(small_config(false), 9);
  auto before = m->model->embed_tokens->weight.detach().clone();
  auto head = m->lm_head->weight.detach().clone();
  m->resize_vocabulary(101);
  auto after = m->model->embed_tokens->weight;
  ASSERT_EQ(after.size(0), 101);
  EXPECT_TRUE(torch::equal(after.narrow(0, 0, 97), before));
  for (int64_t r = 97; r < 101; ++r) EXPECT_TRUE(torch::allclose(after[r], before.mean(0)));
  EXPECT_TRUE(torch::allclose(m->lm_head->weight[100], head.mean(0)));
  EXPECT_EQ(m->config().text.vocab_size, 101);
  torch::NoGradGuard g;
  EXPECT_EQ(m->forward(m->embed(torch::tensor({{100}}, torch::kInt64)), {}).logits.size(2), 101);
  EXPECT_THROW(m->resize_vocabulary(50), Error);
}

TEST(Gradients, RmsNormMatchesFiniteDifferences) {
  torch::manual_seed(0);
  RMSNorm norm(6, 1e-5);
  norm->weight.data().copy_(torch::rand({6}, torch::kFloat64).to(torch::kFloat32) + 0.5);
  norm->to(torch::kFloat64);
  auto x = torch::randn({3, 6}, torch::kFloat64).requires_grad_(true);
  EXPECT_TRUE(torch::autograd::grad({norm(x).pow(2).sum()}, {x})[0].defined());
  auto f = [&](const torch::Tensor& in) { return norm(in).sin().sum(); };
  auto analytic = torch::autograd::grad({f(x)}, {x})[0];
  EXPECT_TRUE(tensors_close(analytic, numeric_gradient(f, x), 1e-6, 1e-5));
}

TEST(Gradients, AttentionMatchesFiniteDifferences) {
  torch::manual_seed(1);
  TextConfig c = small_config(false).text;
  c.hidden_size = 8;
  c.num_attention_heads = 2;
  c.num_key_value_heads = 1;
  c.head_dim = 4;
  Attention attn(c);
  attn->to(torch::kFloat64);
  Rope rope(4, 10000.0);
  auto [cos, sin] = rope.tables(torch::arange(5).unsqueeze(0));
  auto mask = build_attention_mask(1, 5, 0, {}, torch::TensorOptions().dtype(torch::kFloat64));
  auto x = torch::randn({1, 5, 8}, torch::kFloat64).requires_grad_(true);
  auto f = [&](const torch::Tensor& in) {
    return attn->forward(in, cos.to(torch::kFloat64), sin.to(torch::kFloat64), mask, nullptr, 0).tanh().sum();
  };
  auto analytic = torch::autograd::grad({f(x)}, {x})[0];
  EXPECT_TRUE(tensors_close(analytic, numeric_gradient(f, x), 1e-6, 1e-5));
}

TEST(Config, RealLlavaNextLlama3SizeWithoutAllocating) {
  const ModelConfig c = preset_config("llava-next-llama3-8b");
  const ParamCount p = count_parameters(c);
  EXPECT_EQ(p.llm, 8030261248);  // Meta-Llama-3-8B
  EXPECT_NEAR(static_cast<double>(p.total()) / 1e9, 8.35, 0.01);
  EXPECT_EQ(c.mm.image_grid_pinpoints.size(), 9u);
}

TEST(Config, CountMatchesBuiltModel) {
  const ModelConfig c = small_config();
  auto m = make_model(c);
  int64_t n = 0;
  for (const auto& p : m->parameters()) n += p.numel();
  EXPECT_EQ(count_parameters(c).total(), n);
}

TEST(Config, ExpectedParametersEqualTheBuiltModel) {
  for (bool mm : {true, false}) {
    ModelConfig c = small_config(mm);
    c.text.attention_bias = mm;  // cover the Qwen2 biases too
    c.text.tie_word_embeddings = !mm;
    auto m = make_model(c);
    auto params = m->named_parameters();
    const auto expected = expected_parameters(c);
    ASSERT_EQ(expected.size(), params.size());
    for (const auto& [name, shape] : expected) {
      const auto* p = params.find(name);
      ASSERT_NE(p, nullptr) << name;
      EXPECT_EQ(p->sizes().vec(), shape) << name;
    }
  }
}

TEST(Config, RoundTripsThroughJson) {
  const ModelConfig c = preset_config("llava-next-llama3-8b");
  const ModelConfig back = parse_model_config(model_config_to_json(c));
  EXPECT_EQ(back.text.rope_theta, 500000.0);
  EXPECT_EQ(back.vision->image_size, 336);
  EXPECT_EQ(back.mm.image_grid_pinpoints, c.mm.image_grid_pinpoints);
  EXPECT_THROW(parse_model_config(json{{"hidden_size", 8}}), Error);
  EXPECT_THROW(preset_config("gigantic"), Error);
}
