// The SQLite release history: schema creation in WAL mode, migration of a hand-made version-1
// database, the rows and statuses after a sequence of events, an interrupted install found at the
// next open, and errors that name the database and the statement.
#include "otp/release_history.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "release_test_support.hpp"

namespace {

using otp::release::history_error;
using otp::release::install_direction;
using otp::release::install_result;
using otp::release::module_file_record;
using otp::release::release_history;
using otp::release::release_status;

// Raw SQLite access, independent of the code under test.
class raw_db {
 public:
  explicit raw_db(const std::filesystem::path& p) {
    if (sqlite3_open(p.c_str(), &db_) != SQLITE_OK) ADD_FAILURE() << "open " << p;
  }
  ~raw_db() { sqlite3_close(db_); }
  void exec(const std::string& sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << (err ? err : "?");
      sqlite3_free(err);
    }
  }
  std::vector<std::string> column(const std::string& sql) {
    std::vector<std::string> out;
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db_);
      return out;
    }
    while (sqlite3_step(s) == SQLITE_ROW) {
      const auto* t = sqlite3_column_text(s, 0);
      out.emplace_back(t ? reinterpret_cast<const char*>(t) : "NULL");
    }
    sqlite3_finalize(s);
    return out;
  }
  std::string one(const std::string& sql) {
    auto c = column(sql);
    return c.empty() ? "<none>" : c[0];
  }

 private:
  sqlite3* db_ = nullptr;
};

std::vector<std::string> kinds(const release_history& h) {
  std::vector<std::string> out;
  for (const auto& e : h.events()) out.push_back(e.kind);
  return out;
}

const std::string kSha = std::string(64, 'a');

