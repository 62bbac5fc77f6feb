// Unit tests of util/: errors, RNG, progress bar formatting, atomic files.
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <set>
#include <vector>

#include <gtest/gtest.h>

#include "support/subprocess.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/memory.h"
#include "util/progress.h"
#include "util/rng.h"

using namespace insightv;

TEST(Error, MessageNamesWhereWhatAndHint) {
  const Error e("safetensors", "header length 99 exceeds file size 10", "file truncated?");
  EXPECT_STREQ(e.what(), "[safetensors] header length 99 exceeds file size 10 — file truncated?");
  EXPECT_EQ(e.where(), "safetensors");
  EXPECT_EQ(Error("cli", "bad").what(), std::string("[cli] bad"));
}

TEST(Error, CheckThrowsOnlyWhenFalse) {
  EXPECT_NO_THROW(check(true, "x", "never"));
  EXPECT_THROW(check(false, "x", "always"), Error);
}

TEST(Memory, ResetStartsANewPeakWindow) {
  const double base = current_rss_mib();
  ASSERT_GT(base, 0);
  {
    // Straight from the kernel (not malloc), so that freeing really returns it, sanitizers included.
    const size_t bytes = size_t{256} << 20;
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ASSERT_NE(p, MAP_FAILED);
    for (size_t i = 0; i < bytes; i += 4096) static_cast<char*>(p)[i] = 1;  // touch every page
    EXPECT_GT(peak_rss_mib(), base + 200);
    munmap(p, bytes);
  }
  EXPECT_LT(current_rss_mib(), base + 100);
  EXPECT_GT(peak_rss_mib(), base + 200);  // the peak outlives the memory
  ASSERT_TRUE(reset_peak_rss()) << "this kernel refuses /proc/self/clear_refs";
  EXPECT_LT(peak_rss_mib(), base + 100);  // the window starts at what is resident now
  EXPECT_GE(peak_rss_mib() + 1, current_rss_mib());
}

TEST(Rng, SameSeedSameStreamAndKnownFirstValue) {
  Rng a(42), b(42), c(43);
  const uint64_t a0 = a.next_u64();
  EXPECT_EQ(a0, b.next_u64());
  EXPECT_NE(a0, c.next_u64());
  // splitmix64 of 0 is a published constant: pins the seeding across platforms.
  uint64_t s = 0;
  EXPECT_EQ(splitmix64(s), 0xe220a8397b1dcdafULL);
}

TEST(Rng, UniformIntCoversInclusiveRangeOnly) {
  Rng r(7);
  std::set<int64_t> seen;
  for (int i = 0; i < 2000; ++i) {
    const int64_t v = r.uniform_int(-2, 3);
    ASSERT_GE(v, -2);
    ASSERT_LE(v, 3);
    seen.insert(v);
  }
  EXPECT_EQ(seen.size(), 6u);
  EXPECT_THROW(r.uniform_int(3, 2), Error);
}

TEST(Rng, UniformAndNormalHaveExpectedMoments) {
  Rng r(1);
  double sum = 0, sum_n = 0, sum_n2 = 0;
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    const double u = r.uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
    const double z = r.normal();
    sum_n += z;
    sum_n2 += z * z;
  }
  EXPECT_NEAR(sum / n, 0.5, 0.01);
  EXPECT_NEAR(sum_n / n, 0.0, 0.03);
  EXPECT_NEAR(sum_n2 / n, 1.0, 0.05);
}

TEST(Rng, ForkIsDeterministicAndDoesNotAdvanceParent) {
  Rng a(5), b(5);
  Rng fa = a.fork(3), fb = b.fork(3), other = a.fork(4);
  EXPECT_EQ(fa.next_u64(), fb.next_u64());
  EXPECT_NE(a.fork(3).next_u64(), other.next_u64());
  EXPECT_EQ(a.next_u64(), Rng(5).next_u64());
}

