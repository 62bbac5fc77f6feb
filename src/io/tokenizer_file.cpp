// io/tokenizer_file.cpp — see tokenizer_file.h.
#include "io/tokenizer_file.h"

#include "io/pretokenize.h"
#include "util/error.h"
#include "util/fs.h"

namespace insightv {

namespace {

[[noreturn]] void fail(const std::string& source, const std::string& what,
                       const std::string& hint = {}) {
  throw Error("tokenizer", source + ": " + what, hint);
}

bool get_bool(const json& obj, const char* key, bool fallback) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return fallback;
  return it->is_boolean() ? it->get<bool>() : fallback;
}

// The "type" of a component object, or its JSON text when it is not an object with one.
std::string type_of(const json& v) {
  if (v.is_object() && v.contains("type") && v["type"].is_string()) return v["type"].get<std::string>();
  return v.dump().substr(0, 80);
}

// A token field of tokenizer_config.json: a string, {"content": ...}, or null.
std::string token_string(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_object() && v.contains("content") && v["content"].is_string())
    return v["content"].get<std::string>();
  return {};
}

void parse_pre_tokenizer(const json& pt, const std::string& src, TokenizerSpec& spec) {
  if (pt.is_null()) fail(src, "pre_tokenizer is null", "only byte-level BPE tokenizers are supported");
  const std::string type = type_of(pt);
  if (type == "ByteLevel") {
    if (!get_bool(pt, "use_regex", true))
      fail(src, "pre_tokenizer ByteLevel without use_regex and without a Split before it",
           "expected Sequence[Split, ByteLevel] or ByteLevel{use_regex: true}");
    spec.pattern = kGpt2Pattern;
    spec.byte_level_regex = true;
    spec.add_prefix_space = get_bool(pt, "add_prefix_space", false);
    return;
  }
  if (type != "Sequence")
    fail(src, "unsupported pre_tokenizer type '" + type + "'",
         "supported: Sequence[Split, ByteLevel] or ByteLevel");
  const json& list = pt.contains("pretokenizers") ? pt["pretokenizers"] : json();
  if (!list.is_array() || list.size() != 2 || type_of(list[0]) != "Split" ||
      type_of(list[1]) != "ByteLevel")
    fail(src, "unsupported pre_tokenizer Sequence " + list.dump().substr(0, 200),
         "supported: Sequence[Split{Regex, Isolated}, ByteLevel{use_regex: false}]");
  const json& split = list[0];
  const json& bl = list[1];
  if (!split.contains("pattern") || !split["pattern"].is_object() ||
      !split["pattern"].contains("Regex") || !split["pattern"]["Regex"].is_string())
    fail(src, "pre_tokenizer Split has no pattern.Regex string", "only regex splits are supported");
  const std::string behavior =
      split.contains("behavior") && split["behavior"].is_string() ? split["behavior"].get<std::string>() : "";
  if (behavior != "Isolated")
    fail(src, "unsupported Split behavior '" + behavior + "'",
         "only behavior Isolated is supported");
  if (get_bool(split, "invert", false)) fail(src, "Split with invert: true is not supported");
  if (get_bool(bl, "use_regex", true))
    fail(src, "ByteLevel after Split must have use_regex: false");
  spec.pattern = split["pattern"]["Regex"].get<std::string>();
  spec.add_prefix_space = get_bool(bl, "add_prefix_space", false);
}