TEST(ReleaseHistory, CreatesTheSchemaInWalMode) {
  rel_test::temp_dir dir;
  const auto db = dir.path() / "node.history.db";
  {
    release_history h(db);
    EXPECT_EQ(h.user_version(), release_history::schema_version);
    EXPECT_EQ(h.journal_mode(), "wal");
    EXPECT_EQ(h.synchronous(), 2);  // FULL
    EXPECT_TRUE(h.releases().empty());
    EXPECT_TRUE(h.events().empty());
    EXPECT_TRUE(h.interrupted_installs().empty());
  }
  raw_db raw(db);
  EXPECT_EQ(raw.one("PRAGMA journal_mode"), "wal");  // WAL is a property of the file
  EXPECT_EQ(raw.one("PRAGMA user_version"), std::to_string(release_history::schema_version));
  const auto tables = raw.column("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
  const std::set<std::string> names(tables.begin(), tables.end());
  EXPECT_TRUE(names.count("releases"));
  EXPECT_TRUE(names.count("events"));
  EXPECT_TRUE(names.count("release_files"));
  // The constraints hold for any writer.
  sqlite3* check = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &check), SQLITE_OK);
  EXPECT_NE(sqlite3_exec(check, "INSERT INTO releases(vsn, name, status) VALUES ('9', 'r', 'weird')", nullptr, nullptr,
                         nullptr),
            SQLITE_OK);
  EXPECT_NE(sqlite3_exec(check, "INSERT INTO events(at, kind) VALUES ('now', 'party')", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(check);
  // Reopening is idempotent.
  release_history again(db);
  EXPECT_EQ(again.user_version(), release_history::schema_version);
}

// The history names releases and install failures: only the node's user may read it, whatever the
// umask, its -wal and -shm files included; a database made before with a wider mode is narrowed.
TEST(ReleaseHistory, ItsFilesAreForItsOwnerOnly) {
  rel_test::temp_dir dir;
  const auto db = dir.path() / "history.sqlite";
  auto mode = [](const std::filesystem::path& p) {
    struct stat info {};
    EXPECT_EQ(::stat(p.c_str(), &info), 0) << p;
    return info.st_mode & 07777;
  };
  const mode_t previous = ::umask(0);
  {
    release_history h(db);
    h.record_boot("rel", "1.0");
    for (const char* suffix : {"", "-wal", "-shm"}) EXPECT_EQ(mode(db.string() + suffix), 0600u) << suffix;
  }
  ::chmod(db.c_str(), 0644);
  { release_history again(db); }
  EXPECT_EQ(mode(db), 0600u) << "narrowed at the next open";
  ::umask(previous);
}

TEST(ReleaseHistory, MigratesAVersionOneDatabase) {
  rel_test::temp_dir dir;
  const auto db = dir.path() / "old.db";
  {
    raw_db raw(db);  // version 1, as an older otp-cpp wrote it
    raw.exec(R"sql(
CREATE TABLE releases(vsn TEXT PRIMARY KEY, name TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('unpacked', 'current', 'permanent', 'old')));
CREATE TABLE events(id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, kind TEXT NOT NULL, name TEXT, vsn TEXT,
  from_vsn TEXT, install_id INTEGER, outcome TEXT, reason TEXT);
INSERT INTO releases VALUES ('1.0', 'myrel', 'permanent'), ('2.0', 'myrel', 'unpacked');
INSERT INTO events(at, kind, name, vsn) VALUES ('2026-01-01T00:00:00.000Z', 'boot', 'myrel', '1.0');
INSERT INTO events(at, kind, name, vsn) VALUES ('2026-01-01T00:00:01.000Z', 'unpack', 'myrel', '2.0');
INSERT INTO events(at, kind, name, vsn, from_vsn) VALUES ('2026-01-01T00:00:02.000Z', 'install_start', 'myrel', '2.0', '1.0');
PRAGMA user_version = 1;
)sql");
    EXPECT_EQ(raw.one("PRAGMA journal_mode"), "delete");
  }
  release_history h(db);
  EXPECT_EQ(h.user_version(), release_history::schema_version);
  EXPECT_EQ(h.journal_mode(), "wal");
  ASSERT_EQ(h.releases().size(), 2u);
  EXPECT_EQ(h.status_of("1.0"), release_status::permanent);
  EXPECT_EQ(h.status_of("2.0"), release_status::unpacked);
  EXPECT_EQ(kinds(h), (std::vector<std::string>{"boot", "unpack", "install_start"}));
  EXPECT_EQ(h.events()[2].id, 3);
  EXPECT_EQ(h.events()[2].at, "2026-01-01T00:00:02.000Z");
  // The old install that never ended is visible after the migration ...
  const auto cut = h.interrupted_installs();
  ASSERT_EQ(cut.size(), 1u);
  EXPECT_EQ(cut[0].install_id, 3);
  EXPECT_EQ(cut[0].from_vsn, "1.0");
  EXPECT_EQ(cut[0].vsn, "2.0");
  // ... and the new columns work on the migrated tables.
  h.record_unpack("myrel", "3.0", {{"counter", "1.2.0", "counter", "lib/counter-1.2.0/modules/counter.so", kSha}});
  EXPECT_EQ(h.files_of("3.0").size(), 1u);
  const auto id = h.record_install_start("myrel", "1.0", "3.0");
  h.record_install_end(id, install_result{true, "", std::chrono::milliseconds(5), 1, 2});
  EXPECT_EQ(h.events().back().processes_migrated, 2);
  raw_db raw(db);
  EXPECT_EQ(raw.one("SELECT direction FROM events WHERE id = 3"), "upgrade");  // filled in by the migration
}

