// infer/batch_engine.cpp — the scheduler loop: admit, prefill + merge, one step, retire.
#include <torch/torch.h>

#include "infer/batch_engine.h"

#include <algorithm>

#include "util/log.h"
#include "util/rng.h"

namespace insightv {

std::vector<GenerationResult> EngineJob::wait() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return done_; });
  if (!error_.empty()) throw Error("engine", error_);
  return results_;
}

bool EngineJob::wait_for(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return done_; });
}

void EngineJob::finish_sample(size_t sample, GenerationResult r) {
  std::lock_guard<std::mutex> lock(mu_);
  results_[sample] = std::move(r);
  if (done_) return;
  if (--remaining_ == 0) {
    done_ = true;
    cv_.notify_all();
  }
}

void EngineJob::fail(const std::string& message) {
  std::lock_guard<std::mutex> lock(mu_);
  if (done_) return;
  error_ = message;
  done_ = true;
  cv_.notify_all();
}

BatchEngine::BatchEngine(MultimodalLM model, Detokenize detokenize, EngineOptions options)
    : model_(model), gen_(model, detokenize), detokenize_(std::move(detokenize)), opt_(options) {
  gen_.set_bf16(opt_.bf16);
  check(opt_.max_rows >= 1, "engine", "max_rows must be >= 1");
  // No prompt longer than the model's context: one such request would otherwise prefill its whole
  // length at once (a 100,000-token prompt asked for ~100 GB of attention scores and the kernel
  // killed the server; found by tests/integration/server_abuse_test.cpp).
  const int64_t context = model_->config().text.max_position_embeddings;
  if (opt_.max_prompt_tokens <= 0 || opt_.max_prompt_tokens > context) opt_.max_prompt_tokens = context;
  thread_ = std::thread([this] { loop(); });
}

BatchEngine::~BatchEngine() { shutdown(); }

std::shared_ptr<EngineJob> BatchEngine::submit(EngineRequest request) {
  check(request.n >= 1, "engine", "n must be >= 1, got " + std::to_string(request.n));
  check(request.n <= opt_.max_rows, "engine",
        "n = " + std::to_string(request.n) + " exceeds the batch limit " + std::to_string(opt_.max_rows),
        "ask for fewer samples");
  if (opt_.max_prompt_tokens > 0) {
    int64_t T = static_cast<int64_t>(request.prompt.ids.size()) - static_cast<int64_t>(request.prompt.images.size());
    for (const auto& img : request.prompt.images) T += img.size(0);
    if (T > opt_.max_prompt_tokens)
      throw PromptTooLongError("engine", "prompt has " + std::to_string(T) + " tokens, above the limit of " +
                                             std::to_string(opt_.max_prompt_tokens),
                               "shorten the conversation");
  }
  auto job = std::make_shared<EngineJob>();
  job->results_.resize(static_cast<size_t>(request.n));
  job->remaining_ = static_cast<size_t>(request.n);
  job->request_ = std::move(request);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) throw QueueFullError("engine", "the server is shutting down", "retry on another instance");
    if (static_cast<int>(queue_.size()) >= opt_.queue_capacity)
      throw QueueFullError("engine", "request queue is full (" + std::to_string(opt_.queue_capacity) + " waiting)",
                           "retry later");
    queue_.push_back(job);
    stats_.queued = static_cast<int64_t>(queue_.size());
  }
  cv_.notify_one();
  return job;
}

void BatchEngine::shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

EngineStats BatchEngine::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

void BatchEngine::admit(std::shared_ptr<EngineJob> job) {
  const EngineRequest& req = job->request_;
  if (job->cancelled()) {
    for (int i = 0; i < req.n; ++i) {
      GenerationResult r;
      r.finish_reason = "cancelled";
      job->finish_sample(static_cast<size_t>(i), r);
    }
    return;
  }
  DecodeState s = gen_.prefill({req.prompt});
  gen_.repeat(s, req.n);
  const int64_t prompt_tokens = s.prompt_tokens[0];
  Generator::merge(state_, std::move(s));
  for (int i = 0; i < req.n; ++i) {
    Row row{job, static_cast<size_t>(i), Sampler(req.params.sampling, mix_seed(req.params.sampling.seed, i)), {}};
    row.result.prompt_tokens = prompt_tokens;
    rows_.push_back(std::move(row));
  }
}

