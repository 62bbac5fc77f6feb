// tools/eval.cpp — `insightv eval`: run a system on a benchmark and score it (eval/eval.h).
//   insightv eval --benchmark PATH --system direct|summary-only|cot|multi-turn|multi-agent
//                 (--model DIR | --reason DIR --summary DIR | --endpoint openai:URL) --out DIR ...
// An endpoint goes through pipeline/'s openai backend, adapted here to eval's ChatModel
// (eval/ sits below pipeline/ and cannot include it). Rerunning resumes from OUT/responses.jsonl.
#include <cstdio>
#include <mutex>
#include <set>

#include "eval/eval.h"
#include "eval/probe.h"
#include "pipeline/chat_backend.h"
#include "tools/verbs.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/rng.h"

namespace insightv::cli {

namespace {

// eval::ChatModel over pipeline's ChatBackend ("openai:URL"). The backend reads images from
// files: an item whose image is TSV bytes is written once to OUT/images/<hash>.png.
class BackendChatModel : public eval::ChatModel {
 public:
  BackendChatModel(std::unique_ptr<pipeline::ChatBackend> backend, std::string image_dir)
      : backend_(std::move(backend)), image_dir_(std::move(image_dir)) {}

  eval::ChatReply chat(const std::vector<ChatMessage>& messages, const eval::EvalImage& image,
                       const eval::ChatParams& params, int n) override {
    std::vector<pipeline::ChatMessage> msgs;
    bool any_image = false;
    for (const ChatMessage& m : messages) {
      pipeline::ChatMessage p{m.role, m.content, false};
      const size_t at = p.text.find("<image>");
      if (at != std::string::npos) {
        p.text.erase(at, p.text.compare(at, 8, "<image>\n") == 0 ? 8 : 7);
        p.has_image = any_image = true;
      }
      msgs.push_back(std::move(p));
    }
    pipeline::ChatRequest req;
    req.messages = &msgs;
    if (any_image) req.image_path = image_file(image);
    req.sampling.temperature = params.temperature;
    req.sampling.top_p = params.top_p;
    req.sampling.repetition_penalty = 1.0;
    req.sampling.max_tokens = params.max_tokens;
    eval::ChatReply out;
    for (int i = 0; i < n; ++i) {
      req.seed = mix_seed(params.seed, static_cast<uint64_t>(i));
      out.texts.push_back(backend_->chat(req));
    }
    return out;
  }

 private:
  std::string image_file(const eval::EvalImage& image) {
    if (!image.path.empty()) return image.path;
    check(!image.bytes.empty(), "eval", "item has no image");
    const std::string path = join_path(image_dir_, hex64(fnv1a64(image.bytes)) + ".png");
    std::lock_guard<std::mutex> lock(mu_);
    if (!written_.count(path)) {
      make_dirs(image_dir_);
      if (!file_exists(path)) write_file_atomic(path, image.bytes);
      written_.insert(path);
    }
    return path;
  }