TEST(ReleaseHistory, AFailedMigrationLeavesTheDatabaseAsItWas) {
  rel_test::temp_dir dir;
  const auto db = dir.path() / "clash.db";
  {
    raw_db raw(db);  // version 1, plus a table that migration 2 wants to create
    raw.exec(R"sql(
CREATE TABLE releases(vsn TEXT PRIMARY KEY, name TEXT NOT NULL, status TEXT NOT NULL);
CREATE TABLE events(id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, kind TEXT NOT NULL, name TEXT, vsn TEXT,
  from_vsn TEXT, install_id INTEGER, outcome TEXT, reason TEXT);
CREATE TABLE release_files(x);
INSERT INTO events(at, kind) VALUES ('2026-01-01T00:00:00.000Z', 'boot');
PRAGMA user_version = 1;
)sql");
  }
  try {
    release_history h(db);
    ADD_FAILURE() << "the migration did not fail";
  } catch (const history_error& e) {
    EXPECT_EQ(e.database(), db.string());
    EXPECT_NE(e.statement().find("CREATE TABLE release_files"), std::string::npos) << e.statement();
    EXPECT_NE(e.message().find("table release_files already exists"), std::string::npos) << e.message();
  }
  raw_db raw(db);
  EXPECT_EQ(raw.one("PRAGMA user_version"), "1");
  // The earlier steps of migration 2 were rolled back with it.
  EXPECT_EQ(raw.column("SELECT name FROM pragma_table_info('events') WHERE name = 'direction'").size(), 0u);
  EXPECT_EQ(raw.column("SELECT name FROM pragma_table_info('releases') WHERE name = 'unpacked_at'").size(), 0u);
  EXPECT_EQ(raw.one("SELECT count(*) FROM events"), "1");
}

TEST(ReleaseHistory, RefusesANewerSchema) {
  rel_test::temp_dir dir;
  const auto db = dir.path() / "future.db";
  {
    raw_db raw(db);
    raw.exec("PRAGMA user_version = 99");
  }
  try {
    release_history h(db);
    ADD_FAILURE() << "a version-99 database was opened";
  } catch (const history_error& e) {
    EXPECT_EQ(e.database(), db.string());
    EXPECT_NE(e.message().find("schema version 99"), std::string::npos) << e.what();
  }
}

