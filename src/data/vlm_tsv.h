// data/vlm_tsv.h — the VLMEvalKit-style benchmark TSV: write from VisWorld tasks, read back.
//
//   export_tsv("vw/test", "vw_test.tsv");           // tasks.jsonl + images -> one TSV
//   std::vector<TsvRow> rows = read_tsv("vw_test.tsv");
//
// Columns, in order: index, image (base64 PNG), question, A, B, C, D, answer, category, hint,
// family, difficulty, id. For choice tasks A-D hold the options and answer the letter; for
// number/text tasks A-D are empty and answer holds the value. category is the family (the
// column VLMEvalKit groups scores by); hint is empty unless set. Cells never hold a raw tab or
// newline: the writer escapes \t \n \r and \\ C-style and the reader undoes it. The reader
// takes columns by header name (so other VLMEvalKit TSVs with fewer columns read too), needs
// index, question and answer, decodes images strictly, and names file:line in every error.
#pragma once

#include <string>
#include <vector>

#include "world/task.h"

namespace insightv::data {

struct TsvRow {
  long index = 0;
  std::string image;                 // decoded image bytes (PNG); empty if the TSV has none
  std::string question;
  std::vector<std::string> options;  // the non-empty ones of A..D, in order
  std::string answer, category, hint, family, id;
  int difficulty = 0;                // 0 when the column is absent
};

// root: the folder the tasks' image paths are relative to.
TsvRow task_to_tsv_row(const world::Task& t, long index, const std::string& root);
void write_tsv(const std::string& path, const std::vector<TsvRow>& rows);
std::vector<TsvRow> read_tsv(const std::string& path);
// Reads a task folder (or tasks.jsonl) and writes its TSV; returns the number of rows.
size_t export_tsv(const std::string& tasks_path, const std::string& out_path);

}  // namespace insightv::data
