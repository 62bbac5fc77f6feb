// data/system_formats.h — the texts that define each evaluated system (PAPER.md Table 3) and
// the training data that teaches it, in one place so that training and evaluation agree.
//
//   std::string p = eval_prompt("", "How many circles?", {});   // VLMEvalKit's prompt
//   std::string q = task_prompt(task);                           // the same, for a VisWorld task
//   // direct / summary-only: user "<image>\n" + p                  → the answer
//   // cot (Vanilla direct SFT): user "<image>\n" + p + kCotSuffix  → "<thoughts>..</thoughts>\n" + answer
//   // multi-turn: user "<image>\n" + p + kReasoningSuffix → thoughts; user kMultiTurnFollowup → answer
//   // multi-agent: infer/agents.h (reasoning agent, then the summary prompt)
//   std::string a = cot_answer_text(response);                    // the part after </thoughts>
//
// The reasoning suffix and summary prompt are the paper's (exact strings, typos kept); the
// training sets (pipeline/assess) and the agents at inference (infer/agents) both build them
// here. kCotSuffix and kMultiTurnFollowup are ours (the paper does not publish them: UNCONFIRMED).
// Pure strings; thread-safe.
#pragma once
#include <string>
#include <vector>

#include "world/task.h"

namespace insightv::data {

// Appended to the reasoning agent's question: "\n\nPerform step-by-step reasoning ...".
extern const char* const kReasoningSuffix;
// The summary agent's prompt up to the question: "I will give you ... QUESTION: ".
extern const char* const kSummaryPromptHead;
// The summary agent's user turn: kSummaryPromptHead + question (with its "<image>\n") +
// "\n\nREASON PROCESS: <thoughts>\n" + chain + "\n</thoughts>". `chain` may be the bare chain
// (what infer/agents' extract_chain takes from the reasoning agent's output) or the whole
// "<thoughts>\n…\n</thoughts>" block of a training set: the tags and the blank lines around the
// chain are dropped first, so both render the same text.
std::string summary_question(const std::string& question_with_image, const std::string& chain);

// "Answer with the option letter from the given choices directly." / "... single word or phrase."
extern const char* const kChoiceInstruction;
extern const char* const kOpenInstruction;
// Appended to the user turn of the single-model chain-of-thought system (reasoning + answer).
extern const char* const kCotSuffix;
// The second user turn of the multi-turn system.
extern const char* const kMultiTurnFollowup;

// VLMEvalKit's prompt: [hint + "\n"] + question, then "\nA. text" per option, then the
// choice or open instruction. No "<image>" marker.
std::string eval_prompt(const std::string& hint, const std::string& question,
                        const std::vector<std::string>& options);
// The user turn a model sees for a VisWorld task (without "<image>"): eval_prompt of its question
// and options, so that training sets and evaluation render one text.
std::string task_prompt(const world::Task& t);

// How a training reply gives a task's answer. `letter` is the paper's data: the option letter of
// a multiple-choice task ("B"). `text` is the option's text ("square") and `sentence` the family's
// answer sentence (world::Family::answer_sentence: the looked-up fact, then the answer — "Bar B is
// 7. The answer is 7.", perception's "The red object is a square."). The grader counts all three as
// the same answer (data/answer_match.h: option letter, else "the answer is …", else the only option
// whose text the reply holds — VLMEvalKit matches options the same way); text and sentence spare a
// decoder trained from scratch the backward lookup from an
// option's text to its letter, which the nano model does not learn (docs/vision.md). Open tasks
// answer their value in the letter and text styles. An option whose text alone reads as an option
// letter (a bar labelled "A" among four options) is answered by its letter in every style.
enum class AnswerStyle { letter, text, sentence };
AnswerStyle parse_answer_style(const std::string& name);  // "letter" | "text" | "sentence"
const char* answer_style_name(AnswerStyle style);
std::string answer_reply(const world::Task& t, AnswerStyle style);
// False when a reply holding only this option text would be read as an option letter
// (data/answer_match.h parse_option_letter): "A" among four options; true for "square", "G".
bool option_text_reads_as_itself(const std::string& text, size_t n_options);

// A reasoning target: "<thoughts>\n" + chain + "</thoughts>" (the chain's lines end in "\n").
std::string thoughts_block(const std::string& chain);
// The cot system's training target: the "<thoughts>…</thoughts>" block, a newline, the answer.
std::string cot_target(const std::string& thoughts_block, const std::string& answer);
// The answer part of a cot response: the text after the last "</thoughts>"; a response without
// the close tag has no answer part and gives the whole text (extraction decides).
std::string cot_answer_text(const std::string& response);

}  // namespace insightv::data
