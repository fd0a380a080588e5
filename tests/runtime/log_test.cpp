#include "otp/log.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace otp::log {
namespace {

// Every test leaves the process-wide level as it found it.
class Log : public testing::Test {
 protected:
  void SetUp() override { set_level(level::debug); }
  void TearDown() override { set_level(saved_); }

 private:
  level saved_ = get_level();
};

TEST_F(Log, DropsRecordsBelowTheLevel) {
  capture captured;
  set_level(level::warning);
  write(level::info, "too quiet");
  write(level::notice, "still too quiet");
  write(level::warning, "loud enough");
  report(level::info, "progress", {{"application", "kernel"}});
  report(level::error, "crash_report", {{"pid", "<0.42.0>"}});

  EXPECT_EQ(captured.lines(), (std::vector<std::string>{"loud enough", "=CRASH REPORT==== pid: <0.42.0>"}));
}

TEST_F(Log, EnabledFollowsTheLevelOrder) {
  set_level(level::notice);
  EXPECT_EQ(get_level(), level::notice);
  EXPECT_FALSE(enabled(level::debug));
  EXPECT_FALSE(enabled(level::info));
  EXPECT_TRUE(enabled(level::notice));
  EXPECT_TRUE(enabled(level::critical));
  EXPECT_EQ(to_string(level::warning), "warning");
}

TEST_F(Log, ReportRendersLikeOtpLegacyFormat) {
  capture captured;
  report(level::error, "supervisor_report",
         {{"context", "child_terminated"}, {"supervisor", "{local,sup}"}, {"reason", "killed"}});

  EXPECT_EQ(captured.lines(), std::vector<std::string>{"=SUPERVISOR REPORT==== context: child_terminated\n"
                                                       "    supervisor: {local,sup}\n"
                                                       "    reason: killed"});
}

TEST_F(Log, ReportHeaderNamesTheCategory) {
  capture captured;
  report(level::info, "progress", {{"application", "sasl"}, {"started_at", "nonode@nohost"}});
  report(level::info, "error_report", {});

  EXPECT_EQ(captured.lines(), (std::vector<std::string>{"=PROGRESS REPORT==== application: sasl\n"
                                                        "    started_at: nonode@nohost",
                                                        "=ERROR REPORT===="}));
}

TEST_F(Log, ReportIndentsMultiLineValues) {
  capture captured;
  report(level::error, "crash_report", {{"pid", "<0.42.0>"}, {"stacktrace", "frame one\nframe two"}});

  EXPECT_EQ(captured.lines(), std::vector<std::string>{"=CRASH REPORT==== pid: <0.42.0>\n"
                                                       "    stacktrace: frame one\n"
                                                       "        frame two"});
}

TEST_F(Log, CaptureKeepsLevelsInOrderUntilCleared) {
  capture captured;
  write(level::debug, "first");
  write(level::critical, "second");

  const std::vector<record> records = captured.records();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].severity, level::debug);
  EXPECT_EQ(records[0].text, "first");
  EXPECT_EQ(records[1].severity, level::critical);
  EXPECT_TRUE(captured.contains("seco"));
  EXPECT_FALSE(captured.contains("third"));

  captured.clear();
  EXPECT_TRUE(captured.records().empty());
}

TEST_F(Log, CaptureStopsReceivingWhenDestroyed) {
  capture outer;
  {
    capture inner;
    write(level::info, "both see this");
    EXPECT_TRUE(inner.contains("both see this"));
  }
  write(level::info, "only outer sees this");

  EXPECT_EQ(outer.lines(), (std::vector<std::string>{"both see this", "only outer sees this"}));
}

TEST_F(Log, CaptureCollectsWholeRecordsFromManyThreads) {
  constexpr int threads = 4;
  constexpr int per_thread = 50;
  capture captured;
  {
    std::vector<std::jthread> writers;
    for (int t = 0; t < threads; ++t) {
      writers.emplace_back([t] {
        for (int i = 0; i < per_thread; ++i) {
          report(level::debug, "progress", {{"thread", std::to_string(t)}, {"record", std::to_string(i)}});
        }
      });
    }
  }

  const std::vector<std::string> lines = captured.lines();
  ASSERT_EQ(lines.size(), std::size_t{threads * per_thread});
  for (const std::string& line : lines) EXPECT_TRUE(line.starts_with("=PROGRESS REPORT==== thread: ")) << line;
}

// The environment is read when the logger is first used, so these run in a fresh process (the
// threadsafe death-test style re-executes the test binary) and must not log before EXPECT_EXIT.
TEST(LogDeathTest, LevelComesFromTheEnvironment) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        setenv("OTP_LOG_LEVEL", "error", 1);
        std::exit(get_level() == level::error ? 0 : 1);
      },
      testing::ExitedWithCode(0), "");
}

TEST(LogDeathTest, JsonFormatWritesOneObjectPerRecord) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        setenv("OTP_LOG_FORMAT", "json", 1);
        setenv("OTP_LOG_LEVEL", "info", 1);
        capture captured;
        write(level::info, "hello");
        report(level::error, "supervisor_report", {{"context", "child_terminated"}, {"reason", "a \"quoted\"\nline"}});
        // Captures keep the plain layout whatever the output format.
        std::exit(captured.contains("=SUPERVISOR REPORT==== context: child_terminated\n    reason: a") ? 0 : 1);
      },
      testing::ExitedWithCode(0),
      R"(\{"time":"[^"]+","level":"info","msg":"hello"\}
\{"time":"[^"]+","level":"error","category":"supervisor_report","context":"child_terminated","reason":"a \\"quoted\\"\\nline"\})");
}

}  // namespace
}  // namespace otp::log