  std::unique_ptr<pipeline::ChatBackend> backend_;
  std::string image_dir_;
  std::mutex mu_;
  std::set<std::string> written_;
};

struct EvalCliOptions {
  eval::EvalConfig cfg;
  bool no_progress = false;
  double timeout_s = 300;
  int retries = 5;
  std::string api_model;
  bool probe = false;
  std::string answer_style = "letter";
  bool wait = false;
};

void print_result(const eval::EvalResult& r, const std::string& out) {
  auto line = [](const std::string& name, const eval::Accuracy& a) {
    std::printf("  %-22s %6.1f%%  %lld/%lld  [95%% CI %.1f–%.1f]\n", name.c_str(), 100 * a.acc,
                static_cast<long long>(a.correct), static_cast<long long>(a.n), 100 * a.ci_low, 100 * a.ci_high);
  };
  std::printf("eval %s on %s: %lld items (%lld answered now, %lld from the cache) in %.1f s, %lld tokens\n",
              r.system.c_str(), r.benchmark.c_str(), static_cast<long long>(r.overall.n),
              static_cast<long long>(r.answered), static_cast<long long>(r.cached), r.seconds,
              static_cast<long long>(r.generated_tokens));
  line("overall", r.overall);
  for (const auto& [k, v] : r.by_category) line(k, v);
  for (const auto& [k, v] : r.by_difficulty) line(k == 0 ? "difficulty ?" : "difficulty " + std::to_string(k), v);
  std::printf("report: %s/results.md, %s/results.json\n", out.c_str(), out.c_str());
}

int run_probe_verb(const EvalCliOptions& o) {
  const OutputLock lock = o.cfg.out.empty() ? OutputLock() : lock_output(o.cfg.out, "eval", o.wait);
  eval::ProbeConfig p;
  p.model = o.cfg.system.model;
  p.tasks = o.cfg.benchmark;
  p.limit = o.cfg.limit;
  p.seed = o.cfg.seed;
  p.template_name = o.cfg.system.template_name;
  p.bf16 = o.cfg.bf16;
  p.progress = o.cfg.progress;
  p.answer_style = data::parse_answer_style(o.answer_style);
  check(!p.model.empty(), "eval", "--probe needs --model DIR");
  check(eval::benchmark_format(p.tasks) == "visworld", "eval", "--probe reads a VisWorld folder or tasks.jsonl",
        "the probe pairs tasks of one family by their scene; TSV and LLaVA benchmarks carry no family");
  const eval::ProbeResult r = eval::run_probe(p);
  const std::string md = r.to_markdown();
  std::printf("grounding probe of %s on %s\n%s", p.model.c_str(), p.tasks.c_str(), md.c_str());
  if (!o.cfg.out.empty()) {
    write_json_file(join_path(o.cfg.out, "probe.json"), r.to_json());
    write_file_atomic(join_path(o.cfg.out, "probe.md"), md);
  }
  return 0;
}

}  // namespace

VerbFn add_eval(CLI::App& app, const GlobalOptions&) {
  auto o = std::make_shared<EvalCliOptions>();
  auto& c = o->cfg;
  CLI::App* cmd = app.add_subcommand("eval", "Run a system on a benchmark and score it (accuracy, 95% CI)");
  cmd->footer(
      "Benchmarks: a VisWorld folder or tasks.jsonl, a VLMEvalKit TSV (.tsv), or LLaVA JSON with answers (.json).\n"
      "Systems: direct / summary-only (the answer is the response), cot (the answer follows </thoughts>),\n"
      "multi-turn (reasoning turn, then a follow-up turn), multi-agent (reasoning agent + summary agent).\n"
      "Output: OUT/responses.jsonl (one line per answered item; a rerun answers only what is missing),\n"
      "OUT/results.json, OUT/results.md, OUT/eval.json (the configuration; another one in the same OUT is an\n"
      "error unless --force). With --endpoint and multi-agent, the endpoint (insightv serve --reason --summary)\n"
      "is the two-agent system and gets the plain question.");
  cmd->add_option("--benchmark", c.benchmark, "VisWorld folder / tasks.jsonl, .tsv, or LLaVA .json")->required();
  cmd->add_option("--system", c.system.kind, "direct | summary-only | cot | multi-turn | multi-agent (required unless --probe)");
  cmd->add_option("--out", c.out, "output folder (results and the response cache; with --probe: probe.json, probe.md)");
  cmd->add_flag("--probe", o->probe,
                "the grounding probe instead of a system: per family, the first answer token's cross-entropy with "
                "the task's own image vs another task's (same family, fixed seeded pairing), first-token accuracy "
                "per difficulty, the letter histogram; needs --model and a VisWorld --benchmark");
  cmd->add_option("--answer-style", o->answer_style,
                  "with --probe: the reply the model was trained to give: letter (the first answer token) | text | "
                  "sentence (the whole reply, as the pipeline's answer_style)");
  cmd->add_option("--model", c.system.model, "checkpoint folder (direct, summary-only, cot, multi-turn)");
  cmd->add_option("--reason", c.system.reason, "reasoning agent checkpoint (multi-agent)");
  cmd->add_option("--summary", c.system.summary, "summary agent checkpoint (multi-agent)");
  cmd->add_option("--endpoint", c.system.endpoint, "openai:URL instead of local checkpoints");
  cmd->add_option("--tokenizer", c.system.tokenizer, "folder with tokenizer.json (default: the checkpoint's)");
  cmd->add_option("--template", c.system.template_name, "chat template: llava_llama_3 | chatml");
  cmd->add_option("--chains", c.system.chains, "multi-agent best-of-N reasoning chains")->check(CLI::Range(1, 64));
  cmd->add_option("--limit", c.limit, "first N items only (0 = all)");
  cmd->add_option("--concurrency", c.concurrency, "items in flight (decoded together)")->check(CLI::PositiveNumber);
  cmd->add_option("--seed", c.seed, "sampling seed (each item: seed and item id)");
  cmd->add_flag("--bf16", c.bf16, "bf16 matmuls in batched decode steps");
  cmd->add_flag("--image-last", c.image_last,
                "the image after the question ('question\\n<image>') instead of before it, for models trained that "
                "way (LLaVA's data has both orders); not multi-agent");
  add_dtype_flag(cmd, c.dtype);
  cmd->add_option("--temperature", c.temperature, "answer temperature (direct, summary-only, cot, multi-turn answer)");
  cmd->add_option("--reason-temperature", c.reason_temperature, "reasoning temperature (multi-agent, multi-turn)");
  cmd->add_option("--summary-temperature", c.summary_temperature, "summary agent temperature (multi-agent)");
  cmd->add_option("--top-p", c.top_p, "nucleus sampling mass");
  cmd->add_option("--max-new-tokens", c.max_new_tokens, "longest answer, tokens (cot: added to --reason-max-tokens)");
  cmd->add_option("--reason-max-tokens", c.reason_max_tokens, "longest reasoning, tokens");
  cmd->add_flag("--force", c.force, "discard responses of another configuration in OUT and start over");
  cmd->add_flag("--no-progress", o->no_progress, "no progress bar");
  cmd->add_option("--timeout", o->timeout_s, "endpoint: seconds per request");
  cmd->add_option("--retries", o->retries, "endpoint: retries on 429/5xx/connection errors");
  cmd->add_option("--api-model", o->api_model, "endpoint: the request's model name");
  add_wait_flag(cmd, o->wait);

  return [o, cmd] {
    auto& cfg = o->cfg;
    cfg.progress = !o->no_progress;
    if (o->probe) {
      for (const char* opt : {"--system", "--reason", "--summary", "--endpoint", "--tokenizer", "--chains",
                              "--concurrency", "--temperature", "--reason-temperature", "--summary-temperature",
                              "--top-p", "--max-new-tokens", "--reason-max-tokens", "--force", "--timeout", "--retries",
                              "--api-model", "--dtype"})
        check(cmd->count(opt) == 0, "eval", std::string(opt) + " does not apply to --probe",
              "the probe takes --model, --benchmark, --limit, --seed, --template, --bf16, --answer-style, --out");
      return run_probe_verb(*o);
    }
    check(cmd->count("--answer-style") == 0, "eval", "--answer-style applies to --probe only",
          "a system's replies are graded the same in every style");
    check(!cfg.system.kind.empty() && !cfg.out.empty(), "eval", "--system and --out are required",
          "or pass --probe for the grounding probe");
    const OutputLock lock = lock_output(cfg.out, "eval", o->wait);
    eval::ChatModelFactory factory;
    if (!cfg.system.endpoint.empty()) {
      check(cfg.system.endpoint.rfind("openai:", 0) == 0, "eval", "unknown endpoint '" + cfg.system.endpoint + "'",
            "use --endpoint openai:http://HOST:PORT/v1");
      check(cfg.system.model.empty() && cfg.system.reason.empty() && cfg.system.summary.empty(), "eval",
            "--endpoint cannot be combined with --model/--reason/--summary");
      factory = [o](const eval::EvalConfig& c) -> std::unique_ptr<eval::ChatModel> {
        pipeline::BackendOptions bo;
        bo.concurrency = c.concurrency;
        bo.timeout_s = o->timeout_s;
        bo.max_retries = o->retries;
        bo.model = o->api_model;
        return std::make_unique<BackendChatModel>(pipeline::make_backend(c.system.endpoint, bo),
                                                  join_path(c.out, "images"));
      };
    }
    const eval::EvalResult r = eval::run_eval(cfg, factory);
    print_result(r, cfg.out);
    return 0;
  };
}

}  // namespace insightv::cli
