// pipeline/dpo_iterate.cpp — see dpo_iterate.h.
#include "pipeline/dpo_iterate.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "data/answer_match.h"
#include "data/preference_data.h"
#include "data/sft_data.h"
#include "data/system_formats.h"
#include "infer/agent_defaults.h"
#include "infer/agents.h"
#include "infer/batch_engine.h"
#include "io/image.h"
#include "io/tokenizer.h"
#include "model/checkpoint.h"
#include "model/image_processor.h"
#include "pipeline/assess.h"
#include "pipeline/scoring.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/log.h"
#include "util/progress.h"
#include "util/rng.h"
#include "util/timer.h"
#include "world/task.h"

namespace insightv::pipeline {

DpoIterateConfig::DpoIterateConfig() {
  reason_params.sampling.temperature = static_cast<float>(agent_defaults::kReasonTemperature);
  reason_params.sampling.top_p = static_cast<float>(agent_defaults::kTopP);
  reason_params.max_new_tokens = agent_defaults::kReasonMaxTokens;
  summary_params.sampling.temperature = 0.0f;
  summary_params.max_new_tokens = 32;
}

json RoundReport::to_json() const {
  return {{"round", round},
          {"questions", questions},
          {"chains", chains},
          {"correct", correct},
          {"accuracy", accuracy},
          {"question_accuracy", question_accuracy},
          {"mean_score", mean_score},
          {"mean_chain_tokens", mean_chain_tokens},
          {"pairs", pairs},
          {"dpo_steps", dpo_steps},
          {"first_loss", first_loss},
          {"last_loss", last_loss},
          {"reward_accuracy", reward_accuracy},
          {"reward_margin", reward_margin},
          {"sample_seconds", sample_seconds},
          {"train_seconds", train_seconds}};
}

RoundReport RoundReport::from_json(const json& j) {
  RoundReport r;
  r.round = j.at("round").get<int>();
  r.questions = j.at("questions").get<int64_t>();
  r.chains = j.at("chains").get<int64_t>();
  r.correct = j.at("correct").get<int64_t>();
  r.accuracy = j.at("accuracy").get<double>();
  r.question_accuracy = j.at("question_accuracy").get<double>();
  r.mean_score = j.at("mean_score").get<double>();
  r.mean_chain_tokens = j.at("mean_chain_tokens").get<double>();
  r.pairs = j.at("pairs").get<int64_t>();
  r.dpo_steps = j.at("dpo_steps").get<int64_t>();
  r.first_loss = j.at("first_loss").get<double>();
  r.last_loss = j.at("last_loss").get<double>();
  r.reward_accuracy = j.at("reward_accuracy").get<double>();
  r.reward_margin = j.at("reward_margin").get<double>();
  r.sample_seconds = j.at("sample_seconds").get<double>();
  r.train_seconds = j.at("train_seconds").get<double>();
  return r;
}

json DpoIterateReport::to_json() const {
  json rs = json::array();
  for (const auto& r : rounds) rs.push_back(r.to_json());
  return {{"rounds", rs}, {"final_model", final_model}};
}

std::string DpoIterateReport::to_markdown() const {
  std::ostringstream s;
  s.setf(std::ios::fixed);
  s.precision(3);
  s << "| round | questions | chains | chain accuracy | question accuracy | mean score | pairs | DPO steps | "
       "loss first → last | reward accuracy | reward margin |\n"
    << "|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (const auto& r : rounds)
    s << "| " << r.round << " | " << r.questions << " | " << r.chains << " | " << r.accuracy << " | "
      << r.question_accuracy << " | " << r.mean_score << " | " << r.pairs << " | " << r.dpo_steps << " | "
      << r.first_loss << " → " << r.last_loss << " | " << r.reward_accuracy << " | " << r.reward_margin << " |\n";
  return s.str();
}

namespace {

double tail_mean(const std::vector<double>& v, size_t k) {
  if (v.empty()) return 0;
  k = std::min(k, v.size());
  double s = 0;
  for (size_t i = v.size() - k; i < v.size(); ++i) s += v[i];
  return s / static_cast<double>(k);
}

// The round's questions: `n` tasks from index offset + (round-1)*n, wrapping around the task list.
std::vector<const world::Task*> round_questions(const std::vector<world::Task>& tasks, int round, int64_t n,
                                                int64_t offset) {
  std::vector<const world::Task*> out;
  const int64_t total = static_cast<int64_t>(tasks.size());
  if (n <= 0 || n >= total) {
    for (const auto& t : tasks) out.push_back(&t);
    return out;
  }
  const int64_t start = (offset + static_cast<int64_t>(round - 1) * n) % total;
  for (int64_t i = 0; i < n; ++i) out.push_back(&tasks[static_cast<size_t>((start + i) % total)]);
  return out;
}

// One question's chains, answers, verdicts and scores (one ledger line).
json sample_question(const AgentRunner& runner, const AgentOptions& base, const world::Task& t,
                     const std::string& root, uint64_t seed, int round, const DpoIterateConfig& cfg) {
  AgentOptions opt = base;
  opt.reason.sampling.seed = mix_seed(mix_seed(seed, static_cast<uint64_t>(round)), fnv1a64(t.id));
  opt.summary.sampling.seed = mix_seed(opt.reason.sampling.seed, 1);
  AgentQuestion q{data::task_prompt(t), {}};
  if (!t.image.empty()) q.images.push_back(read_image(join_path(root, t.image)));  // text-only tasks have none
  const AgentAnswer a = runner.ask(q, opt, {});
  const data::GoldAnswer gold = data::gold_from_task(t);
  json chains = json::array(), answers = json::array(), correct = json::array(), scores = json::array(),
       tokens = json::array();
  for (const ChainAnswer& c : a.chains) {
    ReasoningPath p;
    p.task_id = t.id;
    p.steps = steps_from_chain(c.chain);
    p.final_answer = c.answer;
    chains.push_back(c.chain);
    answers.push_back(c.answer);
    correct.push_back(cfg.judge ? cfg.judge(t, c.chain, c.answer) : data::match_answer(c.answer, gold).correct);
    scores.push_back(verifier_score(t, p));
    tokens.push_back(c.reason.tokens.size());
  }
  return {{"task_id", t.id},
          {"chains", chains},
          {"answers", answers},
          {"correct", correct},
          {"scores", scores},
          {"chain_tokens", tokens},
          {"majority", a.answer},
          {"majority_correct", cfg.judge ? cfg.judge(t, a.chains[a.best].chain, a.answer)
                                         : data::match_answer(a.answer, gold).correct}};
}

std::string same_tokenizer_check(const std::string& a, const std::string& b) {
  const std::string fa = join_path(a, "tokenizer.json"), fb = join_path(b, "tokenizer.json");
  if (!file_exists(fa) || !file_exists(fb)) return "";
  return read_file(fa) == read_file(fb) ? "" : "the agents' tokenizer.json files differ";
}

}  // namespace

DpoIterateReport run_dpo_iterate(const DpoIterateConfig& cfg) {
  check(!cfg.reason.empty() && !cfg.summary.empty() && !cfg.tasks.empty() && !cfg.out.empty(), "dpo-iterate",
        "reason, summary, tasks and out are all required");
  check(cfg.rounds >= 1 && cfg.paths >= 2, "dpo-iterate", "need rounds >= 1 and paths >= 2",
        "a preference pair needs at least two chains of a question");
  const std::string mismatch = same_tokenizer_check(cfg.reason, cfg.summary);
  check(mismatch.empty(), "dpo-iterate", mismatch, "train both agents from the same base checkpoint");

  const std::vector<world::Task> tasks = world::read_tasks(cfg.tasks);
  const std::string root = world::tasks_root(cfg.tasks);
  check(!tasks.empty(), "dpo-iterate", "'" + cfg.tasks + "' holds no tasks");
  Checkpoint reason = load_checkpoint(cfg.reason);
  Checkpoint summary = load_checkpoint(cfg.summary);
  const Tokenizer tok = Tokenizer::load(cfg.reason);
  MultimodalLM policy = reason.model;
  const ModelConfig mcfg = reason.config;
  make_dirs(cfg.out);

  DpoIterateReport report;
  for (int r = 1; r <= cfg.rounds; ++r) {
    const std::string rdir = join_path(cfg.out, "round-" + std::to_string(r));
    const std::string model_dir = join_path(rdir, "model");
    const std::string done_file = join_path(rdir, "round.json");
    if (file_exists(done_file)) {
      RoundReport rr = RoundReport::from_json(read_json_file(done_file));
      rr.skipped = true;
      load_state_dict(*policy, TensorSource(model_dir));
      IV_LOG(info) << "dpo-iterate: round " << r << " already done (" << done_file << "), policy loaded";
      report.rounds.push_back(rr);
      continue;
    }
    make_dirs(rdir);
    RoundReport rr;
    rr.round = r;
    const auto questions = round_questions(tasks, r, cfg.questions, cfg.question_offset);

    // 1–2. Sample chains from the current policy; the summary agent answers; judge and score.
    const std::string ledger = join_path(rdir, "samples.jsonl");
    cut_torn_jsonl_tail(ledger);
    std::map<std::string, json> done;
    if (file_exists(ledger)) {
      JsonlOptions o;
      o.allow_truncated_tail = true;
      for (JsonlReader rd(ledger, o); rd.next();) done[rd.value().at("task_id").get<std::string>()] = rd.value();
    }
    std::vector<const world::Task*> todo;
    for (const world::Task* t : questions)
      if (!done.count(t->id)) todo.push_back(t);
    Stopwatch sample_timer;
    if (!todo.empty()) {
      torch::NoGradGuard no_grad;
      policy->eval();
      summary.model->eval();
      EngineOptions eo;
      eo.bf16 = cfg.bf16;
      eo.max_rows = std::max(64, cfg.concurrency * cfg.paths);
      BatchEngine reason_engine(policy, make_detokenizer(tok), eo);
      BatchEngine summary_engine(summary.model, make_detokenizer(tok), eo);
      AgentOptions ao;
      ao.reason = cfg.reason_params;
      ao.summary = cfg.summary_params;
      ao.chains = cfg.paths;
      AgentRunner runner(agent_model(reason_engine), agent_model(summary_engine), tok, ao);
      JsonlAppender out(ledger, /*durable=*/true);
      std::mutex mu;
      std::atomic<size_t> next{0};
      std::string error;
      ProgressOptions po;
      po.enabled = cfg.progress;
      Progress bar("round " + std::to_string(r) + " sample", static_cast<int64_t>(todo.size()), "questions", po);
      auto worker = [&] {
        for (size_t i; (i = next.fetch_add(1)) < todo.size();) {
          try {
            json row = sample_question(runner, ao, *todo[i], root, cfg.seed, r, cfg);
            std::lock_guard<std::mutex> lock(mu);
            out.append(row);
            done[todo[i]->id] = std::move(row);
            bar.add(1);
          } catch (const std::exception& e) {
            std::lock_guard<std::mutex> lock(mu);
            if (error.empty()) error = e.what();
            next = todo.size();
          }
        }
      };
      std::vector<std::thread> pool;
      for (int w = 0; w < std::max(1, cfg.concurrency); ++w) pool.emplace_back(worker);
      for (auto& th : pool) th.join();
      reason_engine.shutdown();
      summary_engine.shutdown();
      bar.finish();
      check(error.empty(), "dpo-iterate", "sampling failed: " + error);
    }
    rr.sample_seconds = sample_timer.seconds();

    // 3. Pairs.
    std::vector<PreferencePair> pairs;
    int64_t majority_right = 0;
    double score_sum = 0, token_sum = 0;
    for (const world::Task* t : questions) {
      const json& row = done.at(t->id);
      std::vector<bool> ok;
      std::vector<double> sc;
      for (const auto& c : row.at("correct")) ok.push_back(c.get<bool>());
      for (const auto& s : row.at("scores")) sc.push_back(s.get<double>());
      for (const auto& n : row.at("chain_tokens")) token_sum += n.get<double>();
      rr.chains += static_cast<int64_t>(ok.size());
      rr.correct += std::count(ok.begin(), ok.end(), true);
      for (double v : sc) score_sum += v;
      majority_right += row.at("majority_correct").get<bool>();
      const auto [ci, ri] = select_preference_pair(ok, sc, cfg.pair_margin);
      if (ci < 0) continue;
      PreferencePair p;
      p.id = t->id + "-r" + std::to_string(r);
      if (!t->image.empty()) p.image = data::relative_path(join_path(root, t->image), rdir);
      p.prompt = data::task_prompt(*t) + data::kReasoningSuffix;
      p.chosen = data::thoughts_block(row.at("chains")[static_cast<size_t>(ci)].get<std::string>());
      p.rejected = data::thoughts_block(row.at("chains")[static_cast<size_t>(ri)].get<std::string>());
      p.answer = t->answer;
      pairs.push_back(std::move(p));
    }
    rr.questions = static_cast<int64_t>(questions.size());
    rr.pairs = static_cast<int64_t>(pairs.size());
    rr.accuracy = rr.chains ? static_cast<double>(rr.correct) / static_cast<double>(rr.chains) : 0;
    rr.question_accuracy = rr.questions ? static_cast<double>(majority_right) / static_cast<double>(rr.questions) : 0;
    rr.mean_score = rr.chains ? score_sum / static_cast<double>(rr.chains) : 0;
    rr.mean_chain_tokens = rr.chains ? token_sum / static_cast<double>(rr.chains) : 0;
    write_preference_pairs(join_path(rdir, "pairs.jsonl"), pairs);
    IV_LOG(info) << "dpo-iterate: round " << r << ": " << rr.questions << " questions, chain accuracy "
                 << rr.accuracy << ", mean score " << rr.mean_score << ", " << rr.pairs << " pairs";

    // 4. DPO from the round's starting policy (= the reference).
    Stopwatch train_timer;
    if (pairs.empty()) {
      IV_LOG(warn) << "dpo-iterate: round " << r << " produced no preference pairs; the policy is unchanged";
      save_checkpoint(model_dir, policy, mcfg);
    } else {
      SftDataOptions dopt;
      dopt.image_token_index = mcfg.mm.image_token_index;
      dopt.max_length = cfg.dpo.train.max_length;
      auto examples = build_preference_examples(pairs, tok, dopt, rdir);
      DpoTrainConfig d = cfg.dpo;
      d.train.out_dir = model_dir;
      d.train.resume = true;
      d.train.progress = cfg.progress;
      d.train.seed = mix_seed(cfg.seed, static_cast<uint64_t>(r));
      const int64_t per_epoch =
          (static_cast<int64_t>(examples.size()) + d.train.batch_size - 1) / std::max<int64_t>(1, d.train.batch_size);
      d.train.steps = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(cfg.epochs * static_cast<double>(per_epoch) /
                                                                          static_cast<double>(d.train.grad_accum))));
      policy->train();
      DpoTrainer trainer(policy, mcfg, std::move(examples), d, [mcfg](const std::string& path) {
        return preprocess_image(read_image(path), mcfg);
      });
      const DpoSummary s = trainer.run();
      policy->eval();
      rr.dpo_steps = s.steps;
      rr.first_loss = s.losses.empty() ? 0 : s.losses.front();
      rr.last_loss = tail_mean(s.losses, 5);
      rr.reward_accuracy = tail_mean(s.accuracies, 5);
      rr.reward_margin = tail_mean(s.margins, 5);
    }
    tok.save(model_dir);
    rr.train_seconds = train_timer.seconds();
    write_json_file(done_file, rr.to_json());
    report.rounds.push_back(rr);
  }
  report.final_model = join_path(join_path(cfg.out, "round-" + std::to_string(cfg.rounds)), "model");
  write_json_file(join_path(cfg.out, "report.json"), report.to_json());
  write_file_atomic(join_path(cfg.out, "report.md"), report.to_markdown());
  return report;
}

}  // namespace insightv::pipeline
