// pipeline/protocol.cpp — see protocol.h. Prompt texts follow the paper's released
// data_generation.py in content (PAPER.md §1.1); wording is ours.
#include "pipeline/protocol.h"

#include <chrono>

#include "data/system_formats.h"
#include "util/error.h"

namespace insightv::pipeline {

const std::string& system_prompt() {
  static const std::string s =
      "You are an expert AI assistant that explains your reasoning step by step. For each step, "
      "provide a title that describes what you're doing in that step, along with the content. "
      "Decide if you need another step or if you're ready to give the final answer. Respond in "
      "JSON format with 'title', 'content', and 'next_action' (either 'continue' or "
      "'final_answer') keys. USE AS MANY REASONING STEPS AS POSSIBLE. USE AT LEAST 2 STEPS OF "
      "REASONING. BE AWARE OF YOUR LIMITATIONS AS AN LLM AND WHAT YOU CAN AND CANNOT DO. IN YOUR "
      "REASONING, INCLUDE EXPLORATION OF ALTERNATIVE ANSWERS. CONSIDER YOU MAY BE WRONG, AND IF "
      "YOU ARE WRONG IN YOUR REASONING, WHERE IT WOULD BE. FULLY TEST ALL OTHER POSSIBILITIES. "
      "YOU CAN BE WRONG. WHEN YOU SAY YOU ARE RE-EXAMINING, ACTUALLY RE-EXAMINE, AND USE ANOTHER "
      "APPROACH TO DO SO. DO NOT JUST SAY YOU ARE RE-EXAMINING. USE AT LEAST 3 METHODS TO DERIVE "
      "THE ANSWER. USE BEST PRACTICES. YOUR RESPONSE MUST START WITH '{' AND MUST NOT BE WRAPPED "
      "IN ```json FENCES.\n\nExample of a valid JSON response:\n{\"title\": \"Identifying Key "
      "Information\", \"content\": \"To begin solving this problem, we need to carefully examine "
      "the given information and identify the crucial elements that will guide our solution "
      "process. This involves...\", \"next_action\": \"continue\"}";
  return s;
}

const std::string& prefill_assistant() {
  static const std::string s =
      "Thank you! I will now think step by step following my instructions, starting at the "
      "beginning after decomposing the problem.";
  return s;
}

const std::string& invalid_json_prompt() {
  static const std::string s =
      "Your last response was not valid JSON. Please provide one-more different step analysis as "
      "a single valid JSON object with the keys 'title', 'content' and 'next_action' ('continue' "
      "or 'final_answer'), starting with '{'.";
  return s;
}

const std::string& continue_prompt() {
  static const std::string s =
      "Please continue your step-by-step reasoning in valid JSON format. If you continue, the "
      "content must be very different from the previous content; otherwise set next_action to "
      "'final_answer'. Do not give the answer directly while next_action is 'continue'. Give "
      "only ONE step in this response.";
  return s;
}

const std::string& final_answer_prompt() {
  static const std::string s =
      "Please provide the final answer based solely on your reasoning above. Respond in JSON "
      "format: {\"title\": \"FINAL ANSWER\", \"content\": \"...\"}. Keep the answer format the "
      "original question asks for (for a multiple-choice question, the option letter).";
  return s;
}

json path_to_json(const ReasoningPath& p) {
  json steps = json::array();
  for (const PathStep& s : p.steps)
    steps.push_back({{"title", s.title}, {"content", s.content}, {"next_action", s.next_action}});
  json j{{"task_id", p.task_id},       {"sample", p.sample},         {"backend", p.backend},
         {"seed", p.seed},             {"steps", steps},             {"final_answer", p.final_answer},
         {"final_raw", p.final_raw},   {"retries", p.retries},       {"repaired", p.repaired},
         {"error_steps", p.error_steps}, {"calls", p.calls},         {"elapsed_ms", p.elapsed_ms}};
  if (!p.provenance.is_null()) j["provenance"] = p.provenance;
  return j;
}

ReasoningPath path_from_json(const json& j, const std::string& source) {
  try {
    ReasoningPath p;
    p.task_id = j.at("task_id").get<std::string>();
    p.sample = j.at("sample").get<int>();
    p.backend = j.value("backend", "");
    p.seed = j.value("seed", uint64_t{0});
    for (const json& s : j.at("steps"))
      p.steps.push_back({s.at("title").get<std::string>(), s.at("content").get<std::string>(),
                         s.value("next_action", "continue")});
    p.final_answer = j.value("final_answer", "");
    p.final_raw = j.value("final_raw", "");
    p.retries = j.value("retries", 0);
    p.repaired = j.value("repaired", 0);
    p.error_steps = j.value("error_steps", 0);
    p.calls = j.value("calls", 0);
    p.elapsed_ms = j.value("elapsed_ms", 0.0);
    if (j.contains("provenance")) p.provenance = j["provenance"];
    return p;
  } catch (const json::exception& e) {
    throw Error("datagen", source + ": not a reasoning path: " + e.what(),
                "was it written by `insightv datagen`?");
  }
}

ReasoningPath run_protocol(ChatBackend& backend, const world::Task& task,
                           const std::string& image_path, int sample, uint64_t seed,
                           const ProtocolOptions& opts) {
  const auto t0 = std::chrono::steady_clock::now();
  ReasoningPath p;
  p.task_id = task.id;
  p.sample = sample;
  p.seed = seed;
  p.backend = backend.name();

  std::vector<ChatMessage> msgs;
  msgs.push_back({"system", system_prompt(), false});
  msgs.push_back({"user", data::task_prompt(task), true});
  msgs.push_back({"assistant", prefill_assistant(), false});

  ChatRequest req;
  req.messages = &msgs;
  req.task = &task;
  req.image_path = image_path;
  req.seed = seed;
  req.sampling = opts.sampling;
  StepParseOptions parse_opts;
  parse_opts.repair = opts.repair;

  for (int step_count = 1;; ++step_count) {
    std::optional<ParsedStep> step;
    const size_t base = msgs.size();
    for (int attempt = 0; attempt < opts.max_tries && !step; ++attempt) {
      const std::string reply = backend.chat(req);
      ++p.calls;
      step = parse_step(reply, parse_opts);
      if (!step) {
        ++p.retries;
        // The corrective re-prompt: the bad reply and a request for valid JSON.
        msgs.push_back({"assistant", reply, false});
        msgs.push_back({"user", invalid_json_prompt(), false});
      }
    }
    msgs.resize(base);  // failed attempts do not stay in the conversation
    if (!step) {
      ParsedStep err;
      err.title = "Error";
      err.content = "Failed to generate step after " + std::to_string(opts.max_tries) +
                    " attempts.";
      err.next_action = "final_answer";
      step = err;
      ++p.error_steps;
    }
    if (step->repaired) ++p.repaired;
    p.steps.push_back({step->title, step->content, step->next_action});
    msgs.push_back({"assistant", step_to_json(*step).dump(), false});
    if (step->next_action == "final_answer" || step_count >= opts.max_steps) break;
    msgs.push_back({"user", continue_prompt(), false});
  }

  msgs.push_back({"user", final_answer_prompt(), false});
  p.final_raw = backend.chat(req);
  ++p.calls;
  StepParseOptions final_opts = parse_opts;
  final_opts.require_next_action = false;
  if (auto f = parse_step(p.final_raw, final_opts))
    p.final_answer = f->content;
  else
    p.final_answer = "No available answer";  // PAPER.md §1.2: unparseable → no answer
  p.provenance = backend.provenance(task, seed);
  p.elapsed_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  return p;
}

}  // namespace insightv::pipeline
