// pipeline/local_backend.cpp — see local_backend.h.
#include "pipeline/local_backend.h"

#include <torch/torch.h>

#include <list>
#include <map>
#include <mutex>

#include "infer/generator.h"
#include "io/chat_template.h"
#include "io/image.h"
#include "io/tokenizer.h"
#include "model/checkpoint.h"
#include "model/image_processor.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/rng.h"

namespace insightv::pipeline {

struct LocalBackend::Impl {
  LocalOptions opts;
  Checkpoint ckpt;
  std::unique_ptr<Tokenizer> tok;
  std::unique_ptr<ChatTemplate> tpl;
  std::unique_ptr<Generator> gen;
  int32_t eot = -1;
  mutable std::mutex mu;
  struct Cached {
    std::string image;
    std::vector<int64_t> ids;
    DecodeState state;
  };
  std::list<Cached> cache;  // most recent first
  std::map<std::string, torch::Tensor> features;
  LocalStats stats;

  torch::Tensor image_features(const std::string& path) {
    auto it = features.find(path);
    if (it != features.end()) return it->second;
    check(ckpt.config.vision.has_value(), "local", "the checkpoint has no vision tower",
          "use a multimodal checkpoint for image questions");
    c10::InferenceMode guard;
    const ImageTiles tiles = preprocess_image(read_image(path), ckpt.config);
    torch::Tensor f = ckpt.model->pack_anyres(ckpt.model->encode_tiles(tiles.pixels), tiles.size);
    ++stats.image_encodes;
    if (features.size() >= 64) features.clear();
    features[path] = f;
    return f;
  }

  // The longest cached state whose ids are a prefix of `ids` (same image); end() if none.
  std::list<Cached>::iterator longest_prefix(const std::string& image, const std::vector<int64_t>& ids) {
    auto best = cache.end();
    for (auto it = cache.begin(); it != cache.end(); ++it) {
      if (it->image != image || it->ids.size() > ids.size()) continue;
      if (best != cache.end() && it->ids.size() <= best->ids.size()) continue;
      if (std::equal(it->ids.begin(), it->ids.end(), ids.begin())) best = it;
    }
    return best;
  }

  void remember(const std::string& image, std::vector<int64_t> ids, const DecodeState& s) {
    for (auto it = cache.begin(); it != cache.end(); ++it)
      if (it->image == image && it->ids == ids) {
        cache.splice(cache.begin(), cache, it);
        return;
      }
    cache.push_front(Cached{image, std::move(ids), s.clone()});
    while (static_cast<int>(cache.size()) > opts.max_cached_states) cache.pop_back();
  }
};

LocalBackend::LocalBackend(const std::string& dir, LocalOptions opts)
    : dir_(dir), impl_(std::make_unique<Impl>()) {
  Impl& im = *impl_;
  im.opts = opts;
  check(file_exists(join_path(dir, "tokenizer.json")), "local",
        "no tokenizer.json in '" + dir + "'", "make the checkpoint with `insightv model init --tokenizer DIR`");
  im.ckpt = load_checkpoint(dir);
  im.ckpt.model->eval();
  im.tok = std::make_unique<Tokenizer>(Tokenizer::load(join_path(dir, "tokenizer.json")));
  im.tpl = std::make_unique<ChatTemplate>(opts.chat_template, *im.tok);
  im.gen = std::make_unique<Generator>(im.ckpt.model);
  im.eot = im.tpl->stop_ids().empty() ? -1 : im.tpl->stop_ids().front();
}

LocalBackend::~LocalBackend() {
  const LocalStats& s = impl_->stats;
  IV_LOG(info) << "[local] " << s.calls << " calls: " << s.prefills << " prefills ("
               << s.tokens_prefilled << " tokens), " << s.prefix_hits << " prefix-cache hits, "
               << s.image_encodes << " image encodes, " << s.tokens_extended << " tokens extended, "
               << s.tokens_generated << " generated";
}

LocalStats LocalBackend::stats() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->stats;
}

