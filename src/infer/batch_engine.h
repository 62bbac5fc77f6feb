// infer/batch_engine.h — continuous batching: many callers' generations share decode steps.
//
// One scheduler thread owns the Generator. Callers on any thread submit() a request (a prompt,
// its params, n samples) and get a job handle; at the next step the scheduler prefills the new
// request (its own DecodeState), merges its rows into the running batch, and from then on every
// step samples one token for every row of every request. A finished row leaves the batch at
// once; a request is done when all its n samples are. Single-sample requests admitted at the
// same step are prefilled together in one forward pass. Tokens stream through the request's
// callback, which runs ON THE SCHEDULER THREAD (keep it short: push into a channel).
//
//   BatchEngine engine(lm, detok, EngineOptions{});    // starts the scheduler thread
//   EngineRequest r; r.prompt = prompt; r.params = p; r.n = 2;
//   auto job = engine.submit(std::move(r));            // throws QueueFullError when full
//   std::vector<GenerationResult> out = job->wait();   // or job->cancel() from any thread
//   engine.shutdown();                                  // drains queued and running work
//
// What it is not: an HTTP server (server/), or a prompt builder (infer/agents.h).
// Thread-safety: submit/cancel/wait/stats are thread-safe; the model must not be used by
// anyone else while the engine runs (read-only sharing for image encoding is fine).
#pragma once

#include <torch/torch.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "infer/generator.h"
#include "util/error.h"

namespace insightv {

struct EngineOptions {
  int max_rows = 64;          // rows decoded together; requests wait beyond this
  int queue_capacity = 256;   // waiting requests; submit() beyond this throws QueueFullError
  int64_t max_prompt_tokens = 0;  // after image expansion; submit() beyond this throws PromptTooLongError
                                  // (0 or above the model's context: the context, max_position_embeddings)
  bool bf16 = false;          // bf16 matmuls for multi-row steps (Generator::set_bf16)
};

struct EngineRequest {
  Prompt prompt;
  GenerationParams params;
  int n = 1;                  // samples of the prompt (prefilled once, fanned out)
  TokenCallback on_token;     // (sample, token) on the scheduler thread; false ends that sample
};

class QueueFullError : public Error {
 public:
  using Error::Error;
};

class PromptTooLongError : public Error {
 public:
  using Error::Error;
};

struct EngineStats {
  int64_t steps = 0;            // decode steps run
  int64_t row_steps = 0;        // sum over steps of the rows in the batch
  int64_t tokens = 0;           // tokens generated
  int64_t queued = 0, running_rows = 0;
};

// A submitted request. Shared by the caller and the scheduler.
class EngineJob {
 public:
  void cancel() { cancelled_ = true; }
  bool cancelled() const { return cancelled_; }
  // Blocks until every sample is done; throws the Error that failed the request, if any.
  std::vector<GenerationResult> wait();
  // false when `timeout` passed first (the job keeps running; cancel() it).
  bool wait_for(std::chrono::milliseconds timeout);

 private:
  friend class BatchEngine;
  void finish_sample(size_t sample, GenerationResult r);
  void fail(const std::string& message);

  EngineRequest request_;
  std::atomic<bool> cancelled_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<GenerationResult> results_;
  size_t remaining_ = 0;
  bool done_ = false;
  std::string error_;
};

class BatchEngine {
 public:
  BatchEngine(MultimodalLM model, Detokenize detokenize = nullptr, EngineOptions options = {});
  ~BatchEngine();
  BatchEngine(const BatchEngine&) = delete;
  BatchEngine& operator=(const BatchEngine&) = delete;

  std::shared_ptr<EngineJob> submit(EngineRequest request);
  // Stops admitting new requests, finishes queued and running ones, joins the thread.
  void shutdown();
  EngineStats stats() const;
  // For read-only use such as encoding images (the scheduler runs forward passes meanwhile).
  MultimodalLM& model() { return model_; }

 private:
  struct Row {
    std::shared_ptr<EngineJob> job;
    size_t sample;
    Sampler sampler;
    GenerationResult result;
  };
  void loop();
  void admit(std::shared_ptr<EngineJob> job);
  // Single-sample requests that arrived together share one (left-padded) prefill.
  void admit_together(const std::vector<std::shared_ptr<EngineJob>>& jobs);
  void decode_one_step();
  void fail_all(const std::string& message);

  MultimodalLM model_;
  Generator gen_;
  Detokenize detokenize_;
  EngineOptions opt_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<EngineJob>> queue_;
  bool stopping_ = false;
  EngineStats stats_;
  // Owned by the scheduler thread.
  DecodeState state_;
  std::vector<Row> rows_;
  std::thread thread_;
};

}  // namespace insightv
