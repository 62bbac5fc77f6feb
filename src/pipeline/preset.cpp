// pipeline/preset.cpp — the preset's keys (one table: YAML in and out, --set, JSON), shipped presets.
#include "pipeline/preset.h"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <variant>

#include "util/error.h"

namespace insightv::pipeline {

namespace {

using Member = std::variant<std::string PipelinePreset::*, int PipelinePreset::*, int64_t PipelinePreset::*,
                            double PipelinePreset::*>;

struct Field {
  const char* key;
  Member member;
  const char* help;
};

// Every key, in the order --print-config writes them.
const std::vector<Field>& fields() {
  using P = PipelinePreset;
  static const std::vector<Field> f = {
      {"name", &P::name, "the preset's name (reports and run folders show it)"},
      {"model_preset", &P::model_preset, "model family the shape below applies to (model/config.h presets)"},
      {"image_size", &P::image_size, "rendered image side and the tower's input side, pixels"},
      {"train_tasks", &P::train_tasks, "VisWorld train tasks (7 families, round-robin)"},
      {"test_tasks", &P::test_tasks, "VisWorld held-out test tasks"},
      {"vocab_size", &P::vocab_size, "byte-level BPE vocabulary trained on the run's text"},
      {"text_hidden_size", &P::text_hidden_size, "decoder width"},
      {"text_intermediate_size", &P::text_intermediate_size, "decoder MLP width"},
      {"text_layers", &P::text_layers, "decoder layers"},
      {"text_heads", &P::text_heads, "decoder attention heads"},
      {"text_kv_heads", &P::text_kv_heads, "decoder key/value heads (grouped-query attention)"},
      {"vision_hidden_size", &P::vision_hidden_size, "vision tower width"},
      {"vision_intermediate_size", &P::vision_intermediate_size, "vision tower MLP width"},
      {"vision_layers", &P::vision_layers, "vision tower layers"},
      {"vision_heads", &P::vision_heads, "vision tower attention heads"},
      {"patch_size", &P::patch_size, "vision patch side, pixels (image_size / patch_size patches per side)"},
      {"vision_select_feature", &P::vision_select_feature,
       "the tower's tokens the decoder is shown: patch (LLaVA's default) | cls_patch (the CLS token first; the "
       "vision stage's whole-image heads then read it instead of the mean of the patches)"},
      {"vision_steps", &P::vision_steps, "vision stage steps (0: no vision stage; base starts from init)"},
      {"vision_batch", &P::vision_batch, "vision stage images per step (generated on the fly)"},
      {"vision_lr", &P::vision_lr, "vision stage peak learning rate"},
      {"vision_scene_weight", &P::vision_scene_weight,
       "vision stage: weight of the whole-image scene-slot head (each family's single-hop facts, read as "
       "vision_scene_from says; 0: not trained)"},
      {"vision_scene_from", &P::vision_scene_from,
       "vision stage: what the scene slots read: pooled (the mean of the patch features, or the CLS token with "
       "vision_select_feature cls_patch) | every_token (each patch feature alone, so every image token carries "
       "the scene's facts) | slot_token (slot s from patch feature s mod P: a family's facts one per image token); "
       "all but pooled need vision_scene_weight above 0"},
      {"ground_format", &P::ground_format,
       "grounding stage: questions (up to 3 one-word questions per scene) | facts (every lookup of a scene, "
       "as one list of sentences)"},
      {"ground_families", &P::ground_families,
       "grounding stage: the families its scenes come from, in turn: perception | all | a comma-separated list "
       "(other than perception: facts format only)"},
      {"ground_images", &P::ground_images, "grounding stage: generated scenes"},
      {"ground_single_steps", &P::ground_single_steps, "grounding stage: steps on the one-object scenes first"},
      {"ground_steps", &P::ground_steps, "grounding stage: steps on every scene after that (0: no grounding stage)"},
      {"ground_lr", &P::ground_lr, "grounding stage peak learning rate"},
      {"answer_style", &P::answer_style,
       "how training replies give a task's answer: letter (\"B\", the paper's) | text (the option's text) | "
       "sentence (the answer sentence, e.g. \"The red object is a square.\"); the grader accepts all three"},
      {"base_steps", &P::base_steps, "base stage (captions + direct answers) optimizer steps"},
      {"base_loss_norm", &P::base_loss_norm, "base stage loss: token (mean over tokens) | example (mean of each example's mean)"},
      {"reason_steps", &P::reason_steps, "reasoning agent SFT steps"},
      {"summary_steps", &P::summary_steps, "summary agent SFT steps"},
      {"cot_steps", &P::cot_steps, "Table 3 direct-SFT baseline steps"},
      {"multi_turn_steps", &P::multi_turn_steps, "Table 3 multi-turn baseline steps"},
      {"summary_only_steps", &P::summary_only_steps, "Table 3 summary-only baseline steps"},
      {"batch", &P::batch, "examples per SFT optimizer step"},
      {"micro_budget_bytes", &P::micro_budget_bytes, "attention-score bytes a micro-batch may use"},
      {"base_lr", &P::base_lr, "base stage peak learning rate"},
      {"sft_lr", &P::sft_lr, "agents' and baselines' SFT peak learning rate"},
      {"max_length", &P::max_length, "longest training example, tokens (images expanded)"},
      {"datagen_tasks", &P::datagen_tasks, "train tasks the teacher writes reasoning paths for"},
      {"paths", &P::paths, "reasoning paths per question"},
      {"dpo_rounds", &P::dpo_rounds, "iterative DPO rounds"},
      {"dpo_paths", &P::dpo_paths, "chains sampled per question per round"},
      {"dpo_questions", &P::dpo_questions, "new train questions per round"},
      {"dpo_lr", &P::dpo_lr, "DPO learning rate"},
      {"dpo_beta", &P::dpo_beta, "DPO beta"},
      {"dpo_epochs", &P::dpo_epochs, "DPO epochs over each round's pairs"},
      {"dpo_batch", &P::dpo_batch, "pairs per DPO optimizer step"},
      {"reason_max_tokens", &P::reason_max_tokens, "longest reasoning chain, tokens"},
      {"answer_max_tokens", &P::answer_max_tokens, "longest answer, tokens"},
      {"eval_tasks", &P::eval_tasks, "test tasks evaluated (0: all)"},
      {"concurrency", &P::concurrency, "items decoded together in evaluation and DPO sampling"},
  };
  return f;
}

const Field* find_field(const std::string& key) {
  for (const Field& f : fields())
    if (key == f.key) return &f;
  return nullptr;
}

std::string known_keys() {
  std::string s;
  for (const Field& f : fields()) s += (s.empty() ? "" : ", ") + std::string(f.key);
  return s;
}

std::string shortest(double v) {
  char b[40];
  for (int digits = 1; digits <= 17; ++digits) {
    std::snprintf(b, sizeof b, "%.*g", digits, v);
    if (std::strtod(b, nullptr) == v) break;
  }
  std::string s = b;
  // Keep a double a double in YAML's eyes: 1 -> 1.0 (an exponent or a point already is).
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

void set_value(PipelinePreset& p, const Field& f, const std::string& value, const std::string& where) {
  const std::string what = where + ": " + f.key + " = '" + value + "'";
  std::visit(
      [&](auto member) {
        using T = std::remove_cv_t<std::remove_reference_t<decltype(p.*member)>>;
        if constexpr (std::is_same_v<T, std::string>) {
          check(!value.empty(), "pipeline", what + " is empty");
          p.*member = value;
        } else if constexpr (std::is_same_v<T, double>) {
          char* end = nullptr;
          errno = 0;
          const double v = std::strtod(value.c_str(), &end);
          check(!value.empty() && end == value.c_str() + value.size() && errno == 0 && std::isfinite(v), "pipeline",
                what + " is not a number");
          p.*member = v;
        } else {
          char* end = nullptr;
          errno = 0;
          const long long v = std::strtoll(value.c_str(), &end, 10);
          check(!value.empty() && end == value.c_str() + value.size() && errno == 0, "pipeline",
                what + " is not an integer");
          check(v >= 0, "pipeline", what + " is negative");
          if constexpr (std::is_same_v<T, int>)
            check(v <= 2147483647LL, "pipeline", what + " is too large");
          p.*member = static_cast<T>(v);
        }
      },
      f.member);
}

std::string get_value(const PipelinePreset& p, const Field& f) {
  return std::visit(
      [&](auto member) -> std::string {
        using T = std::remove_cv_t<std::remove_reference_t<decltype(p.*member)>>;
        if constexpr (std::is_same_v<T, std::string>) return json(p.*member).dump();  // a quoted YAML scalar
        else if constexpr (std::is_same_v<T, double>) return shortest(p.*member);
        else return std::to_string(p.*member);
      },
      f.member);
}

const EmbeddedFile* find_shipped(const std::string& name) {
  for (const EmbeddedFile& f : embedded_preset_files())
    if (f.name == name + ".yaml") return &f;
  return nullptr;
}

PipelinePreset parse(const std::string& text, const std::string& source, int depth) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw Error("pipeline", source + ": not valid YAML: " + e.what());
  }
  if (root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
  check(root.IsMap(), "pipeline", source + ": a preset is a mapping of key: value lines");
  PipelinePreset p;
  if (root["preset"]) {
    check(root["preset"].IsScalar(), "pipeline", source + ": preset must name a shipped preset");
    const std::string base = root["preset"].as<std::string>();
    check(depth < 4, "pipeline", source + ": presets inherit too deeply");
    const EmbeddedFile* f = find_shipped(base);
    std::string names;
    for (const auto& n : preset_names()) names += (names.empty() ? "" : ", ") + n;
    check(f != nullptr, "pipeline", source + ": preset '" + base + "' is not shipped", "shipped: " + names);
    p = parse(std::string(f->bytes), base + ".yaml", depth + 1);
  }
  std::set<std::string> seen;
  for (auto it = root.begin(); it != root.end(); ++it) {
    check(it->first.IsScalar(), "pipeline", source + ": a key is not a plain name");
    const std::string key = it->first.as<std::string>();
    if (key == "preset") continue;
    check(seen.insert(key).second, "pipeline", source + ": key '" + key + "' is given twice");
    const Field* f = find_field(key);
    check(f != nullptr, "pipeline", source + ": unknown key '" + key + "'", "keys: " + known_keys());
    check(it->second.IsScalar(), "pipeline", source + ": " + key + " must be a single value");
    set_value(p, *f, it->second.as<std::string>(), source);
  }
  return p;
}

}  // namespace

json PipelinePreset::to_json() const {
  json j = json::object();
  for (const Field& f : fields())
    std::visit([&](auto member) { j[f.key] = this->*member; }, f.member);
  return j;
}

std::vector<std::string> preset_names() {
  std::vector<std::string> out;
  for (const EmbeddedFile& f : embedded_preset_files()) {
    const std::string n(f.name);
    if (n.size() > 5 && n.compare(n.size() - 5, 5, ".yaml") == 0) out.push_back(n.substr(0, n.size() - 5));
  }
  return out;
}

std::string shipped_preset_yaml(const std::string& name) {
  const EmbeddedFile* f = find_shipped(name);
  std::string names;
  for (const auto& n : preset_names()) names += (names.empty() ? "" : ", ") + n;
  check(f != nullptr, "pipeline", "unknown preset '" + name + "'", "shipped presets: " + names + "; or --config FILE.yaml");
  return std::string(f->bytes);
}

PipelinePreset pipeline_preset(const std::string& name) {
  return parse(shipped_preset_yaml(name), name + ".yaml", 0);
}

PipelinePreset preset_from_yaml(const std::string& text, const std::string& source) { return parse(text, source, 0); }

std::string preset_to_yaml(const PipelinePreset& p) {
  std::string s = "# insightv pipeline preset: `insightv pipeline --config FILE.yaml`; any key may be changed\n"
                  "# with --set KEY=VALUE. A file may start from a shipped preset (`preset: nano`) and give\n"
                  "# only the keys it changes.\n";
  for (const Field& f : fields()) s += "# " + std::string(f.help) + "\n" + f.key + ": " + get_value(p, f) + "\n";
  return s;
}

void apply_setting(PipelinePreset& p, const std::string& kv) {
  const size_t eq = kv.find('=');
  check(eq != std::string::npos && eq > 0, "pipeline", "--set '" + kv + "' is not KEY=VALUE", "e.g. --set base_steps=900");
  const std::string key = kv.substr(0, eq);
  const Field* f = find_field(key);
  check(f != nullptr, "pipeline", "--set: unknown key '" + key + "'", "keys: " + known_keys());
  std::string value = kv.substr(eq + 1);
  // A quoted string (as --print-config writes them) is taken without its quotes.
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
  set_value(p, *f, value, "--set");
}

}  // namespace insightv::pipeline
