// Tests of io/output_lock.h within one process (the cross-process refusals, kill -9 and --wait
// through the CLI are in tests/integration/output_lock_cli_test.cpp).
#include <unistd.h>

#include <gtest/gtest.h>

#include "io/json.h"
#include "io/output_lock.h"
#include "support/subprocess.h"
#include "util/error.h"
#include "util/fs.h"

namespace insightv {
namespace {

TEST(OutputLock, RecordsItsHolderAndReleasesOnDestruction) {
  const std::string dir = test::make_temp_dir("lock-basic") + "/out";
  {
    const OutputLock lock = OutputLock::acquire(dir, "test");
    ASSERT_TRUE(lock.held());
    EXPECT_TRUE(is_directory(dir));
    const json holder = json::parse(read_file(lock.path()));
    EXPECT_EQ(holder.at("pid").get<int64_t>(), static_cast<int64_t>(::getpid()));
    EXPECT_FALSE(holder.at("started").get<std::string>().empty());
    // Held by this process: a second writer in it is refused with a clear error.
    try {
      OutputLock::acquire(dir, "test");
      ADD_FAILURE() << "the same folder was locked twice";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("already being written by this process"), std::string::npos) << e.what();
    }
  }
  // Released: the file stays, unlocked, and the next writer takes it.
  EXPECT_TRUE(file_exists(dir + "/.insightv.lock"));
  EXPECT_TRUE(OutputLock::acquire(dir, "test").held());
}

TEST(OutputLock, NestedFoldersOfThisProcessAndOwnLocksDoNotRefuse) {
  const std::string root = test::make_temp_dir("lock-nested") + "/run";
  const OutputLock run = OutputLock::acquire(root, "test");
  const OutputLock stage = OutputLock::acquire(root + "/stage", "test");  // the pipeline's pattern
  EXPECT_TRUE(stage.held());
  // Only other processes count as holders.
  EXPECT_EQ(output_lock_holder(root + "/.insightv.lock"), "");
  EXPECT_TRUE(held_output_locks(root, ".insightv").empty());
}

TEST(OutputLock, MovedLocksStayHeldAndReleaseOnce) {
  const std::string dir = test::make_temp_dir("lock-move") + "/out";
  OutputLock a = OutputLock::acquire(dir, "test");
  OutputLock b = std::move(a);
  EXPECT_FALSE(a.held());  // NOLINT(bugprone-use-after-move): a moved-from lock holds nothing
  EXPECT_TRUE(b.held());
  b.release();
  EXPECT_FALSE(b.held());
  EXPECT_TRUE(OutputLock::acquire(dir, "test").held());
}

TEST(OutputLock, NamedLocksOfOneFolderAreIndependent) {
  const std::string dir = test::make_temp_dir("lock-named") + "/out";
  OutputLockOptions shard0, shard1;
  shard0.name = ".insightv.shard-0-of-2.lock";
  shard1.name = ".insightv.shard-1-of-2.lock";
  const OutputLock a = OutputLock::acquire(dir, "test", shard0);
  const OutputLock b = OutputLock::acquire(dir, "test", shard1);
  const OutputLock main = OutputLock::acquire(dir, "test");
  EXPECT_TRUE(a.held() && b.held() && main.held());
}

TEST(OutputLock, AFolderThatCannotBeCreatedIsAClearError) {
  const std::string dir = test::make_temp_dir("lock-bad");
  write_file_atomic(dir + "/file", "x");
  try {
    OutputLock::acquire(dir + "/file/out", "test");
    ADD_FAILURE() << "a folder under a file was locked";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(dir + "/file"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace insightv