TEST(ReleaseHistory, RowsAndStatusesAfterASequenceOfEvents) {
  rel_test::temp_dir dir;
  release_history h(dir.path() / "node.db");
  h.record_boot("myrel", "1.0");  // first boot: the running release becomes known as permanent
  EXPECT_EQ(h.status_of("1.0"), release_status::permanent);

  const std::vector<module_file_record> files{
      {"counter", "1.1.0", "counter", "lib/counter-1.1.0/modules/counter-1.1.0.so", std::string(64, 'b')},
      {"counter", "1.1.0", "counter_store", "lib/counter-1.1.0/modules/counter_store.so", std::string(64, 'c')}};
  h.record_unpack("myrel", "2.0", files);
  EXPECT_EQ(h.status_of("2.0"), release_status::unpacked);
  ASSERT_EQ(h.files_of("2.0").size(), 2u);
  EXPECT_EQ(h.files_of("2.0")[1].module, "counter_store");
  EXPECT_EQ(h.files_of("2.0")[1].sha256, std::string(64, 'c'));

  const auto up = h.record_install_start("myrel", "1.0", "2.0");
  EXPECT_EQ(h.interrupted_installs().size(), 1u);  // while it runs, it looks like one
  h.record_install_end(up, install_result{true, "", std::chrono::milliseconds(12), 3, 7});
  EXPECT_TRUE(h.interrupted_installs().empty());
  EXPECT_EQ(h.status_of("2.0"), release_status::current);
  EXPECT_EQ(h.status_of("1.0"), release_status::permanent);  // current is not permanent

  h.record_make_permanent("2.0");
  EXPECT_EQ(h.status_of("2.0"), release_status::permanent);
  EXPECT_EQ(h.status_of("1.0"), release_status::old);
  EXPECT_EQ(h.permanent_vsn(), "2.0");

  h.record_unpack("myrel", "3.0", {});
  const auto failed = h.record_install_start("myrel", "2.0", "3.0");
  h.record_install_end(failed, install_result{false, "code_change of counter in <0.42.0> threw badarg",
                                              std::chrono::milliseconds(40), 1, 0});
  EXPECT_EQ(h.status_of("3.0"), release_status::unpacked);  // a failed install changes no status
  EXPECT_EQ(h.status_of("2.0"), release_status::permanent);

  const auto down = h.record_install_start("myrel", "2.0", "1.0", install_direction::downgrade);
  h.record_install_end(down, install_result{true, "", std::chrono::milliseconds(9), 3, 7});
  EXPECT_EQ(h.status_of("1.0"), release_status::current);
  EXPECT_EQ(h.status_of("2.0"), release_status::permanent);

  // A restart boots the permanent release; the current one is unpacked again (OTP's RELEASES).
  h.record_boot("myrel", "2.0");
  EXPECT_EQ(h.status_of("1.0"), release_status::unpacked);
  EXPECT_EQ(h.status_of("2.0"), release_status::permanent);

  h.record_remove("3.0");
  EXPECT_FALSE(h.status_of("3.0"));
  EXPECT_TRUE(h.files_of("3.0").empty());

  EXPECT_EQ(kinds(h), (std::vector<std::string>{"boot", "unpack", "install_start", "install_end", "make_permanent",
                                                "unpack", "install_start", "install_end", "install_start",
                                                "install_end", "downgrade", "boot", "remove"}));
  const auto ev = h.events();
  const auto& ok_end = ev[3];
  EXPECT_EQ(ok_end.install_id, up);
  EXPECT_EQ(ok_end.outcome, "ok");
  EXPECT_EQ(ok_end.from_vsn, "1.0");
  EXPECT_EQ(ok_end.vsn, "2.0");
  EXPECT_EQ(ok_end.duration_ms, 12);
  EXPECT_EQ(ok_end.modules_changed, 3);
  EXPECT_EQ(ok_end.processes_migrated, 7);
  const auto& bad_end = ev[7];
  EXPECT_EQ(bad_end.outcome, "failed");
  EXPECT_EQ(bad_end.reason, "code_change of counter in <0.42.0> threw badarg");
  EXPECT_EQ(bad_end.duration_ms, 40);
  EXPECT_EQ(ev[10].install_id, down);
  EXPECT_EQ(ev[10].from_vsn, "2.0");
  EXPECT_EQ(ev[10].vsn, "1.0");
  for (const auto& e : ev) EXPECT_EQ(e.at.size(), 24u) << e.at;  // 2026-11-22T06:20:00.123Z
  std::vector<std::string> statuses;
  for (const auto& r : h.releases()) statuses.push_back(r.vsn + ":" + std::string(to_string(r.status)));
  EXPECT_EQ(statuses, (std::vector<std::string>{"1.0:unpacked", "2.0:permanent"}));
}

TEST(ReleaseHistory, AnInterruptedInstallIsFoundAtTheNextOpen) {
  rel_test::temp_dir dir;
  const auto db = dir.path() / "node.db";
  std::int64_t cut_id = 0;
  {
    release_history h(db);
    h.record_boot("myrel", "1.0");
    h.record_unpack("myrel", "2.0", {});
    const auto done = h.record_install_start("myrel", "1.0", "2.0");
    h.record_install_end(done, install_result{false, "suspend of counter timed out", {}, 0, 0});
    cut_id = h.record_install_start("myrel", "1.0", "2.0");
    // The node dies here: no install_end.
  }
  {
    release_history h(db);
    const auto cut = h.interrupted_installs();
    ASSERT_EQ(cut.size(), 1u);
    EXPECT_EQ(cut[0].install_id, cut_id);
    EXPECT_EQ(cut[0].name, "myrel");
    EXPECT_EQ(cut[0].from_vsn, "1.0");
    EXPECT_EQ(cut[0].vsn, "2.0");
    h.record_interrupted(cut_id);
    EXPECT_TRUE(h.interrupted_installs().empty());
    const auto last = h.events().back();
    EXPECT_EQ(last.kind, "install_interrupted");
    EXPECT_EQ(last.install_id, cut_id);
    EXPECT_EQ(last.outcome, "interrupted");
    EXPECT_EQ(last.reason, "node stopped during the install");
    EXPECT_EQ(h.status_of("2.0"), release_status::unpacked);
  }
  release_history h(db);
  EXPECT_TRUE(h.interrupted_installs().empty());  // recorded once, not found again
}