void parse_model(const json& model, const std::string& src, TokenizerSpec& spec) {
  if (!model.is_object()) fail(src, "no \"model\" object", "is this a hub tokenizer.json?");
  const std::string type = type_of(model);
  if (type != "BPE")
    fail(src, "unsupported model type '" + type + "'", "only byte-level BPE models are supported");
  if (get_bool(model, "byte_fallback", false))
    fail(src, "model.byte_fallback: true is not supported", "byte-level BPE needs no fallback");
  for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
    auto it = model.find(key);
    if (it != model.end() && it->is_string() && !it->get<std::string>().empty())
      fail(src, std::string("model.") + key + " is not supported");
  }
  auto dropout = model.find("dropout");
  if (dropout != model.end() && dropout->is_number() && dropout->get<double>() > 0)
    fail(src, "model.dropout is not supported (encoding must be deterministic)");
  spec.ignore_merges = get_bool(model, "ignore_merges", false);
  if (model.contains("unk_token") && model["unk_token"].is_string())
    spec.unk_token = model["unk_token"].get<std::string>();

  const json& vocab = model.contains("vocab") ? model["vocab"] : json();
  if (!vocab.is_object()) fail(src, "model.vocab is not an object of token → id");
  spec.vocab.reserve(vocab.size());
  for (auto it = vocab.begin(); it != vocab.end(); ++it) {
    if (!it.value().is_number_integer())
      fail(src, "vocab id of '" + it.key() + "' is not an integer: " + it.value().dump());
    const auto id = it.value().get<int64_t>();
    if (id < 0 || id >= (int64_t{1} << 24))
      fail(src, "vocab id " + std::to_string(id) + " of '" + it.key() + "' is out of range",
           "ids must be in [0, 16777216)");
    spec.vocab.emplace_back(it.key(), static_cast<int32_t>(id));
  }
  const json& merges = model.contains("merges") ? model["merges"] : json();
  if (!merges.is_array()) fail(src, "model.merges is not an array");
  spec.merges.reserve(merges.size());
  for (size_t i = 0; i < merges.size(); ++i) {
    const json& m = merges[i];
    if (m.is_string()) {
      const std::string& s = m.get_ref<const std::string&>();
      const size_t sp = s.find(' ');
      if (sp == std::string::npos || sp == 0 || sp + 1 >= s.size() ||
          s.find(' ', sp + 1) != std::string::npos)
        fail(src, "merge " + std::to_string(i) + " '" + s + "' is not \"left right\"");
      spec.merges.emplace_back(s.substr(0, sp), s.substr(sp + 1));
    } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
      spec.merges.emplace_back(m[0].get<std::string>(), m[1].get<std::string>());
    } else {
      fail(src, "merge " + std::to_string(i) + " is neither \"a b\" nor [\"a\", \"b\"]: " +
                    m.dump().substr(0, 80));
    }
  }
}

}  // namespace

TokenizerSpec parse_tokenizer_json(const json& root, const std::string& src) {
  TokenizerSpec spec;
  spec.source = src;
  if (!root.is_object()) fail(src, "top level is not a JSON object", "is this a tokenizer.json?");
  if (!root.contains("model")) fail(src, "no \"model\" field", "is this a hub tokenizer.json?");
  parse_model(root["model"], src, spec);
  const json normalizer = root.value("normalizer", json());
  if (!normalizer.is_null())
    fail(src, "unsupported normalizer '" + type_of(normalizer) + "'",
         "byte-level tokenizers use \"normalizer\": null");
  parse_pre_tokenizer(root.value("pre_tokenizer", json()), src, spec);
  const json decoder = root.value("decoder", json());
  if (!decoder.is_null() && type_of(decoder) != "ByteLevel")
    fail(src, "unsupported decoder '" + type_of(decoder) + "'",
         "expected a ByteLevel decoder");
  const json added = root.value("added_tokens", json::array());
  if (!added.is_array()) fail(src, "added_tokens is not an array");
  for (const json& a : added) {
    if (!a.is_object() || !a.contains("id") || !a["id"].is_number_integer() ||
        !a.contains("content") || !a["content"].is_string())
      fail(src, "added token without integer id and string content: " + a.dump().substr(0, 120));
    AddedTokenSpec t;
    const auto id = a["id"].get<int64_t>();
    if (id < 0 || id >= (int64_t{1} << 24))
      fail(src, "added token id " + std::to_string(id) + " is out of range", "ids must be in [0, 16777216)");
    t.id = static_cast<int32_t>(id);
    t.content = a["content"].get<std::string>();
    if (t.content.empty()) fail(src, "added token " + std::to_string(t.id) + " has empty content");
    t.special = get_bool(a, "special", false);
    t.lstrip = get_bool(a, "lstrip", false);
    t.rstrip = get_bool(a, "rstrip", false);
    t.normalized = get_bool(a, "normalized", false);
    t.single_word = get_bool(a, "single_word", false);
    spec.added_tokens.push_back(std::move(t));
  }
  return spec;
}

void apply_tokenizer_config(const json& cfg, const std::string& src, TokenizerSpec& spec) {
  if (!cfg.is_object()) fail(src, "top level is not a JSON object");
  if (cfg.contains("bos_token")) spec.bos_token = token_string(cfg["bos_token"]);
  if (cfg.contains("eos_token")) spec.eos_token = token_string(cfg["eos_token"]);
  if (cfg.contains("pad_token")) spec.pad_token = token_string(cfg["pad_token"]);
  spec.add_bos_token = get_bool(cfg, "add_bos_token", false);
}

