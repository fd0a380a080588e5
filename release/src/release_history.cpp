// The release history in SQLite: schema migrations, the event rows and the status transitions.
#include "otp/release_history.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace otp::release {

namespace {

// The migrations, in order: migrations[i] brings user_version i to i + 1.
constexpr std::string_view kMigrations[] = {
    // 1: releases with their statuses, and the event log.
    R"sql(
CREATE TABLE releases(
  vsn TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('unpacked', 'current', 'permanent', 'old')));
CREATE TABLE events(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at TEXT NOT NULL,
  kind TEXT NOT NULL,
  name TEXT,
  vsn TEXT,
  from_vsn TEXT,
  install_id INTEGER,
  outcome TEXT,
  reason TEXT);
)sql",
    // 2: install measurements and direction, release timestamps, the checked module files, and the
    //    constraint on event kinds (a new table: SQLite cannot add a CHECK to an existing one).
    R"sql(
ALTER TABLE releases ADD COLUMN unpacked_at TEXT;
ALTER TABLE releases ADD COLUMN updated_at TEXT;
CREATE TABLE events_v2(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('unpack', 'install_start', 'install_end', 'make_permanent', 'downgrade',
                                     'remove', 'boot', 'install_interrupted')),
  name TEXT,
  vsn TEXT,
  from_vsn TEXT,
  direction TEXT CHECK (direction IS NULL OR direction IN ('upgrade', 'downgrade')),
  install_id INTEGER REFERENCES events_v2(id),
  outcome TEXT CHECK (outcome IS NULL OR outcome IN ('ok', 'failed', 'interrupted')),
  reason TEXT,
  duration_ms INTEGER,
  modules_changed INTEGER,
  processes_migrated INTEGER);
INSERT INTO events_v2(id, at, kind, name, vsn, from_vsn, direction, install_id, outcome, reason)
  SELECT id, at, kind, name, vsn, from_vsn,
         CASE WHEN kind = 'install_start' THEN 'upgrade' END, install_id, outcome, reason FROM events;
DROP TABLE events;
ALTER TABLE events_v2 RENAME TO events;
CREATE INDEX events_by_install ON events(install_id);
CREATE TABLE release_files(
  vsn TEXT NOT NULL,
  app TEXT NOT NULL,
  app_vsn TEXT NOT NULL,
  module TEXT NOT NULL,
  path TEXT NOT NULL,
  sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
  PRIMARY KEY (vsn, path));
)sql",
    // 3: the cluster operation an install or make_permanent belongs to (an id shared by every node
    //    of the operation; NULL for a node's own operations).
    R"sql(
ALTER TABLE events ADD COLUMN operation TEXT;
)sql",
    // 4: the node's own life: an application whose exit stopped the node, a watchdog that gave up
    //    booting it (new event kinds: a new table again, for the CHECK).
    R"sql(
CREATE TABLE events_v4(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('unpack', 'install_start', 'install_end', 'make_permanent', 'downgrade',
                                     'remove', 'boot', 'install_interrupted', 'application_exit',
                                     'watchdog_gave_up')),
  name TEXT,
  vsn TEXT,
  from_vsn TEXT,
  direction TEXT CHECK (direction IS NULL OR direction IN ('upgrade', 'downgrade')),
  install_id INTEGER REFERENCES events_v4(id),
  outcome TEXT CHECK (outcome IS NULL OR outcome IN ('ok', 'failed', 'interrupted')),
  reason TEXT,
  duration_ms INTEGER,
  modules_changed INTEGER,
  processes_migrated INTEGER,
  operation TEXT);
INSERT INTO events_v4 SELECT id, at, kind, name, vsn, from_vsn, direction, install_id, outcome, reason, duration_ms,
                             modules_changed, processes_migrated, operation FROM events;
DROP TABLE events;
ALTER TABLE events_v4 RENAME TO events;
CREATE INDEX events_by_install ON events(install_id);
)sql",
    // 5: rolling installs: the modules an install_end's rolling updates migrated process by process
    //    (space-separated, in order; NULL for none) and the longest pause of any process.
    R"sql(
ALTER TABLE events ADD COLUMN rolling_modules TEXT;
ALTER TABLE events ADD COLUMN longest_pause_us INTEGER;
)sql",
};
static_assert(std::size(kMigrations) == release_history::schema_version);

constexpr std::string_view kNow = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