TEST(ReleaseHistory, ErrorsNameTheDatabaseAndTheStatement) {
  rel_test::temp_dir dir;
  const auto db = dir.path() / "node.db";
  release_history h(db);
  h.record_unpack("myrel", "2.0", {});
  try {
    h.record_unpack("myrel", "2.0", {});
    ADD_FAILURE() << "a release was unpacked twice";
  } catch (const history_error& e) {
    EXPECT_EQ(e.database(), db.string());
    EXPECT_NE(e.statement().find("INSERT INTO releases"), std::string::npos) << e.statement();
    EXPECT_NE(e.message().find("UNIQUE constraint failed: releases.vsn"), std::string::npos) << e.message();
    EXPECT_NE(std::string(e.what()).find(db.string()), std::string::npos);
  }
  // The failed transaction left nothing behind.
  EXPECT_EQ(kinds(h), std::vector<std::string>{"unpack"});
  EXPECT_THROW(h.record_unpack("myrel", "4.0", {{"a", "1", "m", "p", "not-a-sha"}}), history_error);
  EXPECT_FALSE(h.status_of("4.0"));
  EXPECT_THROW(h.record_install_end(12345, {}), history_error);
  const auto once = h.record_install_start("myrel", "1.0", "2.0");
  h.record_install_end(once, install_result{false, "soft_purge refused for counter", {}, 0, 0});
  EXPECT_THROW(h.record_install_end(once, {}), history_error);  // an install ends once
  EXPECT_EQ(h.status_of("2.0"), release_status::unpacked);
  EXPECT_THROW(h.record_make_permanent("9.9"), history_error);
  EXPECT_THROW(h.record_interrupted(777), history_error);
  try {
    release_history bad(dir.path() / "no" / "such" / "dir" / "x.db");
    ADD_FAILURE() << "opened a database in a missing directory";
  } catch (const history_error& e) {
    EXPECT_NE(std::string(e.what()).find("no/such/dir/x.db"), std::string::npos) << e.what();
  }
}

TEST(ReleaseHistory, ARollingInstallRecordsItsRolledModulesAndTheLongestPause) {
  rel_test::temp_dir dir;
  release_history h(dir.path() / "node.db");
  h.record_boot("myrel", "1.0");
  h.record_unpack("myrel", "2.0", {});
  const auto up = h.record_install_start("myrel", "1.0", "2.0");
  install_result rolled{true, "", std::chrono::milliseconds(30), 2, 10000};
  rolled.rolling_modules = {"counter", "counter_store"};
  rolled.longest_pause_us = 420;
  h.record_install_end(up, rolled);
  const otp::release::history_event end = h.events().back();
  EXPECT_EQ(end.kind, "install_end");
  EXPECT_EQ(end.rolling_modules, (std::vector<std::string>{"counter", "counter_store"}));
  EXPECT_EQ(end.longest_pause_us, 420);
  EXPECT_EQ(end.processes_migrated, 10000);

  // An install in OTP's order has no rolled modules, and its pause is recorded too.
  const auto down = h.record_install_start("myrel", "2.0", "1.0", install_direction::downgrade);
  install_result ordinary{true, "", std::chrono::milliseconds(9), 1, 3};
  ordinary.longest_pause_us = 17000;
  h.record_install_end(down, ordinary);
  const auto events = h.events();
  const auto down_end = std::find_if(events.begin(), events.end(), [&](const otp::release::history_event& e) {
    return e.kind == "install_end" && e.install_id == down;
  });
  ASSERT_NE(down_end, events.end());
  EXPECT_TRUE(down_end->rolling_modules.empty());
  EXPECT_EQ(down_end->longest_pause_us, 17000);
  raw_db raw(dir.path() / "node.db");
  EXPECT_EQ(
      raw.one("SELECT rolling_modules FROM events WHERE kind = 'install_end' AND install_id = " + std::to_string(up)),
      "counter counter_store");
}

}  // namespace
