// The grounding probe (eval/probe.h): a model that cannot see (its projector outputs a constant) has
// no own-vs-other-image gap; the same model trained on a trivially visual task (a red image means
// "A", a blue one "B") has a large one, and the letter histogram and accuracies add up.
#include <torch/torch.h>

#include <gtest/gtest.h>

#include "data/llava_json.h"
#include "data/sft_data.h"
#include "eval/probe.h"
#include "io/chat_template.h"
#include "io/image.h"
#include "model/checkpoint.h"
#include "model/image_processor.h"
#include "support/subprocess.h"
#include "support/tiny_agents.h"
#include "train/sft.h"
#include "util/error.h"
#include "util/fs.h"
#include "world/task.h"

using namespace insightv;

namespace {

// n perception-like tasks whose answer is the colour of a solid image: red → A, blue → B.
std::string write_colour_tasks(const std::string& dir, int n) {
  make_dirs(join_path(dir, "images"));
  std::string jsonl;
  for (int i = 0; i < n; ++i) {
    const bool red = i % 2 == 0;
    Image img(32, 32);
    for (size_t k = 0; k < img.rgb.size(); k += 3) {
      img.rgb[k] = red ? 220 : 30;
      img.rgb[k + 1] = static_cast<uint8_t>(30 + i);  // every image differs a little
      img.rgb[k + 2] = red ? 30 : 230;
    }
    world::Task t;
    t.id = "colour-" + std::to_string(i);
    t.family = i < n / 2 ? "perception" : "shapes";
    t.split = "test";
    t.difficulty = 1 + i % 3;
    t.image = "images/" + t.id + ".png";
    t.question = "What colour is the image?";
    t.options = {"red", "blue", "green", "yellow"};
    t.answer_type = world::AnswerType::choice;
    t.answer = red ? "A" : "B";
    t.answer_value = red ? "red" : "blue";
    t.query = {{"kind", "colour"}};
    t.scene = json::object();
    t.size = 32;
    write_png(join_path(dir, t.image), img);
    jsonl += world::task_to_json(t).dump() + "\n";
  }
  write_file_atomic(join_path(dir, "tasks.jsonl"), jsonl);
  return dir;
}

}  // namespace

TEST(Probe, BlindModelHasNoGapAndASeeingModelHasALargeOne) {
  const std::string root = test::make_temp_dir("probe");
  const std::string tasks = write_colour_tasks(join_path(root, "tasks"), 48);
  // The tests' tiny decoder with a 2 x 2-patch tower, default initialisation.
  const std::string blind = join_path(root, "blind");
  {
    const Tokenizer tok = test::tiny_agent_tokenizer();
    const ModelConfig c = test::tiny_multimodal_config(tok.vocab_size());
    torch::manual_seed(1);
    MultimodalLM m(c);
    save_checkpoint(blind, m, c);
    tok.save(blind);
  }
  {
    Checkpoint ck = load_checkpoint(blind);
    torch::NoGradGuard g;
    // The projector's last layer outputs its bias alone: every image gives the same tokens (the
    // first layer is kept, so that training can still reach the second).
    ck.model->mm_projector[2]->as<torch::nn::Linear>()->weight.zero_();
    save_checkpoint(blind, ck.model, ck.config);
  }
  eval::ProbeConfig pc;
  pc.model = blind;
  pc.tasks = tasks;
  pc.progress = false;
  const eval::ProbeResult before = eval::run_probe(pc);
  ASSERT_EQ(before.families.size(), 2u);
  EXPECT_EQ(before.all.n, 48);
  EXPECT_NEAR(before.all.gap(), 0.0, 1e-4);
  int64_t predicted = 0, gold = 0;
  for (const auto& [k, v] : before.letters_predicted) predicted += v;
  for (const auto& [k, v] : before.letters_gold) gold += v;
  EXPECT_EQ(predicted, 48);
  EXPECT_EQ(gold, 48);
  EXPECT_EQ(before.letters_gold.at("A"), 24);
  // In the text style the whole reply ("red" and the end of turn) is scored: still no gap, no letters.
  pc.answer_style = data::AnswerStyle::text;
  const eval::ProbeResult blind_text = eval::run_probe(pc);
  EXPECT_EQ(blind_text.all.n, 48);
  EXPECT_NEAR(blind_text.all.gap(), 0.0, 1e-4);
  EXPECT_NE(blind_text.all.own_nats, before.all.own_nats);  // another reply is scored
  EXPECT_TRUE(blind_text.letters_predicted.empty());
  EXPECT_EQ(blind_text.to_json()["scored"], "whole reply");
  EXPECT_NE(blind_text.to_markdown().find("| reply accuracy d1 / d2 / d3 |"), std::string::npos);
  pc.answer_style = data::AnswerStyle::letter;

  // Train the blind model (tower included) on the colour tasks themselves.
  Checkpoint ck = load_checkpoint(blind);
  const Tokenizer tok = Tokenizer::load(blind);
  std::vector<data::LlavaSample> samples;
  for (const auto& t : world::read_tasks(tasks)) samples.push_back(data::task_to_llava(t, join_path(tasks, t.image)));
  SftDataOptions d;
  d.image_token_index = ck.config.mm.image_token_index;
  TrainConfig tc;
  tc.steps = 80;
  tc.batch_size = 8;
  tc.optim.lr = 3e-3;
  tc.progress = false;
  tc.tunable_parts = "mm_vision_tower,mm_mlp_adapter,mm_language_model";
  tc.loss_norm = "example";
  const ModelConfig mc = ck.config;
  SftTrainer trainer(ck.model, mc, build_sft_examples(samples, tok, d, ""), tc,
                     [mc](const std::string& path) { return preprocess_image(read_image(path), mc); });
  trainer.run();
  const std::string seeing = join_path(root, "seeing");
  save_checkpoint(seeing, ck.model, mc);
  tok.save(seeing);
  pc.model = seeing;
  const eval::ProbeResult after = eval::run_probe(pc);
  EXPECT_GT(after.all.gap(), 1.0) << "own " << after.all.own_nats << " other " << after.all.other_nats;
  int64_t right = 0;
  for (const auto& [d, cell] : after.all.by_difficulty) right += cell.first;
  EXPECT_GT(right, 40);  // the greedy letter is the answer
  const json j = after.to_json();
  EXPECT_EQ(j["families"].size(), 2u);
  EXPECT_NE(after.to_markdown().find("| perception | 24 |"), std::string::npos);
}

TEST(Probe, RefusesAFamilyWithOneTask) {
  const std::string root = test::make_temp_dir("probe-one");
  const std::string tasks = write_colour_tasks(join_path(root, "tasks"), 3);  // 1 perception, 2 shapes
  eval::ProbeConfig pc;
  pc.model = test::write_tiny_agent_checkpoint(join_path(root, "m"), 1);
  pc.tasks = tasks;
  pc.progress = false;
  EXPECT_THROW(eval::run_probe(pc), Error);
}
