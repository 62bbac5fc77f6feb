// Fault campaigns: each long job (`datagen`, `train sft`, `dpo-iterate`, `pipeline`) is killed
// with SIGKILL at least 20 times at random moments while it works, rerun after each kill, and
// finally left to finish. Then nothing may be lost or duplicated, and what it computed must
// equal an uninterrupted run of the same command. A kill lands a random time after the job's
// output last grew (so every attempt makes progress and every kill interrupts real work).
// Each campaign prints one JSON line with its figures (docs/reliability.md).
#include <dirent.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <random>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "io/json.h"
#include "pipeline/datagen.h"
#include "support/sft_data.h"
#include "support/subprocess.h"
#include "support/tiny_agents.h"
#include "support/vw_tasks.h"
#include "util/error.h"
#include "util/fs.h"

namespace insightv {
namespace {

using Clock = std::chrono::steady_clock;
using test::run_cli;

constexpr int kMinKills = 20;

// Total bytes of the regular files under `dir` (the job's visible progress).
int64_t tree_bytes(const std::string& dir) {
  int64_t total = 0;
  std::function<void(const std::string&)> walk = [&](const std::string& d) {
    DIR* dp = opendir(d.c_str());
    if (dp == nullptr) return;
    std::vector<std::string> names;
    while (const dirent* e = readdir(dp))
      if (std::string(e->d_name) != "." && std::string(e->d_name) != "..") names.push_back(e->d_name);
    closedir(dp);
    for (const std::string& name : names) {
      const std::string p = d + "/" + name;
      struct stat st {};
      if (lstat(p.c_str(), &st) != 0) continue;
      if (S_ISDIR(st.st_mode)) walk(p);
      else if (S_ISREG(st.st_mode)) total += st.st_size;
    }
  };
  if (file_exists(dir)) walk(dir);
  return total;
}

struct Campaign {
  int kills = 0, attempts = 0;
  double seconds = 0;
  bool finished = false;
  std::string last_log;
};

// Runs `args` until it exits 0 on its own, SIGKILLing it `kMinKills` times first: each attempt is
// killed `U(0, max_delay_ms)` after `progress()` first grows past its value at the attempt's
// start. A job that finishes before the kills are done fails the campaign (make it bigger).
Campaign run_campaign(const std::vector<std::string>& args, const std::function<int64_t()>& progress,
                      int max_delay_ms, const std::string& log_path, uint64_t seed) {
  Campaign c;
  std::mt19937_64 rng(seed);
  std::vector<std::string> argv = {INSIGHTV_CLI_PATH};
  argv.insert(argv.end(), args.begin(), args.end());
  const auto t0 = Clock::now();
  while (c.attempts < 400) {
    ++c.attempts;
    const bool kill_this = c.kills < kMinKills;
    const int64_t before = progress();
    const int pid = test::spawn_process(argv, log_path);
    int status = -1;
    bool exited = false;
    auto exited_now = [&] {
      int st = 0;
      if (waitpid(pid, &st, WNOHANG) == pid) {
        exited = true;
        status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      }
      return exited;
    };
    if (kill_this) {
      while (!exited_now() && progress() <= before) std::this_thread::sleep_for(std::chrono::milliseconds(2));
      if (!exited) {
        const int delay = std::uniform_int_distribution<int>(0, max_delay_ms)(rng);
        const auto until = Clock::now() + std::chrono::milliseconds(delay);
        while (!exited_now() && Clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      if (!exited) {
        kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
        ++c.kills;
        continue;
      }
    } else {
      status = test::wait_process(pid);
      exited = true;
    }
    c.last_log = file_exists(log_path) ? read_file(log_path) : "";
    if (status != 0) {
      ADD_FAILURE() << "attempt " << c.attempts << " exited " << status << ":\n" << c.last_log;
      break;
    }
    c.finished = true;
    if (c.kills < kMinKills) ADD_FAILURE() << "the job finished after only " << c.kills << " kills; make it bigger";
    break;
  }
  c.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return c;
}

void report(const std::string& job, const Campaign& c, const json& extra = json::object()) {
  json j = {{"test", "fault_campaign"}, {"job", job},          {"kills", c.kills},
            {"attempts", c.attempts},  {"finished", c.finished}, {"seconds", c.seconds}};
  j.update(extra);
  std::printf("%s\n", j.dump().c_str());
}

std::multiset<std::string> lines_of(const std::string& path, const std::vector<std::string>& drop = {}) {
  std::multiset<std::string> out;
  for (json j : read_jsonl(path)) {
    for (const auto& k : drop) j.erase(k);
    out.insert(j.dump());
  }
  return out;
}

TEST(IntegrationFaults, DatagenSurvivesTwentyKillsWithEveryRecordOnce) {
  const std::string dir = test::make_temp_dir("fault-datagen");
  test::write_vw_tasks(dir + "/tasks", test::make_vw_tasks(2000));
  auto args = [&](const std::string& out) {
    return std::vector<std::string>{"datagen", "--tasks", dir + "/tasks", "--backend", "teacher", "--paths", "4",
                                    "--out", out, "--concurrency", "2", "--sync-every", "1", "--no-progress"};
  };
  ASSERT_EQ(run_cli(args(dir + "/ref")).exit_code, 0);
  const auto ref = lines_of(dir + "/ref/paths.jsonl", {"elapsed_ms"});
  ASSERT_EQ(ref.size(), 8000u);
  const std::string out = dir + "/killed";
  const Campaign c = run_campaign(args(out), [&] { return tree_bytes(out); }, 40, dir + "/log.txt", 11);
  ASSERT_TRUE(c.finished);
  const auto got = lines_of(out + "/paths.jsonl", {"elapsed_ms"});
  EXPECT_EQ(got.size(), ref.size()) << "records lost or duplicated";
  EXPECT_TRUE(got == ref) << "the records differ from the uninterrupted run's";
  report("datagen", c, {{"records", got.size()}});
}

TEST(IntegrationFaults, TrainSftSurvivesTwentyKillsWithTheUninterruptedWeights) {
  const test::SftData f = test::make_sft_data("fault-train", 24, 3, 1);
  auto args = [&](const std::string& out) {
    return std::vector<std::string>{"--threads", "1", "train", "sft", "--data", f.data, "--init", f.init,
                                    "--out", out, "--steps", "60", "--batch", "4", "--lr", "1e-3",
                                    "--save-every", "2", "--max-length", "512", "--resume"};
  };
  ASSERT_EQ(run_cli(args(f.root + "/ref")).exit_code, 0);
  const std::string out = f.root + "/killed";
  const Campaign c = run_campaign(args(out), [&] { return tree_bytes(out); }, 600, f.root + "/log.txt", 12);
  ASSERT_TRUE(c.finished);
  EXPECT_EQ(read_file(f.root + "/ref/model.safetensors"), read_file(out + "/model.safetensors"))
      << "the resumed weights differ from the uninterrupted run's";
  EXPECT_EQ(read_jsonl(out + "/metrics.jsonl").size(), 60u) << "a step was lost or logged twice";
  report("train sft", c, {{"steps", 60}});
}

TEST(IntegrationFaults, DpoIterateSurvivesTwentyKillsWithEveryChainOnce) {
  const std::string dir = test::make_temp_dir("fault-dpo");
  const std::string ckpt = test::write_tiny_agent_checkpoint(dir + "/ckpt");
  auto tasks = test::make_vw_tasks(96);
  for (auto& t : tasks) t.image.clear();  // text-only questions (the helper writes no image files)
  test::write_vw_tasks(dir + "/tasks", tasks);
  auto args = [&](const std::string& out) {
    return std::vector<std::string>{"--threads", "1", "dpo-iterate", "--reason", ckpt, "--summary", ckpt,
                                    "--tasks", dir + "/tasks", "--out", out, "--rounds", "2", "--paths", "4",
                                    "--questions", "48", "--concurrency", "4", "--max-new-tokens", "24",
                                    "--no-progress"};
  };
  ASSERT_EQ(run_cli(args(dir + "/ref")).exit_code, 0);
  const std::string out = dir + "/killed";
  const Campaign c = run_campaign(args(out), [&] { return tree_bytes(out); }, 300, dir + "/log.txt", 13);
  ASSERT_TRUE(c.finished);
  int64_t chains = 0;
  for (int round = 1; round <= 2; ++round) {
    const std::string ledger = "/round-" + std::to_string(round) + "/samples.jsonl";
    const auto rows = read_jsonl(out + ledger);
    std::set<std::string> keys;
    for (const auto& row : rows) keys.insert(row.dump());
    EXPECT_EQ(rows.size(), read_jsonl(dir + "/ref" + ledger).size()) << ledger << ": rows lost or duplicated";
    EXPECT_EQ(keys.size(), rows.size()) << ledger << ": a row appears twice";
    EXPECT_TRUE(file_exists(out + "/round-" + std::to_string(round) + "/round.json"));
    EXPECT_TRUE(lines_of(out + ledger) == lines_of(dir + "/ref" + ledger)) << ledger << ": differs from the uninterrupted run's";
    chains += static_cast<int64_t>(rows.size());
  }
  // Same chains, same pairs, same training: the final policy equals the uninterrupted run's.
  EXPECT_EQ(read_file(out + "/round-2/model/model.safetensors"), read_file(dir + "/ref/round-2/model/model.safetensors"));
  report("dpo-iterate", c, {{"ledger_rows", chains}});
}

TEST(IntegrationFaults, PipelineSurvivesTwentyKillsWithTheUninterruptedModels) {
  const std::string dir = test::make_temp_dir("fault-pipeline");
  auto args = [&](const std::string& out) {
    return std::vector<std::string>{"pipeline", "--preset", "tiny", "--out", out, "--no-progress", "--threads", "2"};
  };
  ASSERT_EQ(run_cli(args(dir + "/ref")).exit_code, 0);
  const std::string out = dir + "/killed";
  const Campaign c = run_campaign(args(out), [&] { return tree_bytes(out); }, 2500, dir + "/log.txt", 14);
  ASSERT_TRUE(c.finished);
  // The trained models equal the uninterrupted run's, byte for byte.
  for (const char* stage : {"init", "base", "reason", "summary", "cot", "multi_turn", "summary_only"})
    EXPECT_EQ(read_file(dir + "/ref/" + stage + "/model.safetensors"), read_file(out + "/" + stage + "/model.safetensors"))
        << stage << ": the model differs from the uninterrupted run's";
  // Every stage finished once with the same configuration hash; the report has every system.
  for (const char* stage : {"world", "datagen", "assess", "tokenizer", "base", "dpo", "eval", "report"})
    EXPECT_EQ(read_json_file(dir + "/ref/" + std::string(stage) + "/stage.json")["hash"],
              read_json_file(out + "/" + std::string(stage) + "/stage.json")["hash"])
        << stage;
  EXPECT_EQ(read_json_file(out + "/report.json")["summary"]["table"].size(), 7u);
  report("pipeline --preset tiny", c);
}

// A small tmpfs as the output folder: filling it makes the job fail with a clear error, and
// what earlier runs wrote there stays intact; with space again, a rerun completes.
struct SmallDisk {
  std::string dir;
  bool mounted = false;
  SmallDisk(const std::string& at, const std::string& size) : dir(at) {
    make_dirs(dir);
    mounted = ::mount("tmpfs", dir.c_str(), "tmpfs", 0, ("size=" + size).c_str()) == 0;
  }
  ~SmallDisk() {
    if (mounted) ::umount2(dir.c_str(), MNT_DETACH);
  }
  // Fills the disk up to `leave` free bytes with a file named "filler".
  void fill(int64_t leave) {
    std::string chunk(1 << 16, 'x');
    AppendFile f(dir + "/filler");
    try {
      while (true) f.write(chunk);
    } catch (const Error&) {
    }
    const std::string filler = dir + "/filler";
    const int64_t size = static_cast<int64_t>(read_file(filler).size());
    ::truncate(filler.c_str(), static_cast<off_t>(std::max<int64_t>(0, size - leave)));
  }
  void unfill() { ::unlink((dir + "/filler").c_str()); }
};

TEST(IntegrationFaults, FullDiskGivesAClearErrorAndKeepsEarlierOutputs) {
  const std::string root = test::make_temp_dir("fault-disk");
  SmallDisk disk(root + "/disk", "192m");
  ASSERT_TRUE(disk.mounted) << "cannot mount a tmpfs at " << disk.dir << " (" << std::strerror(errno)
                            << "): this test needs root, as on the CI machine";
  // datagen: 40 tasks fit; then the disk is full and 400 more tasks cannot be written.
  test::write_vw_tasks(root + "/small", test::make_vw_tasks(40));
  test::write_vw_tasks(root + "/big", test::make_vw_tasks(400));
  auto datagen = [&](const std::string& tasks) {
    return run_cli({"datagen", "--tasks", tasks, "--backend", "teacher", "--paths", "4", "--out", disk.dir + "/dg",
                    "--sync-every", "1", "--no-progress"});
  };
  auto r = datagen(root + "/small");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto before = lines_of(disk.dir + "/dg/paths.jsonl", {"elapsed_ms"});
  ASSERT_EQ(before.size(), 160u);
  disk.fill(16 << 10);
  r = datagen(root + "/big");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("No space left on device"), std::string::npos) << r.err;
  // The earlier records are all still there (a torn last line is what the kill-safe reader drops).
  std::multiset<std::string> after;
  for (json j : read_jsonl(disk.dir + "/dg/paths.jsonl", JsonlOptions{true})) {
    j.erase("elapsed_ms");
    after.insert(j.dump());
  }
  for (const auto& row : before) EXPECT_EQ(after.count(row), 1u) << "an earlier record was lost";
  // train sft: a finished model, then a rerun on the full disk fails and leaves it intact.
  disk.unfill();
  const test::SftData f = test::make_sft_data("fault-train", 24, 3, 1);
  auto sft = [&](int steps) {
    return run_cli({"--threads", "1", "train", "sft", "--data", f.data, "--init", f.init, "--out",
                    disk.dir + "/sft", "--steps", std::to_string(steps), "--batch", "2", "--max-length", "256"});
  };
  // The datagen folder takes space too; make room for one model.
  ::unlink((disk.dir + "/dg/paths.jsonl").c_str());
  r = sft(1);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string model = read_file(disk.dir + "/sft/model.safetensors");
  disk.fill(64 << 10);
  r = sft(2);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("No space left on device"), std::string::npos) << r.err;
  EXPECT_EQ(read_file(disk.dir + "/sft/model.safetensors"), model) << "the earlier model was damaged";
  // With space again the rerun completes.
  disk.unfill();
  r = sft(2);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::printf("%s\n", json({{"test", "full_disk"}, {"tmpfs", "192m"}, {"datagen_records_kept", before.size()}}).dump().c_str());
}

}  // namespace
}  // namespace insightv