TEST(Rng, ShuffleIsAPermutation) {
  Rng r(9);
  std::vector<int> v{0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  r.shuffle(v);
  std::set<int> s(v.begin(), v.end());
  EXPECT_EQ(s.size(), 10u);
  EXPECT_NE(v, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
}

TEST(Progress, RenderShowsCountRateAndEta) {
  ProgressOptions quiet;
  quiet.enabled = false;
  Progress p("work", 200, "items", quiet);
  p.add(50);
  const std::string line = p.render();
  EXPECT_NE(line.find("work ["), std::string::npos) << line;
  EXPECT_NE(line.find(" 25% 50/200 items"), std::string::npos) << line;
  EXPECT_NE(line.find("items/s"), std::string::npos) << line;
  EXPECT_NE(line.find("ETA "), std::string::npos) << line;
  Progress unknown("scan", 0, "files", quiet);
  unknown.add(3);
  EXPECT_NE(unknown.render().find("3 files"), std::string::npos);
  EXPECT_NE(unknown.render().find("elapsed"), std::string::npos);
}

TEST(Progress, FormatsDurations) {
  EXPECT_EQ(Progress::format_duration(5), "00:05");
  EXPECT_EQ(Progress::format_duration(125), "02:05");
  EXPECT_EQ(Progress::format_duration(3725), "1:02:05");
  EXPECT_EQ(Progress::format_duration(-1), "--:--");
}

TEST(AtomicFile, CommitReplacesContentAndLeavesNoTemp) {
  const std::string dir = test::make_temp_dir("atomic");
  const std::string path = dir + "/data.txt";
  write_file_atomic(path, "old");
  {
    AtomicFile f(path);
    f.write("new ");
    f.write("content");
    EXPECT_EQ(read_file(path), "old");  // not visible before commit
    f.commit();
  }
  EXPECT_EQ(read_file(path), "new content");
  EXPECT_FALSE(file_exists(path + ".tmp-" + std::to_string(getpid())));
}

TEST(AtomicFile, AbandonedWriteRemovesTempAndKeepsOriginal) {
  const std::string dir = test::make_temp_dir("atomic");
  const std::string path = dir + "/data.txt";
  write_file_atomic(path, "original");
  std::string temp;
  {
    AtomicFile f(path);
    temp = f.temp_path();
    f.write("half");
  }  // an exception unwinding through here behaves the same
  EXPECT_EQ(read_file(path), "original");
  EXPECT_FALSE(file_exists(temp));
}

TEST(AtomicFile, CrashBeforeCommitLeavesTempAndOriginalIntact) {
  const std::string dir = test::make_temp_dir("atomic");
  const std::string path = dir + "/data.txt";
  write_file_atomic(path, "original");
  int pipefd[2];
  ASSERT_EQ(pipe(pipefd), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {  // the child writes half a file, then dies by SIGKILL, as a killed job would
    AtomicFile f(path);
    f.write(std::string(1 << 20, 'x'));
    const char ok = 1;
    (void)!write(pipefd[1], &ok, 1);
    raise(SIGKILL);
    _exit(0);
  }
  close(pipefd[1]);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
  EXPECT_EQ(read_file(path), "original");
  const std::string temp = path + ".tmp-" + std::to_string(pid);
  ASSERT_TRUE(file_exists(temp)) << "the killed writer's temp file should remain";
  EXPECT_EQ(read_file(temp).size(), size_t(1) << 20);
  close(pipefd[0]);
}

TEST(Fs, ReadFileErrorsNameThePath) {
  try {
    read_file("/nonexistent/insightv/file.txt");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/insightv/file.txt"), std::string::npos);
  }
}

TEST(Fs, MakeDirsCreatesNestedAndRejectsFiles) {
  const std::string dir = test::make_temp_dir("dirs");
  make_dirs(dir + "/a/b/c");
  EXPECT_TRUE(is_directory(dir + "/a/b/c"));
  write_file_atomic(dir + "/file", "x");
  EXPECT_THROW(make_dirs(dir + "/file/sub"), Error);
  EXPECT_EQ(parent_dir("a/b/c.txt"), "a/b");
  EXPECT_EQ(parent_dir("c.txt"), ".");
  EXPECT_EQ(join_path("a/", "b"), "a/b");
}
