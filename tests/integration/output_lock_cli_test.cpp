// One writer per output, through the real CLI (io/output_lock.h): every verb that writes
// resumable state refuses a folder another process is writing, before writing anything; two
// datagens started on one folder leave exactly one run's records; kill -9 of the holder leaves
// no stale lock; --wait waits its turn; shards of one folder run together.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "io/json.h"
#include "io/output_lock.h"
#include "support/subprocess.h"
#include "support/vw_tasks.h"
#include "util/fs.h"

namespace insightv {
namespace {

using test::run_cli;

// Every file under `dir` with its size, except the lock files (a refused writer may touch those).
std::set<std::string> listing(const std::string& dir) {
  std::set<std::string> out;
  const auto r = test::run_process({"/usr/bin/find", dir, "-type", "f", "-not", "-name", ".insightv*.lock",
                                    "-printf", "%P %s\n"});
  std::string line;
  for (char ch : r.out) {
    if (ch == '\n') {
      out.insert(line);
      line.clear();
    } else {
      line += ch;
    }
  }
  return out;
}

std::multiset<std::string> records(const std::string& path) {
  std::multiset<std::string> out;
  for (json j : read_jsonl(path)) {
    j.erase("elapsed_ms");
    out.insert(j.dump());
  }
  return out;
}

// Whether the child `pid` has not exited yet; does not reap it (test::wait_process does).
bool still_running(int pid) {
  siginfo_t info{};
  return waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == 0;
}

// Waits until another process holds the lock file at `path` (or `pid` exits); true when held.
bool wait_for_holder(const std::string& path, int pid) {
  for (int i = 0; i < 3000; ++i) {
    if (!output_lock_holder(path).empty()) return true;
    if (!still_running(pid)) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return false;
}

// A teacher datagen over `n` tasks × 8 paths, with an uninterrupted reference run in dir/ref.
struct DatagenJob {
  std::string dir, tasks;
  DatagenJob(const std::string& tag, int n)
      : dir(test::make_temp_dir(tag)), tasks(test::write_vw_tasks(dir + "/tasks", test::make_vw_tasks(n))) {
    const auto ref = test::run_process(args(dir + "/ref"));
    if (ref.exit_code != 0) ADD_FAILURE() << "the reference run failed: " << ref.err;
  }
  std::vector<std::string> args(const std::string& out) const {
    return {INSIGHTV_CLI_PATH, "datagen", "--tasks", tasks, "--backend", "teacher", "--paths", "8",
            "--out",           out,       "--no-progress"};
  }
  // Starts it in the background on `out` and returns once it holds the lock (its pid).
  int start(const std::string& out) const {
    const int pid = test::spawn_process(args(out), dir + "/first.log");
    EXPECT_TRUE(wait_for_holder(out + "/.insightv.lock", pid)) << read_file(dir + "/first.log");
    return pid;
  }
};

TEST(IntegrationOutputLock, EveryWriterVerbRefusesAFolderAnotherProcessWrites) {
  const std::string root = test::make_temp_dir("lock-verbs");
  const std::string out = root + "/out";
  const OutputLock held = OutputLock::acquire(out, "test");
  write_file_atomic(out + "/earlier.txt", "what the first writer made");
  const auto before = listing(out);
  const std::string x = root + "/missing";  // inputs are never read: the lock comes first
  const std::vector<std::vector<std::string>> verbs = {
      {"world", "--out", out, "--n", "2", "--no-progress"},
      {"datagen", "--tasks", x, "--backend", "teacher", "--out", out, "--no-progress"},
      {"datagen", "merge", "--out", out},
      {"assess", "--in", x, "--tasks", x, "--out", out},
      {"train", "sft", "--data", x, "--init", x, "--out", out, "--steps", "1"},
      {"train", "dpo", "--pairs", x, "--init", x, "--out", out, "--steps", "1"},
      {"train", "vision", "--init", x, "--out", out},
      {"dpo-iterate", "--reason", x, "--summary", x, "--tasks", x, "--out", out},
      {"eval", "--benchmark", x, "--system", "direct", "--model", x, "--out", out},
      {"eval", "--probe", "--benchmark", x, "--model", x, "--out", out},
      {"pipeline", "--preset", "tiny", "--out", out, "--no-progress"},
  };
  const std::string who = "is being written by pid " + std::to_string(::getpid());
  for (const auto& args : verbs) {
    std::string cmd;
    for (const auto& a : args) cmd += a + " ";
    const auto r = run_cli(args);
    EXPECT_EQ(r.exit_code, 1) << cmd << "\n" << r.err;
    EXPECT_NE(r.err.find(out + " " + who), std::string::npos) << cmd << "\n" << r.err;
    EXPECT_NE(r.err.find("wait for it (--wait), or use another --out"), std::string::npos) << cmd << "\n" << r.err;
    EXPECT_EQ(listing(out), before) << cmd << ": the refused writer changed the folder";
  }
  // A folder inside one being written is refused too (an eval run by hand inside a pipeline's folder).
  const auto r = run_cli({"eval", "--benchmark", x, "--system", "direct", "--model", x, "--out", out + "/eval"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find(out + "/eval is inside "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(who), std::string::npos) << r.err;
  EXPECT_EQ(listing(out), before);
}

TEST(IntegrationOutputLock, APipelineRefusesAStageFolderSomeoneElseWrites) {
  const std::string out = test::make_temp_dir("lock-pipeline") + "/run";
  const OutputLock held = OutputLock::acquire(out + "/world", "test");
  write_file_atomic(out + "/world/mine.txt", "not the pipeline's");
  const auto r = run_cli({"pipeline", "--preset", "tiny", "--out", out, "--stop-after", "world", "--no-progress"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find(out + "/world is being written by pid " + std::to_string(::getpid())), std::string::npos)
      << r.err;
  EXPECT_EQ(read_file(out + "/world/mine.txt"), "not the pipeline's");  // never removed
}

TEST(IntegrationOutputLock, TwoDatagensOnOneFolderLeaveExactlyOneRunsRecords) {
  // 48,000 paths: ~4 s of work for the first job (12k paths/s), against ~1 s for the second to
  // start, meet the lock and exit.
  const DatagenJob job("lock-datagen", 6000);
  const std::string out = job.dir + "/out";
  const int first = job.start(out);
  const auto second = test::run_process(job.args(out));
  const bool overlapped = still_running(first);
  EXPECT_EQ(test::wait_process(first), 0) << read_file(job.dir + "/first.log");
  ASSERT_TRUE(overlapped) << "the first datagen ended before the second was refused: make the job bigger";
  EXPECT_EQ(second.exit_code, 1) << second.err;
  EXPECT_NE(second.err.find("is being written by pid " + std::to_string(first)), std::string::npos) << second.err;
  EXPECT_NE(second.err.find("insightv datagen --tasks"), std::string::npos) << second.err;  // the holder's command
  // Each record once, the same as one uninterrupted run.
  EXPECT_TRUE(records(out + "/paths.jsonl") == records(job.dir + "/ref/paths.jsonl"));
}

TEST(IntegrationOutputLock, KillNineOfTheHolderLeavesNoStaleLock) {
  const DatagenJob job("lock-kill", 1200);
  const std::string out = job.dir + "/out";
  const int first = job.start(out);
  ::kill(first, SIGKILL);
  EXPECT_EQ(test::wait_process(first), 128 + SIGKILL);
  EXPECT_TRUE(file_exists(out + "/.insightv.lock"));  // the file stays; the kernel dropped the lock
  const auto rerun = test::run_process(job.args(out));
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
  EXPECT_TRUE(records(out + "/paths.jsonl") == records(job.dir + "/ref/paths.jsonl"));
}

TEST(IntegrationOutputLock, WaitProceedsWhenTheHolderEnds) {
  const std::string dir = test::make_temp_dir("lock-wait");
  const std::string out = dir + "/world";
  auto held = std::make_unique<OutputLock>(OutputLock::acquire(out, "test"));
  const int waiter = test::spawn_process({INSIGHTV_CLI_PATH, "world", "--out", out, "--n", "3", "--family", "clock",
                                          "--no-progress", "--wait"},
                                         dir + "/waiter.log");
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_TRUE(still_running(waiter)) << read_file(dir + "/waiter.log");
  EXPECT_FALSE(file_exists(out + "/tasks.jsonl"));
  held.reset();  // the holder ends
  EXPECT_EQ(test::wait_process(waiter), 0) << read_file(dir + "/waiter.log");
  EXPECT_EQ(read_jsonl(out + "/tasks.jsonl").size(), 3u);
  const std::string log = read_file(dir + "/waiter.log");
  EXPECT_NE(log.find("waiting: " + out + " is being written by pid " + std::to_string(::getpid())), std::string::npos)
      << log;
}

TEST(IntegrationOutputLock, ShardsOfOneFolderRunTogetherButNotTwoCopiesOfOneShard) {
  const std::string dir = test::make_temp_dir("lock-shards");
  const std::string tasks = test::write_vw_tasks(dir + "/tasks", test::make_vw_tasks(20));
  const std::string out = dir + "/out";
  auto shard = [&](const std::string& s) {
    return run_cli({"datagen", "--tasks", tasks, "--backend", "teacher", "--paths", "2", "--out", out, "--shard", s,
                    "--no-progress"});
  };
  OutputLockOptions o;
  o.name = ".insightv.shard-0-of-2.lock";
  auto shard0 = std::make_unique<OutputLock>(OutputLock::acquire(out, "test", o));  // shard 0 is running
  auto r = shard("1/2");
  EXPECT_EQ(r.exit_code, 0) << r.err;  // another shard of the same folder runs beside it
  r = shard("0/2");
  EXPECT_EQ(r.exit_code, 1) << r.err;  // a second copy of shard 0 does not
  EXPECT_NE(r.err.find("is being written by pid " + std::to_string(::getpid())), std::string::npos) << r.err;
  r = run_cli({"datagen", "merge", "--out", out});
  EXPECT_EQ(r.exit_code, 1) << r.err;  // nor does a merge while a shard is written
  EXPECT_NE(r.err.find("a shard is still being written"), std::string::npos) << r.err;
  shard0.reset();
  ASSERT_EQ(shard("0/2").exit_code, 0);
  r = run_cli({"datagen", "merge", "--out", out});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_jsonl(out + "/paths.jsonl").size(), 40u);
}

}  // namespace
}  // namespace insightv