std::string LocalBackend::chat(const ChatRequest& req) {
  Impl& im = *impl_;
  std::vector<insightv::ChatMessage> msgs;
  bool with_image = false;
  for (const auto& m : *req.messages) {
    const bool img = m.has_image && !req.image_path.empty();
    with_image = with_image || img;
    msgs.push_back({m.role, (img ? "<image>\n" : "") + m.text});
  }
  const EncodedChat enc = im.tpl->generation_prompt(msgs);
  std::vector<int64_t> ids(enc.ids.begin(), enc.ids.end());
  for (size_t p : enc.image_positions) ids[p] = im.ckpt.config.mm.image_token_index;
  const std::string image = with_image ? req.image_path : "";
  // The cache boundary: just after the prompt's last <|eot_id|>.
  size_t boundary = 0;
  for (size_t i = ids.size(); i-- > 0;)
    if (ids[i] == im.eot) {
      boundary = i + 1;
      break;
    }

  std::lock_guard<std::mutex> lock(im.mu);
  c10::InferenceMode guard;
  ++im.stats.calls;
  DecodeState state;
  size_t have = 0;
  auto hit = im.longest_prefix(image, ids);
  if (hit != im.cache.end() && hit->ids.size() <= boundary && !hit->ids.empty()) {
    state = hit->state.clone();
    have = hit->ids.size();
    ++im.stats.prefix_hits;
  } else {
    const size_t upto = boundary > 0 ? boundary : ids.size();
    Prompt prompt{std::vector<int64_t>(ids.begin(), ids.begin() + static_cast<long>(upto)), {}};
    if (with_image)
      for (size_t p : enc.image_positions)
        if (p < upto) prompt.images.push_back(im.image_features(req.image_path));
    state = im.gen->prefill({prompt});
    have = upto;
    ++im.stats.prefills;
    im.stats.tokens_prefilled += static_cast<int64_t>(upto);
  }
  if (have < boundary) {
    im.gen->extend(state, std::vector<int64_t>(ids.begin() + static_cast<long>(have), ids.begin() + static_cast<long>(boundary)));
    im.stats.tokens_extended += static_cast<int64_t>(boundary - have);
    have = boundary;
  }
  if (boundary > 0) im.remember(image, std::vector<int64_t>(ids.begin(), ids.begin() + static_cast<long>(boundary)), state);
  if (have < ids.size()) {
    im.gen->extend(state, std::vector<int64_t>(ids.begin() + static_cast<long>(have), ids.end()));
    im.stats.tokens_extended += static_cast<int64_t>(ids.size() - have);
  }
  GenerationParams p;
  p.max_new_tokens = req.sampling.max_tokens;
  p.sampling.temperature = static_cast<float>(req.sampling.temperature);
  p.sampling.top_p = static_cast<float>(req.sampling.top_p);
  p.sampling.repetition_penalty = static_cast<float>(req.sampling.repetition_penalty);
  p.sampling.seed = mix_seed(req.seed, static_cast<uint64_t>(ids.size()));  // per call, reproducible;
  for (int32_t s : im.tpl->stop_ids()) p.stop_ids.push_back(s);
  const auto results = im.gen->decode(state, {p});
  const auto& toks = results.at(0).tokens;
  im.stats.tokens_generated += static_cast<int64_t>(toks.size());
  // Special tokens are dropped (a generated <image> would become a placeholder without
  // features in the next prompt) and invalid UTF-8 is repaired (the reply is re-tokenized).
  DecodeOptions dopt;
  dopt.skip_special = true;
  dopt.repair_utf8 = true;
  return im.tok->decode(std::vector<int32_t>(toks.begin(), toks.end()), dopt);
}

std::unique_ptr<ChatBackend> make_local_backend(const std::string& dir, const BackendOptions&) {
  return std::make_unique<LocalBackend>(dir);
}

}  // namespace insightv::pipeline