// The rolling_modules column: names separated by spaces (module names hold none), "" for none.
std::string rolling_text(const std::vector<std::string>& modules) {
  std::string out;
  for (const auto& m : modules) out += (out.empty() ? "" : " ") + m;
  return out;
}

std::string now_sql(std::string_view before, std::string_view after) {
  std::string s(before);
  s.append(kNow);
  s.append(after);
  return s;
}

class statement {
 public:
  statement(sqlite3* db, const std::filesystem::path& file, std::string_view sql) : db_(db), file_(file), sql_(sql) {
    if (sqlite3_prepare_v2(db_, sql_.c_str(), static_cast<int>(sql_.size()), &stmt_, nullptr) != SQLITE_OK) fail();
  }
  ~statement() { sqlite3_finalize(stmt_); }
  statement(const statement&) = delete;
  statement& operator=(const statement&) = delete;

  statement& bind(int i, std::string_view v) {
    check(sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
    return *this;
  }
  statement& bind(int i, std::int64_t v) {
    check(sqlite3_bind_int64(stmt_, i, v));
    return *this;
  }
  statement& bind_null(int i) {
    check(sqlite3_bind_null(stmt_, i));
    return *this;
  }
  // true: a row is ready; false: done.
  bool step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail();
  }
  void run() {
    while (step()) {
    }
    sqlite3_reset(stmt_);
  }
  std::string text(int col) const {
    const auto* p = sqlite3_column_text(stmt_, col);
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
             : std::string();
  }
  std::int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }
  std::optional<std::int64_t> maybe_integer(int col) const {
    if (sqlite3_column_type(stmt_, col) == SQLITE_NULL) return std::nullopt;
    return integer(col);
  }

 private:
  void check(int rc) {
    if (rc != SQLITE_OK) fail();
  }
  [[noreturn]] void fail() { throw history_error(file_.string(), sql_, sqlite3_errmsg(db_)); }

  sqlite3* db_;
  const std::filesystem::path& file_;
  std::string sql_;
  sqlite3_stmt* stmt_ = nullptr;
};

// The history says what ran and why installs failed: its files are for the node's user only
// (0600), whatever the umask. A new database is created here with that mode before SQLite opens
// it, and SQLite gives the -wal and -shm files it creates the database's mode; files made before
// with a wider mode are narrowed by path: an existing file is never opened here (closing a
// descriptor of a database this process has open would drop SQLite's locks on it).
void keep_to_owner(const std::filesystem::path& database) {
  const int fd = ::open(database.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, S_IRUSR | S_IWUSR);
  if (fd >= 0) {
    ::fchmod(fd, S_IRUSR | S_IWUSR);
    ::close(fd);
  }
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    const std::string file = database.string() + suffix;
    struct stat info {};
    if (::lstat(file.c_str(), &info) == 0 && S_ISREG(info.st_mode) && info.st_uid == ::geteuid() &&
        (info.st_mode & (S_IRWXG | S_IRWXO)) != 0)
      ::chmod(file.c_str(), S_IRUSR | S_IWUSR);
  }
}

}  // namespace

history_error::history_error(std::string database, std::string statement, std::string message)
    : std::runtime_error(database + ": " + message + " (in: " + statement + ")"),
      database_(std::move(database)),
      statement_(std::move(statement)),
      message_(std::move(message)) {}

std::string_view to_string(release_status s) {
  switch (s) {
    case release_status::unpacked: return "unpacked";
    case release_status::current: return "current";
    case release_status::permanent: return "permanent";
    case release_status::old: return "old";
  }
  return "unpacked";
}

release_status release_status_from(std::string_view s) {
  if (s == "unpacked") return release_status::unpacked;
  if (s == "current") return release_status::current;
  if (s == "permanent") return release_status::permanent;
  if (s == "old") return release_status::old;
  throw std::invalid_argument("not a release status: " + std::string(s));
}

release_history::release_history(std::filesystem::path database) : path_(std::move(database)) {
  keep_to_owner(path_);
  const int rc =
      sqlite3_open_v2(path_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw history_error(path_.string(), "open", message);
  }
  try {
    sqlite3_busy_timeout(db_, 5000);
    {
      statement wal(db_, path_, "PRAGMA journal_mode=WAL");
      if (!wal.step() || wal.text(0) != "wal")
        throw history_error(path_.string(), "PRAGMA journal_mode=WAL", "the database did not switch to WAL");
    }
    exec("PRAGMA synchronous=FULL");
    migrate();
  } catch (...) {
    sqlite3_close(db_);
    db_ = nullptr;
    throw;
  }
}

