// eval/systems.h — the evaluated systems (PAPER.md Table 3) as prompts and answer rules over an
// abstract chat model, so that a local checkpoint and an OpenAI-compatible endpoint are
// evaluated by the same code.
//
//   std::string u = user_prompt("cot", item);     // "<image>\n" + eval_prompt(...) + kCotSuffix
//   ChatSystem sys("cot", model, params);          // model: any ChatModel
//   SystemReply r = sys.answer(item, item_seed(7, item.id));
//   data::match_answer(r.answer, item.gold).correct;
//
// Systems: direct and summary-only (one user turn, the answer is the response), cot (the
// answer is the text after </thoughts>), multi-turn (reasoning turn, then kMultiTurnFollowup),
// multi-agent (the two agents; locally eval/local_model.h, through an endpoint the server is
// the two-agent system, so it gets the plain question).
// What it is not: model loading (eval/local_model.h) or the job (eval/eval.h).
// Torch-free. ChatSystem::answer is thread-safe when the ChatModel's chat() is.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "eval/benchmark.h"
#include "infer/agent_defaults.h"
#include "io/chat_template.h"

namespace insightv::eval {

// The system names, in the order the report lists them.
const std::vector<std::string>& system_kinds();
// Error naming the valid kinds when `kind` is not one.
void check_system_kind(const std::string& kind);
// Error when the image is asked to come after the question (SystemParams::image_last) for a system
// that places it itself (multi-agent).
void check_image_position(const std::string& kind, bool image_last);

struct ChatParams {
  double temperature = 0;   // <= 0: greedy
  double top_p = agent_defaults::kTopP;
  int max_tokens = 32;
  uint64_t seed = 0;        // each sample i of a call uses a stream derived from (seed, i)
  bool keep_special = false;  // keep special tokens (<thoughts>, </thoughts>) in the text
};

struct ChatReply {
  std::vector<std::string> texts;  // n samples
  int64_t completion_tokens = 0;   // 0 when the backend does not say
};

// A model that answers conversations. The first user turn's content starts with "<image>\n"
// when the item has an image; `image` is that image. Implementations must be thread-safe:
// the harness calls chat() from many worker threads at once.
class ChatModel {
 public:
  virtual ~ChatModel() = default;
  virtual ChatReply chat(const std::vector<ChatMessage>& messages, const EvalImage& image, const ChatParams& params,
                         int n) = 0;
};

// The generation settings of every system (EvalConfig's flags).
struct SystemParams {
  ChatParams answer;   // direct, summary-only, cot's response, multi-turn's answer turn
  ChatParams reason;   // multi-turn's reasoning turn; multi-agent's reasoning agent
  ChatParams summary;  // multi-agent's summary agent
  int chains = 1;      // multi-agent best-of-N
  bool image_last = false;  // the image marker after the question ("question\n<image>"), as LLaVA's
                            // data also has it, for models trained that way; not multi-agent
  SystemParams();
};

// What a system said about one item.
struct SystemReply {
  std::string prompt;                  // the first user turn as sent
  std::vector<std::string> responses;  // every model output, in order (turns, chains)
  std::string answer;                  // the text to score (before extraction)
  int64_t generated_tokens = 0;
};

// A system: one item in, one reply out. answer() is called from many threads.
class System {
 public:
  virtual ~System() = default;
  virtual SystemReply answer(const EvalItem& item, uint64_t seed) = 0;
};

// The first user turn of `kind` for `item`. For multi-agent it is the question the agents get
// (eval_prompt, no "<image>" marker, no reasoning suffix: infer/agents.h adds both).
// With image_last the image marker ends the turn ("...\n<image>") instead of starting it.
std::string user_prompt(const std::string& kind, const EvalItem& item, bool image_last = false);
// The text to score, from the system's final response.
std::string answer_text(const std::string& kind, const std::string& final_response);
// The seed of one item: independent of the order and concurrency items run in.
uint64_t item_seed(uint64_t seed, const std::string& item_id);

// direct | summary-only | cot | multi-turn over a ChatModel; also multi-agent when the model is
// an endpoint serving the two-agent system (then the item's plain eval_prompt is sent with the
// image, and the reply is the answer).
class ChatSystem : public System {
 public:
  ChatSystem(std::string kind, ChatModel& model, SystemParams params);
  SystemReply answer(const EvalItem& item, uint64_t seed) override;

 private:
  std::string kind_;
  ChatModel* model_;
  SystemParams params_;
};

}  // namespace insightv::eval
