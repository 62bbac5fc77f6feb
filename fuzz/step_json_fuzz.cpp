// fuzz/step_json_fuzz.cpp — libFuzzer target: pipeline/step_json.h, the parser and repairer of
// a generator's reasoning-step reply. The input is the reply text.
//
// Contract checked: parse_step and repair_json_object never throw (any exception aborts the
// run); a parsed step has a next_action of "continue" or "final_answer", and strict mode never
// accepts what repair mode rejects; step_to_json's dump round-trips through parse_step.
#include <cstdint>
#include <string>

#include "fuzz_util.h"
#include "pipeline/step_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using insightv::pipeline::parse_step;
  using insightv::pipeline::StepParseOptions;
  const std::string reply(insightv::fuzz::as_text(data, size));
  StepParseOptions strict{/*repair=*/false, /*require_next_action=*/false};
  StepParseOptions repair{/*repair=*/true, /*require_next_action=*/false};
  StepParseOptions repair_next{/*repair=*/true, /*require_next_action=*/true};
  const auto s = parse_step(reply, strict);
  const auto r = parse_step(reply, repair);
  const auto rn = parse_step(reply, repair_next);
  insightv::pipeline::repair_json_object(reply);
  if (s) IV_FUZZ_CHECK(r.has_value(), "repair accepts what strict accepts");
  if (rn) IV_FUZZ_CHECK(r.has_value(), "require_next_action only narrows");
  for (const auto* step : {&s, &r, &rn}) {
    if (!*step) continue;
    const auto& p = **step;
    IV_FUZZ_CHECK(p.next_action == "continue" || p.next_action == "final_answer", "next_action");
    const std::string dumped = insightv::pipeline::step_to_json(p).dump();
    const auto again = parse_step(dumped, strict);
    IV_FUZZ_CHECK(again && again->title == p.title && again->content == p.content &&
                      again->next_action == p.next_action && !again->repaired,
                  "step_to_json round-trips");
  }
  return 0;
}