TokenizerSpec read_tokenizer_files(const std::string& path) {
  const std::string file = is_directory(path) ? join_path(path, "tokenizer.json") : path;
  check(file_exists(file), "tokenizer", "no tokenizer file at " + file,
        "pass a tokenizer.json or a folder holding one");
  TokenizerSpec spec = parse_tokenizer_json(read_json_file(file), file);
  const std::string cfg = join_path(parent_dir(file), "tokenizer_config.json");
  if (file_exists(cfg)) apply_tokenizer_config(read_json_file(cfg), cfg, spec);
  return spec;
}

ordered_json tokenizer_json(const TokenizerSpec& spec) {
  ordered_json root;
  root["version"] = "1.0";
  root["truncation"] = nullptr;
  root["padding"] = nullptr;
  ordered_json added = ordered_json::array();
  for (const auto& t : spec.added_tokens)
    added.push_back({{"id", t.id}, {"content", t.content}, {"single_word", t.single_word},
                     {"lstrip", t.lstrip}, {"rstrip", t.rstrip}, {"normalized", t.normalized},
                     {"special", t.special}});
  root["added_tokens"] = added;
  root["normalizer"] = nullptr;
  ordered_json byte_level = {{"type", "ByteLevel"}, {"add_prefix_space", spec.add_prefix_space},
                             {"trim_offsets", true}, {"use_regex", spec.byte_level_regex}};
  if (spec.byte_level_regex) {
    root["pre_tokenizer"] = byte_level;
  } else {
    root["pre_tokenizer"] = {
        {"type", "Sequence"},
        {"pretokenizers",
         {{{"type", "Split"}, {"pattern", {{"Regex", spec.pattern}}}, {"behavior", "Isolated"},
           {"invert", false}},
          byte_level}}};
  }
  root["post_processor"] = nullptr;
  root["decoder"] = {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", true},
                     {"use_regex", true}};
  ordered_json vocab = ordered_json::object();
  for (const auto& [tok, id] : spec.vocab) vocab[tok] = id;
  ordered_json merges = ordered_json::array();
  for (const auto& [a, b] : spec.merges) merges.push_back({a, b});
  root["model"] = {{"type", "BPE"},          {"dropout", nullptr},
                   {"unk_token", spec.unk_token.empty() ? ordered_json() : ordered_json(spec.unk_token)},
                   {"continuing_subword_prefix", nullptr}, {"end_of_word_suffix", nullptr},
                   {"fuse_unk", false},      {"byte_fallback", false},
                   {"ignore_merges", spec.ignore_merges},  {"vocab", vocab},
                   {"merges", merges}};
  return root;
}

ordered_json tokenizer_config_json(const TokenizerSpec& spec) {
  ordered_json cfg;
  ordered_json decoder = ordered_json::object();
  for (const auto& t : spec.added_tokens)
    decoder[std::to_string(t.id)] = {{"content", t.content}, {"lstrip", t.lstrip},
                                     {"normalized", t.normalized}, {"rstrip", t.rstrip},
                                     {"single_word", t.single_word}, {"special", t.special}};
  cfg["added_tokens_decoder"] = decoder;
  auto opt = [](const std::string& s) { return s.empty() ? ordered_json() : ordered_json(s); };
  cfg["bos_token"] = opt(spec.bos_token);
  cfg["eos_token"] = opt(spec.eos_token);
  cfg["pad_token"] = opt(spec.pad_token);
  cfg["add_bos_token"] = spec.add_bos_token;
  cfg["clean_up_tokenization_spaces"] = false;
  cfg["model_max_length"] = 131072;
  cfg["tokenizer_class"] = "PreTrainedTokenizerFast";
  return cfg;
}

void write_tokenizer_files(const std::string& dir, const TokenizerSpec& spec) {
  make_dirs(dir);
  write_file_atomic(join_path(dir, "tokenizer.json"), tokenizer_json(spec).dump(2) + "\n");
  write_file_atomic(join_path(dir, "tokenizer_config.json"),
                    tokenizer_config_json(spec).dump(2) + "\n");
}

}  // namespace insightv