release_history::~release_history() { sqlite3_close(db_); }

void release_history::exec(std::string_view sql) const {
  const std::string s(sql);
  char* error = nullptr;
  if (sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    std::string message = error ? error : sqlite3_errmsg(db_);
    sqlite3_free(error);
    throw history_error(path_.string(), s, message);
  }
}

template <class Fn>
void release_history::transaction(Fn&& body) {
  exec("BEGIN IMMEDIATE");
  try {
    body();
    exec("COMMIT");
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

int release_history::user_version() const {
  statement s(db_, path_, "PRAGMA user_version");
  s.step();
  return static_cast<int>(s.integer(0));
}

std::string release_history::journal_mode() const {
  statement s(db_, path_, "PRAGMA journal_mode");
  s.step();
  return s.text(0);
}

int release_history::synchronous() const {
  statement s(db_, path_, "PRAGMA synchronous");
  s.step();
  return static_cast<int>(s.integer(0));
}

void release_history::migrate() {
  // The version is read inside the write transaction, so two processes opening a new file at once
  // do not both migrate it.
  for (;;) {
    bool done = false;
    transaction([&] {
      const int v = user_version();
      if (v > schema_version)
        throw history_error(path_.string(), "PRAGMA user_version",
                            "the database has schema version " + std::to_string(v) + ", newer than this program's " +
                                std::to_string(schema_version));
      if (v == schema_version) {
        done = true;
        return;
      }
      exec(kMigrations[v]);
      exec("PRAGMA user_version=" + std::to_string(v + 1));
    });
    if (done) return;
  }
}

void release_history::record_unpack(const std::string& name, const std::string& vsn,
                                    const std::vector<module_file_record>& files) {
  transaction([&] {
    statement(db_, path_,
              now_sql("INSERT INTO releases(vsn, name, status, unpacked_at, updated_at) VALUES (?1, ?2, 'unpacked', ",
                      ", " + std::string(kNow) + ")"))
        .bind(1, vsn)
        .bind(2, name)
        .run();
    statement add(db_, path_,
                  "INSERT INTO release_files(vsn, app, app_vsn, module, path, sha256) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    for (const auto& f : files) {
      add.bind(1, vsn).bind(2, f.app).bind(3, f.app_vsn).bind(4, f.module).bind(5, f.path).bind(6, f.sha256).run();
    }
    statement(db_, path_, now_sql("INSERT INTO events(at, kind, name, vsn) VALUES (", ", 'unpack', ?1, ?2)"))
        .bind(1, name)
        .bind(2, vsn)
        .run();
  });
}

std::int64_t release_history::record_install_start(const std::string& name, const std::string& from_vsn,
                                                   const std::string& to_vsn, install_direction direction,
                                                   const std::string& operation) {
  std::int64_t id = 0;
  transaction([&] {
    statement(db_, path_,
              now_sql("INSERT INTO events(at, kind, name, vsn, from_vsn, direction, operation) VALUES (",
                      ", 'install_start', ?1, ?2, ?3, ?4, NULLIF(?5, ''))"))
        .bind(1, name)
        .bind(2, to_vsn)
        .bind(3, from_vsn)
        .bind(4, direction == install_direction::upgrade ? "upgrade" : "downgrade")
        .bind(5, operation)
        .run();
    id = sqlite3_last_insert_rowid(db_);
  });
  return id;
}

void release_history::record_install_end(std::int64_t install_id, const install_result& result) {
  transaction([&] {
    statement start(db_, path_,
                    "SELECT name, vsn, from_vsn, direction, operation FROM events WHERE id = ?1 AND kind = "
                    "'install_start'");
    start.bind(1, install_id);
    if (!start.step())
      throw history_error(path_.string(), "record_install_end",
                          "no install_start event with id " + std::to_string(install_id));
    const std::string name = start.text(0), vsn = start.text(1), from = start.text(2), direction = start.text(3),
                      operation = start.text(4);
    statement ended(db_, path_,
                    "SELECT kind FROM events WHERE install_id = ?1 AND kind IN ('install_end', 'install_interrupted')");
    ended.bind(1, install_id);
    if (ended.step())
      throw history_error(path_.string(), "record_install_end",
                          "install " + std::to_string(install_id) + " already has an " + ended.text(0) + " row");
    statement(
        db_, path_,
        now_sql("INSERT INTO events(at, kind, name, vsn, from_vsn, direction, install_id, outcome, reason, "
                "duration_ms, modules_changed, processes_migrated, operation, rolling_modules, "
                "longest_pause_us) VALUES (",
                ", 'install_end', ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, NULLIF(?11, ''), NULLIF(?12, ''), ?13)"))
        .bind(1, name)
        .bind(2, vsn)
        .bind(3, from)
        .bind(4, direction)
        .bind(5, install_id)
        .bind(6, result.ok ? "ok" : "failed")
        .bind(7, result.reason)
        .bind(8, static_cast<std::int64_t>(result.duration.count()))
        .bind(9, result.modules_changed)
        .bind(10, result.processes_migrated)
        .bind(11, operation)
        .bind(12, rolling_text(result.rolling_modules))
        .bind(13, result.longest_pause_us)
        .run();
    if (!result.ok) return;
    statement(db_, path_,
              now_sql("UPDATE releases SET status = 'old', updated_at = ", " WHERE status = 'current' AND vsn <> ?1"))
        .bind(1, vsn)
        .run();
    statement(
        db_, path_,
        now_sql("UPDATE releases SET status = 'current', updated_at = ", " WHERE vsn = ?1 AND status <> 'permanent'"))
        .bind(1, vsn)
        .run();
    if (direction == "downgrade")
      statement(db_, path_,
                now_sql("INSERT INTO events(at, kind, name, vsn, from_vsn, install_id) VALUES (",
                        ", 'downgrade', ?1, ?2, ?3, ?4)"))
          .bind(1, name)
          .bind(2, vsn)
          .bind(3, from)
          .bind(4, install_id)
          .run();
  });
}

void release_history::record_make_permanent(const std::string& vsn) {
  transaction([&] {
    statement find(db_, path_, "SELECT name FROM releases WHERE vsn = ?1");
    find.bind(1, vsn);
    if (!find.step()) throw history_error(path_.string(), "record_make_permanent", "no release " + vsn);
    const std::string name = find.text(0);
    statement(db_, path_,
              now_sql("UPDATE releases SET status = 'old', updated_at = ", " WHERE status = 'permanent' AND vsn <> ?1"))
        .bind(1, vsn)
        .run();
    statement(db_, path_, now_sql("UPDATE releases SET status = 'permanent', updated_at = ", " WHERE vsn = ?1"))
        .bind(1, vsn)
        .run();
    statement(db_, path_, now_sql("INSERT INTO events(at, kind, name, vsn) VALUES (", ", 'make_permanent', ?1, ?2)"))
        .bind(1, name)
        .bind(2, vsn)
        .run();
  });
}

void release_history::record_remove(const std::string& vsn) {
  transaction([&] {
    statement find(db_, path_, "SELECT name FROM releases WHERE vsn = ?1");
    find.bind(1, vsn);
    if (!find.step()) throw history_error(path_.string(), "record_remove", "no release " + vsn);
    const std::string name = find.text(0);
    statement(db_, path_, "DELETE FROM release_files WHERE vsn = ?1").bind(1, vsn).run();
    statement(db_, path_, "DELETE FROM releases WHERE vsn = ?1").bind(1, vsn).run();
    statement(db_, path_, now_sql("INSERT INTO events(at, kind, name, vsn) VALUES (", ", 'remove', ?1, ?2)"))
        .bind(1, name)
        .bind(2, vsn)
        .run();
  });
}

void release_history::record_boot(const std::string& name, const std::string& vsn) {
  transaction([&] {
    statement(db_, path_,
              now_sql("UPDATE releases SET status = 'unpacked', updated_at = ", " WHERE status = 'current'"))
        .run();
    statement(db_, path_,
              now_sql("INSERT OR IGNORE INTO releases(vsn, name, status, unpacked_at, updated_at) VALUES (?1, ?2, "
                      "'permanent', ",
                      ", " + std::string(kNow) + ")"))
        .bind(1, vsn)
        .bind(2, name)
        .run();
    statement(db_, path_, now_sql("INSERT INTO events(at, kind, name, vsn) VALUES (", ", 'boot', ?1, ?2)"))
        .bind(1, name)
        .bind(2, vsn)
        .run();
  });
}

void release_history::record_application_exit(const std::string& app, const std::string& app_vsn,
                                              const std::string& reason) {
  transaction([&] {
    statement(db_, path_,
              now_sql("INSERT INTO events(at, kind, name, vsn, reason) VALUES (", ", 'application_exit', ?1, ?2, ?3)"))
        .bind(1, app)
        .bind(2, app_vsn)
        .bind(3, reason)
        .run();
  });
}

void release_history::record_watchdog_gave_up(const std::string& reason) {
  transaction([&] {
    statement(db_, path_, now_sql("INSERT INTO events(at, kind, reason) VALUES (", ", 'watchdog_gave_up', ?1)"))
        .bind(1, reason)
        .run();
  });
}

std::vector<interrupted_install> release_history::interrupted_installs() const {
  statement s(db_, path_,
              "SELECT s.id, s.at, s.name, s.from_vsn, s.vsn FROM events s WHERE s.kind = 'install_start' AND NOT "
              "EXISTS (SELECT 1 FROM events e WHERE e.install_id = s.id AND e.kind IN ('install_end', "
              "'install_interrupted')) ORDER BY s.id");
  std::vector<interrupted_install> out;
  while (s.step()) out.push_back({s.integer(0), s.text(1), s.text(2), s.text(3), s.text(4)});
  return out;
}

void release_history::record_interrupted(std::int64_t install_id, const std::string& reason) {
  transaction([&] {
    statement start(db_, path_,
                    "SELECT name, vsn, from_vsn, direction, operation FROM events WHERE id = ?1 AND kind = "
                    "'install_start'");
    start.bind(1, install_id);
    if (!start.step())
      throw history_error(path_.string(), "record_interrupted",
                          "no install_start event with id " + std::to_string(install_id));
    statement(db_, path_,
              now_sql("INSERT INTO events(at, kind, name, vsn, from_vsn, direction, install_id, outcome, reason) "
                      "VALUES (",
                      ", 'install_interrupted', ?1, ?2, ?3, ?4, ?5, 'interrupted', ?6)"))
        .bind(1, start.text(0))
        .bind(2, start.text(1))
        .bind(3, start.text(2))
        .bind(4, start.text(3))
        .bind(5, install_id)
        .bind(6, reason)
        .run();
  });
}

std::vector<release_row> release_history::releases() const {
  statement s(db_, path_, "SELECT name, vsn, status FROM releases ORDER BY rowid");
  std::vector<release_row> out;
  while (s.step()) out.push_back({s.text(0), s.text(1), release_status_from(s.text(2))});
  return out;
}

std::optional<release_status> release_history::status_of(const std::string& vsn) const {
  statement s(db_, path_, "SELECT status FROM releases WHERE vsn = ?1");
  s.bind(1, vsn);
  if (!s.step()) return std::nullopt;
  return release_status_from(s.text(0));
}

std::optional<std::string> release_history::permanent_vsn() const {
  statement s(db_, path_, "SELECT vsn FROM releases WHERE status = 'permanent'");
  if (!s.step()) return std::nullopt;
  return s.text(0);
}

std::vector<module_file_record> release_history::files_of(const std::string& vsn) const {
  statement s(db_, path_, "SELECT app, app_vsn, module, path, sha256 FROM release_files WHERE vsn = ?1 ORDER BY rowid");
  s.bind(1, vsn);
  std::vector<module_file_record> out;
  while (s.step()) out.push_back({s.text(0), s.text(1), s.text(2), s.text(3), s.text(4)});
  return out;
}

std::vector<history_event> release_history::events() const {
  statement s(db_, path_,
              "SELECT id, at, kind, name, vsn, from_vsn, install_id, outcome, reason, duration_ms, modules_changed, "
              "processes_migrated, operation, rolling_modules, longest_pause_us FROM events ORDER BY id");
  std::vector<history_event> out;
  while (s.step()) {
    std::vector<std::string> rolled;
    std::istringstream names(s.text(13));
    for (std::string name; names >> name;) rolled.push_back(name);
    out.push_back({s.integer(0), s.text(1), s.text(2), s.text(3), s.text(4), s.text(5), s.maybe_integer(6), s.text(7),
                   s.text(8), s.maybe_integer(9), s.maybe_integer(10), s.maybe_integer(11), s.text(12),
                   std::move(rolled), s.maybe_integer(14)});
  }
  return out;
}

}  // namespace otp::release
