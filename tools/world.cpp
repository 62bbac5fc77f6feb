// tools/world.cpp — `insightv world`: generate VisWorld task folders, export them to a
// VLMEvalKit TSV or LLaVA JSON, render a contact sheet, list the families.
//   insightv world --family NAME|all --split train|val|test|all --n N --seed S --size PX --out DIR
//   insightv world export --format tsv|llava --in DIR --out FILE
//   insightv world sheet --in DIR --out FILE.png [--n 12] [--family NAME]
//   insightv world check --in DIR --in DIR ...   (no (image, question) pair in two folders)
//   insightv world families
#include <cstdio>

#include "data/llava_json.h"
#include "data/vlm_tsv.h"
#include "tools/verbs.h"
#include "util/error.h"
#include "world/generate.h"
#include "world/sheet.h"

namespace insightv::cli {

namespace {

struct WorldCliOptions {
  world::WorldConfig cfg;
  std::string difficulty = "mix";
  bool no_progress = false;
  // export
  std::string format = "tsv", in, out_file;
  // sheet
  world::SheetOptions sheet;
  std::string sheet_in, sheet_out;
  // check
  std::vector<std::string> check_in;
  bool wait = false;
};

int run_generate(WorldCliOptions& o) {
  o.cfg.difficulties = world::parse_difficulties(o.difficulty);
  o.cfg.progress = !o.no_progress;
  check(!o.cfg.out.empty(), "world", "no output folder given", "pass --out DIR");
  const OutputLock lock = lock_output(o.cfg.out, "world", o.wait);
  const world::WorldSummary s = world::generate_world(o.cfg);
  std::string per;
  for (const auto& [name, count] : s.per_family) per += (per.empty() ? "" : ", ") + name + " " + std::to_string(count);
  std::printf("wrote %lld tasks (%s) to %s in %.2f s (%.0f tasks/s)\n", static_cast<long long>(s.tasks),
              per.c_str(), o.cfg.out.c_str(), s.seconds, s.seconds > 0 ? s.tasks / s.seconds : 0.0);
  return 0;
}

int run_export(const WorldCliOptions& o) {
  size_t n = 0;
  if (o.format == "tsv")
    n = data::export_tsv(o.in, o.out_file);
  else
    n = data::export_llava(o.in, o.out_file);
  std::printf("wrote %zu %s rows to %s\n", n, o.format.c_str(), o.out_file.c_str());
  return 0;
}

int run_sheet(const WorldCliOptions& o) {
  const Image img = world::render_sheet(o.sheet_in, o.sheet);
  write_png(o.sheet_out, img, PngOptions{9});
  std::printf("wrote a %dx%d contact sheet to %s\n", img.width, img.height, o.sheet_out.c_str());
  return 0;
}

int run_check(const WorldCliOptions& o) {
  const auto overlaps = world::find_split_overlaps(o.check_in);
  for (const auto& ov : overlaps) std::printf("repeat: %s = %s\n", ov.first_id.c_str(), ov.second_id.c_str());
  check(overlaps.empty(), "world", std::to_string(overlaps.size()) + " (image, question) pairs repeat across the folders",
        "regenerate the splits with `--split all` (disjoint seed ranges)");
  std::printf("no (image, question) pair repeats across %zu folders\n", o.check_in.size());
  return 0;
}

int run_families() {
  for (const world::Family* f : world::families()) std::printf("%-12s %s\n", f->name(), f->summary());
  return 0;
}

}  // namespace

VerbFn add_world(CLI::App& app, const GlobalOptions&) {
  auto o = std::make_shared<WorldCliOptions>();
  CLI::App* cmd = app.add_subcommand(
      "world", "Generate VisWorld visual-reasoning tasks (PNG + tasks.jsonl); export; contact sheets");
  cmd->require_subcommand(0, 1);
  cmd->add_option("--family", o->cfg.families, "family names or 'all' (comma-separated or repeated)")
      ->delimiter(',');
  cmd->add_option("--split", o->cfg.split, "train | val | test | all (all: DIR/train, DIR/val, DIR/test)");
  cmd->add_option("--n", o->cfg.n, "tasks per split");
  cmd->add_option("--seed", o->cfg.seed, "world seed");
  cmd->add_option("--size", o->cfg.size, "image width = height in pixels");
  cmd->add_option("--difficulty", o->difficulty, "1, 2, 3, a list like 2,3, or mix");
  cmd->add_option("--out", o->cfg.out, "output folder");
  cmd->add_option("--png-compression", o->cfg.png_compression, "zlib level 0..9");
  cmd->add_flag("--no-progress", o->no_progress, "no progress bar");
  add_wait_flag(cmd, o->wait);

  CLI::App* exp = cmd->add_subcommand("export", "Export a task folder to a VLMEvalKit TSV or LLaVA JSON");
  exp->add_option("--format", o->format, "tsv | llava")->check(CLI::IsMember({"tsv", "llava"}));
  exp->add_option("--in", o->in, "task folder (holding tasks.jsonl) or a tasks.jsonl")->required();
  exp->add_option("--out", o->out_file, "output file")->required();

  CLI::App* sheet = cmd->add_subcommand("sheet", "Render a contact sheet PNG of tasks with questions and answers");
  sheet->add_option("--in", o->sheet_in, "task folder (holding tasks.jsonl)")->required();
  sheet->add_option("--out", o->sheet_out, "output PNG")->required();
  sheet->add_option("--n", o->sheet.count, "tasks to show");
  sheet->add_option("--columns", o->sheet.columns, "tiles per row");
  sheet->add_option("--tile", o->sheet.tile, "tile size in pixels");
  sheet->add_option("--family", o->sheet.family, "only this family");
  sheet->add_option("--offset", o->sheet.offset, "skip this many tasks first");

  CLI::App* chk = cmd->add_subcommand("check", "Check that no (image, question) pair repeats across task folders");
  chk->add_option("--in", o->check_in, "task folders (repeat --in, or list them)")->required()->expected(1, -1);

  CLI::App* fams = cmd->add_subcommand("families", "List the task families");

  return [o, exp, sheet, chk, fams] {
    if (exp->parsed()) return run_export(*o);
    if (chk->parsed()) return run_check(*o);
    if (sheet->parsed()) return run_sheet(*o);
    if (fams->parsed()) return run_families();
    return run_generate(*o);
  };
}

}  // namespace insightv::cli
