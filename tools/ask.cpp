// tools/ask.cpp — `insightv ask`: one question about one image through the two agents
// (or one model with --model), printing the reasoning as it is generated, then the answer.
#include <torch/torch.h>

#include <cstdio>

#include "infer/agents.h"
#include "io/json.h"
#include "tools/agent_setup.h"
#include "util/error.h"

namespace insightv::cli {

VerbFn add_ask(CLI::App& app, const GlobalOptions&) {
  struct Options {
    AgentFlags agents;
    std::string image, question;
    bool stream = false, as_json = false;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("ask", "Answer a question about an image with the reasoning and summary agents");
  add_agent_flags(cmd, opt->agents);
  cmd->add_option("--image", opt->image, "PNG/JPEG image (optional: text-only questions work too)");
  cmd->add_option("--question", opt->question, "the question")->required();
  cmd->add_flag("--stream", opt->stream, "print reasoning and answer tokens as they are generated");
  cmd->add_flag("--json", opt->as_json, "print one JSON object instead of text");
  return [opt]() {
    LoadedAgents loaded = load_agents(opt->agents);
    const Tokenizer& tok = *loaded.tokenizer;
    std::vector<Image> images;
    if (!opt->image.empty()) images.push_back(read_image(opt->image));
    const bool stream = opt->stream && !opt->as_json;
    auto print = [](const std::string& d) {
      std::fwrite(d.data(), 1, d.size(), stdout);
      std::fflush(stdout);
      return true;
    };
    Detokenize detok = make_detokenizer(tok);

    if (!loaded.two_agent()) {
      Generator gen(loaded.single.model, detok);
      AgentModel m = agent_model(gen);
      m.template_name = opt->agents.template_name;
      const AgentOptions ao = agent_options(opt->agents);
      std::string content;
      for (size_t i = 0; i < images.size(); ++i) content += "<image>\n";
      ChatAnswer a = chat_once(m, tok, {{"user", content + opt->question}}, images, ao.summary, 1,
                               stream ? std::function<bool(size_t, const std::string&)>(
                                            [&](size_t, const std::string& d) { return print(d); })
                                      : nullptr);
      if (opt->as_json) {
        json j = {{"answer", a.texts[0]}, {"prompt_tokens", a.prompt_tokens}, {"completion_tokens", a.completion_tokens}};
        std::printf("%s\n", j.dump(2).c_str());
      } else {
        std::printf("%s\n", stream ? "" : a.texts[0].c_str());
      }
      return 0;
    }

    Generator rgen(loaded.reason.model, detok), sgen(loaded.summary.model, detok);
    AgentModel rm = agent_model(rgen), sm = agent_model(sgen);
    rm.template_name = sm.template_name = opt->agents.template_name;
    AgentRunner runner(rm, sm, tok, agent_options(opt->agents));
    AgentCallbacks cb;
    bool in_answer = false;
    if (stream) {
      std::printf("Reasoning:\n");
      cb.on_reasoning = [&](size_t chain, const std::string& d) { return chain != 0 || print(d); };
      cb.on_answer = [&](size_t chain, const std::string& d) {
        if (chain != 0) return true;
        if (!in_answer) print("\n\nAnswer: ");
        in_answer = true;
        return print(d);
      };
    }
    AgentAnswer a = runner.ask({opt->question, images}, cb);
    if (opt->as_json) {
      json chains = json::array();
      for (const auto& c : a.chains)
        chains.push_back({{"chain", c.chain}, {"answer", c.answer}, {"reason_tokens", c.reason.tokens.size()},
                          {"reason_finish", c.reason.finish_reason}, {"summary_tokens", c.summary.tokens.size()}});
      json j = {{"answer", a.answer}, {"agreement", a.agreement}, {"chains", chains},
                {"prompt_tokens", a.prompt_tokens}, {"completion_tokens", a.completion_tokens}};
      std::printf("%s\n", j.dump(2).c_str());
    } else if (stream) {
      if (!in_answer) std::printf("\n\nAnswer: ");
      std::printf("\n");
      if (a.chains.size() > 1) std::printf("Majority answer (%.0f%% agreement): %s\n", 100 * a.agreement, a.answer.c_str());
    } else {
      std::printf("Reasoning:\n%s\n\nAnswer: %s\n", a.chains[a.best].chain.c_str(), a.answer.c_str());
      if (a.chains.size() > 1) std::printf("Agreement: %.0f%% of %zu chains\n", 100 * a.agreement, a.chains.size());
    }
    return 0;
  };
}

}  // namespace insightv::cli
