// eval/probe.cpp — own-image vs other-image cross-entropy of the first answer token.
#include <torch/torch.h>

#include "eval/probe.h"

#include <algorithm>
#include <cstdio>
#include <set>

#include "data/llava_json.h"
#include "data/sft_data.h"
#include "io/image.h"
#include "io/tokenizer.h"
#include "model/checkpoint.h"
#include "model/image_processor.h"
#include "model/runtime.h"
#include "train/batch_builder.h"
#include "train/losses.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/progress.h"
#include "util/rng.h"
#include "world/task.h"

namespace insightv::eval {

namespace {

// Each task's partner: the family's tasks in a seeded random cycle, each paired with the next.
std::vector<size_t> same_family_partners(const std::vector<world::Task>& tasks, uint64_t seed) {
  std::map<std::string, std::vector<size_t>> by_family;
  for (size_t i = 0; i < tasks.size(); ++i) by_family[tasks[i].family].push_back(i);
  std::vector<size_t> partner(tasks.size());
  for (auto& [family, idx] : by_family) {
    check(idx.size() >= 2, "probe", "family " + family + " has a single task; the probe pairs tasks within a family",
          "probe at least two tasks per family");
    Rng rng(mix_seed(seed, fnv1a64(family)));
    rng.shuffle(idx);
    for (size_t k = 0; k < idx.size(); ++k) partner[idx[k]] = idx[(k + 1) % idx.size()];
  }
  return partner;
}

// A token's text for the histogram: bytes outside ASCII (a token may end inside a UTF-8
// character) become '?', so the JSON and Markdown stay valid.
std::string printable(std::string s) {
  for (char& ch : s)
    if (static_cast<unsigned char>(ch) >= 0x80 || static_cast<unsigned char>(ch) < 0x20) ch = '?';
  return s;
}

std::string fmt(double v, int digits = 3) {
  char b[32];
  std::snprintf(b, sizeof b, "%.*f", digits, v);
  return b;
}

}  // namespace

ProbeResult run_probe(const ProbeConfig& cfg) {
  check(!cfg.model.empty() && !cfg.tasks.empty(), "probe", "the probe needs --model and a VisWorld task folder");
  std::vector<world::Task> tasks = world::read_tasks(cfg.tasks);
  if (cfg.limit > 0 && static_cast<int64_t>(tasks.size()) > cfg.limit) tasks.resize(static_cast<size_t>(cfg.limit));
  check(!tasks.empty(), "probe", cfg.tasks + " holds no tasks");
  const std::string root = world::tasks_root(cfg.tasks);
  Checkpoint ck = load_checkpoint(cfg.model);
  check(ck.config.is_multimodal(), "probe", cfg.model + " has no vision tower: there is no image to probe");
  const Tokenizer tok = Tokenizer::load(cfg.model);
  ck.model->eval();
  const ModelConfig mc = ck.config;

  std::vector<data::LlavaSample> samples;
  const bool whole_reply = cfg.answer_style != data::AnswerStyle::letter;
  for (const auto& t : tasks) samples.push_back(data::task_to_llava(t, join_path(root, t.image), cfg.answer_style));
  SftDataOptions d;
  d.template_name = cfg.template_name;
  d.image_token_index = mc.mm.image_token_index;
  d.max_length = 1 << 20;
  const std::vector<TrainExample> own = build_sft_examples(samples, tok, d, "");
  const std::vector<size_t> partner = same_family_partners(tasks, cfg.seed);

  BatchBuilder batches(ck.model, [mc](const std::string& path) { return preprocess_image(read_image(path), mc); },
                       1 << 20);
  ProbeResult r;
  r.answer_style = cfg.answer_style;
  std::map<std::string, size_t> family_index;
  ProgressOptions po;
  po.enabled = cfg.progress;
  Progress bar("probe", static_cast<int64_t>(tasks.size()), "tasks", po);
  torch::NoGradGuard no_grad;
  CpuBf16Autocast autocast(cfg.bf16);
  for (size_t start = 0; start < tasks.size(); start += static_cast<size_t>(cfg.batch)) {
    const size_t end = std::min(tasks.size(), start + static_cast<size_t>(cfg.batch));
    std::vector<TrainExample> rows;  // own, other, own, other, ...
    for (size_t i = start; i < end; ++i) {
      rows.push_back(own[i]);
      TrainExample other = own[i];
      other.image = own[partner[i]].image;
      rows.push_back(std::move(other));
    }
    std::vector<const TrainExample*> ptrs;
    for (const auto& e : rows) ptrs.push_back(&e);
    auto [x, labels] = batches.build(ptrs);
    auto logits = ck.model->forward(x, {}).logits.to(torch::kFloat32);  // [2n,T,V]
    for (size_t i = start; i < end; ++i) {
      const int64_t row = 2 * static_cast<int64_t>(i - start);
      auto lab = labels[row];
      const auto scored = lab.ne(kIgnoreIndex).nonzero();
      check(scored.size(0) > 0 && scored[0].item<int64_t>() > 0, "probe", "task " + tasks[i].id + " has no answer token");
      // The answer's first token (letter style) or every token of the reply; position p is
      // predicted at p-1.
      const auto at = (whole_reply ? scored.squeeze(1) : scored[0]).to(torch::kInt64);
      const auto gold_ids = lab.index_select(0, at);
      auto own_lp = torch::log_softmax(logits[row].index_select(0, at - 1), -1);      // [n,V]
      auto other_lp = torch::log_softmax(logits[row + 1].index_select(0, at - 1), -1);
      const double own_nats = -own_lp.gather(1, gold_ids.unsqueeze(1)).sum().item<double>();
      const double other_nats = -other_lp.gather(1, gold_ids.unsqueeze(1)).sum().item<double>();
      const auto greedy_ids = own_lp.argmax(1);
      const bool right = greedy_ids.eq(gold_ids).all().item<bool>();
      const int64_t greedy = greedy_ids[0].item<int64_t>();
      const world::Task& t = tasks[i];
      auto [it, fresh] = family_index.emplace(t.family, r.families.size());
      if (fresh) r.families.push_back(ProbeFamily{t.family});
      for (ProbeFamily* f : {&r.families[it->second], &r.all}) {
        f->n += 1;
        f->own_nats += own_nats;
        f->other_nats += other_nats;
        auto& cell = f->by_difficulty[t.difficulty];
        cell.first += right;
        cell.second += 1;
      }
      if (!whole_reply && t.answer_type == world::AnswerType::choice) {
        r.letters_gold[t.answer] += 1;
        r.letters_predicted[printable(tok.decode({static_cast<int32_t>(greedy)}))] += 1;
      }
    }
    bar.add(static_cast<int64_t>(end - start));
  }
  bar.finish();
  {
    std::vector<torch::Tensor> feats;
    for (size_t i = 0; i < std::min<size_t>(tasks.size(), 128); ++i) feats.push_back(batches.image_features(own[i].image));
    auto f = torch::stack(feats).to(torch::kFloat32);  // [N,P,C]
    r.image_token_rms = f.pow(2).mean().sqrt().item<double>();
    r.image_token_spread = (f - f.mean(0, true)).pow(2).mean().sqrt().item<double>();
    r.text_token_rms = ck.model->model->embed_tokens->weight.to(torch::kFloat32).pow(2).mean().sqrt().item<double>();
  }
  r.all.family = "all";
  auto average = [](ProbeFamily& f) {
    if (f.n == 0) return;
    f.own_nats /= static_cast<double>(f.n);
    f.other_nats /= static_cast<double>(f.n);
  };
  for (auto& f : r.families) average(f);
  average(r.all);
  return r;
}

json ProbeResult::to_json() const {
  auto one = [](const ProbeFamily& f) {
    json diff = json::object();
    for (const auto& [d, c] : f.by_difficulty)
      diff[std::to_string(d)] = {{"first_token_accuracy", c.second > 0 ? static_cast<double>(c.first) / c.second : 0.0},
                                 {"n", c.second}};  // the whole reply's, in the non-letter styles
    return json{{"family", f.family}, {"n", f.n},           {"own_nats", f.own_nats},
                {"other_nats", f.other_nats}, {"gap_nats", f.gap()}, {"by_difficulty", diff}};
  };
  json fams = json::array();
  for (const auto& f : families) fams.push_back(one(f));
  return {{"answer_style", data::answer_style_name(answer_style)},
          {"scored", answer_style == data::AnswerStyle::letter ? "first answer token" : "whole reply"},
          {"families", fams},
          {"all", one(all)},
          {"letters_predicted", letters_predicted},
          {"letters_gold", letters_gold},
          {"image_token_rms", image_token_rms},
          {"image_token_spread", image_token_spread},
          {"text_token_rms", text_token_rms}};
}

std::string ProbeResult::to_markdown() const {
  const bool letter = answer_style == data::AnswerStyle::letter;
  std::string s = letter ? "" : std::string("Scored: the whole reply in the ") + data::answer_style_name(answer_style) +
                                    " style (nats summed over its tokens; accuracy: every token greedy).\n\n";
  s += std::string("| family | n | own image (nats) | other image (nats) | gap | ") +
       (letter ? "first-token" : "reply") + " accuracy d1 / d2 / d3 |\n|---|---:|---:|---:|---:|---|\n";
  auto row = [&](const ProbeFamily& f) {
    std::string acc;
    for (int d = 1; d <= 3; ++d) {
      const auto it = f.by_difficulty.find(d);
      acc += (d > 1 ? " / " : "") +
             (it == f.by_difficulty.end() || it->second.second == 0
                  ? std::string("–")
                  : fmt(100.0 * static_cast<double>(it->second.first) / static_cast<double>(it->second.second), 0) + " %");
    }
    s += "| " + f.family + " | " + std::to_string(f.n) + " | " + fmt(f.own_nats) + " | " + fmt(f.other_nats) + " | " +
         fmt(f.gap()) + " | " + acc + " |\n";
  };
  for (const auto& f : families) row(f);
  row(all);
  if (!letters_gold.empty()) {
    s += "\nMultiple choice, greedy first token vs gold letter:";
    std::set<std::string> keys;
    for (const auto& [k, v] : letters_gold) keys.insert(k);
    for (const auto& [k, v] : letters_predicted) keys.insert(k);
    for (const auto& k : keys) {
      const auto p = letters_predicted.find(k), g = letters_gold.find(k);
      s += " " + (k.empty() ? std::string("∅") : "\"" + k + "\"") + " " +
           std::to_string(p == letters_predicted.end() ? 0 : p->second) + "/" +
           std::to_string(g == letters_gold.end() ? 0 : g->second) + ";";
    }
    s.back() = '\n';
  }
  s += "\nImage tokens as the decoder gets them: RMS " + fmt(image_token_rms) + ", RMS of their change between images " +
       fmt(image_token_spread) + " (text token embeddings: RMS " + fmt(text_token_rms) + ").\n";
  return s;
}

}  // namespace insightv::eval