void BatchEngine::admit_together(const std::vector<std::shared_ptr<EngineJob>>& jobs) {
  std::vector<Prompt> prompts;
  for (const auto& j : jobs) prompts.push_back(j->request_.prompt);
  DecodeState s = gen_.prefill(prompts);
  const std::vector<int64_t> prompt_tokens = s.prompt_tokens;
  Generator::merge(state_, std::move(s));
  for (size_t i = 0; i < jobs.size(); ++i) {
    const SamplingParams& sp = jobs[i]->request_.params.sampling;
    Row row{jobs[i], 0, Sampler(sp, mix_seed(sp.seed, 0)), {}};
    row.result.prompt_tokens = prompt_tokens[i];
    rows_.push_back(std::move(row));
  }
}

void BatchEngine::decode_one_step() {
  const int64_t V = state_.last_logits.size(1);
  std::vector<int64_t> keep, next;
  int64_t generated = 0;
  for (size_t r = 0; r < rows_.size(); ++r) {
    Row& row = rows_[r];
    const GenerationParams& p = row.job->request_.params;
    GenerationResult& res = row.result;
    auto done = [&](const char* why) {
      res.finish_reason = why;
      row.job->finish_sample(row.sample, std::move(res));
    };
    if (row.job->cancelled()) { done("cancelled"); continue; }
    if (static_cast<int>(res.tokens.size()) >= p.max_new_tokens) { done("length"); continue; }
    const int64_t tok = row.sampler.sample(state_.last_logits[static_cast<int64_t>(r)].data_ptr<float>(), V,
                                           state_.history[r]);
    if (std::find(p.stop_ids.begin(), p.stop_ids.end(), tok) != p.stop_ids.end()) { done("stop"); continue; }
    res.tokens.push_back(tok);
    ++generated;
    const auto& cb = row.job->request_.on_token;
    if (cb && !cb(row.sample, tok)) { done("cancelled"); continue; }
    if (!p.stop_strings.empty() && detokenize_) {
      const size_t tail = std::min<size_t>(res.tokens.size(), 16);
      const std::string text = detokenize_(std::vector<int64_t>(res.tokens.end() - tail, res.tokens.end()));
      for (const auto& stop : p.stop_strings)
        if (!stop.empty() && text.find(stop) != std::string::npos) res.stop_string = stop;
      if (!res.stop_string.empty()) { done("stop"); continue; }
    }
    if (static_cast<int>(res.tokens.size()) >= p.max_new_tokens) { done("length"); continue; }
    keep.push_back(static_cast<int64_t>(r));
    next.push_back(tok);
  }
  std::vector<Row> kept;
  for (int64_t r : keep) kept.push_back(std::move(rows_[static_cast<size_t>(r)]));
  rows_ = std::move(kept);
  Generator::keep_rows(state_, keep);
  {
    std::lock_guard<std::mutex> lock(mu_);
    stats_.tokens += generated;
    stats_.running_rows = static_cast<int64_t>(rows_.size());
  }
  if (rows_.empty()) return;
  gen_.step(state_, next);
  std::lock_guard<std::mutex> lock(mu_);
  ++stats_.steps;
  stats_.row_steps += static_cast<int64_t>(rows_.size());
}

void BatchEngine::fail_all(const std::string& message) {
  for (auto& row : rows_) row.job->fail(message);
  rows_.clear();
  state_ = DecodeState{};
}

void BatchEngine::loop() {
  c10::InferenceMode guard;
  for (;;) {
    std::vector<std::shared_ptr<EngineJob>> admitted;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty() || !rows_.empty(); });
      if (stopping_ && queue_.empty() && rows_.empty()) break;
      int64_t rows = static_cast<int64_t>(rows_.size());
      while (!queue_.empty() && (rows == 0 || rows + queue_.front()->request_.n <= opt_.max_rows)) {
        rows += queue_.front()->request_.n;
        admitted.push_back(queue_.front());
        queue_.pop_front();
      }
      stats_.queued = static_cast<int64_t>(queue_.size());
    }
    std::vector<std::shared_ptr<EngineJob>> singles, others;
    for (auto& job : admitted)
      (job->request_.n == 1 && !job->cancelled() ? singles : others).push_back(job);
    if (singles.size() > 1) {
      try {
        admit_together(singles);
        singles.clear();
      } catch (const std::exception&) {
        // One bad prompt fails the shared prefill: admit them one by one below.
      }
    }
    others.insert(others.end(), singles.begin(), singles.end());
    for (auto& job : others) {
      try {
        admit(job);
      } catch (const std::exception& e) {
        // A bad request fails alone; the running batch is untouched (merge is the last step).
        job->fail(e.what());
      }
    }
    if (rows_.empty()) continue;
    try {
      decode_one_step();
    } catch (const std::exception& e) {
      IV_LOG(error) << "engine step failed: " << e.what();
      fail_all(e.what());
    }
  }
}

}  // namespace insightv
