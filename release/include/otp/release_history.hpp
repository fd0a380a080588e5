// otp::release::release_history — a node's release history in SQLite.
//
// One database file per node, in WAL mode with synchronous=FULL (set on every open: synchronous is
// per connection), holding:
//   releases(name, vsn, status, unpacked_at, updated_at)     status: unpacked|current|permanent|old
//   release_files(vsn, app, app_vsn, module, path, sha256)   what unpack checked, per module file
//   events(id, at, kind, name, vsn, from_vsn, direction, install_id, outcome, reason, duration_ms,
//          modules_changed, processes_migrated, operation, rolling_modules, longest_pause_us)
//     kind: unpack | install_start | install_end | make_permanent | downgrade | remove | boot |
//           install_interrupted | application_exit | watchdog_gave_up
// Every recording method writes its event row and its status changes in one transaction, so a
// crash leaves either all of it or none. An install writes install_start before it runs and
// install_end (ok or failed) after: an install_start with neither an install_end nor an
// install_interrupted row is an install that was cut short (the node died); `interrupted_installs`
// finds those at the next open and `record_interrupted` records that they were found.
//
// Status rules (those of OTP's release_handler; the handler checks the preconditions, the history
// only records): unpack adds a release as unpacked; a successful install makes the target current
// (a permanent target stays permanent) and the previously current release old; make_permanent
// makes the previous permanent release old; remove deletes the release and its files; boot turns a
// left-over `current` back into `unpacked` (current is memory-only in OTP: a restart boots the
// permanent release) and records which release booted.
//
// The schema is versioned with PRAGMA user_version; `schema_version` is the newest. Opening a
// database applies the missing migrations in order, each in its own transaction together with its
// user_version bump. A database newer than this code is refused.
//
// Errors: every SQLite failure is a history_error naming the database file, the statement and
// SQLite's message.
//
// Ownership and thread-safety: the object owns its connection; one object must be used by one
// thread at a time (the release handler is its only writer). Several objects (or processes) may
// open the same file; WAL lets readers run during a write.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

struct sqlite3;

namespace otp::release {

class history_error : public std::runtime_error {
 public:
  history_error(std::string database, std::string statement, std::string message);
  const std::string& database() const { return database_; }
  const std::string& statement() const { return statement_; }
  const std::string& message() const { return message_; }

 private:
  std::string database_;
  std::string statement_;
  std::string message_;
};

enum class release_status { unpacked, current, permanent, old };
std::string_view to_string(release_status s);
release_status release_status_from(std::string_view s);  // throws std::invalid_argument

struct release_row {
  std::string name;
  std::string vsn;
  release_status status = release_status::unpacked;
};

// One module file checked at unpack.
struct module_file_record {
  std::string app;
  std::string app_vsn;
  std::string module;
  std::string path;
  std::string sha256;  // lowercase hex
};

struct install_result {
  bool ok = true;
  std::string reason;  // for a failed install: what failed (module, process, cause)
  std::chrono::milliseconds duration{0};
  std::int64_t modules_changed = 0;
  std::int64_t processes_migrated = 0;
  std::vector<std::string> rolling_modules{};  // modules migrated process by process (mode: rolling)
  std::int64_t longest_pause_us = 0;           // the longest pause of any process, rolling or not
};

struct history_event {
  std::int64_t id = 0;
  std::string at;  // UTC, ISO 8601 with milliseconds
  std::string kind;
  std::string name;
  std::string vsn;
  std::string from_vsn;
  std::optional<std::int64_t> install_id;  // install_end / downgrade / install_interrupted: the install_start
  std::string outcome;                     // install_end: ok | failed
  std::string reason;
  std::optional<std::int64_t> duration_ms;
  std::optional<std::int64_t> modules_changed;
  std::optional<std::int64_t> processes_migrated;
  std::string operation;                           // install_start / install_end of a cluster operation: its id
  std::vector<std::string> rolling_modules{};      // install_end: the modules rolled process by process
  std::optional<std::int64_t> longest_pause_us{};  // install_end (from schema 5 on)
};

struct interrupted_install {
  std::int64_t install_id = 0;  // the install_start event
  std::string at;
  std::string name;
  std::string from_vsn;
  std::string vsn;
};

enum class install_direction { upgrade, downgrade };

class release_history {
 public:
  static constexpr int schema_version = 5;

  // Opens (creating if needed) and migrates the database; sets WAL and synchronous=FULL.
  explicit release_history(std::filesystem::path database);
  ~release_history();
  release_history(const release_history&) = delete;
  release_history& operator=(const release_history&) = delete;

  const std::filesystem::path& path() const { return path_; }
  int user_version() const;          // the database's schema version (after migration: schema_version)
  std::string journal_mode() const;  // "wal"
  int synchronous() const;           // 2 (FULL), set on every open

  // --- events ----------------------------------------------------------------------------------
  // A new release, unpacked, with the checksums of its module files.
  void record_unpack(const std::string& name, const std::string& vsn, const std::vector<module_file_record>& files);
  // Before an install runs; returns the install id to pass to record_install_end.
  std::int64_t record_install_start(const std::string& name, const std::string& from_vsn, const std::string& to_vsn,
                                    install_direction direction = install_direction::upgrade,
                                    const std::string& operation = {});
  // After it: ok makes the target current (and a downgrade also gets a `downgrade` row); failed
  // changes no status. An install ends once (a second end, or an end after record_interrupted, is
  // a history_error).
  void record_install_end(std::int64_t install_id, const install_result& result);
  void record_make_permanent(const std::string& vsn);
  void record_remove(const std::string& vsn);
  // The node booted `vsn` (normally the permanent release); a release the history does not know
  // yet (the first boot of a node) is added as permanent.
  void record_boot(const std::string& name, const std::string& vsn);
  // An application whose exit stops the node (a permanent one, or a transient one that exited
  // abnormally): name = the application, vsn = its version, reason = the exit reason as Erlang text.
  void record_application_exit(const std::string& app, const std::string& app_vsn, const std::string& reason);
  // The node's watchdog stopped booting it (too many boots in its period); reason says how many.
  void record_watchdog_gave_up(const std::string& reason);
  // Installs started and never ended (nor already recorded as interrupted), oldest first.
  std::vector<interrupted_install> interrupted_installs() const;
  // Records that an interrupted install was found (an install_interrupted row); it is no longer
  // returned by interrupted_installs.
  void record_interrupted(std::int64_t install_id, const std::string& reason = "node stopped during the install");

  // --- queries ---------------------------------------------------------------------------------
  std::vector<release_row> releases() const;  // ordered by vsn as inserted (unpack order)
  std::optional<release_status> status_of(const std::string& vsn) const;
  std::optional<std::string> permanent_vsn() const;
  std::vector<module_file_record> files_of(const std::string& vsn) const;
  std::vector<history_event> events() const;  // oldest first

 private:
  void exec(std::string_view sql) const;
  void migrate();
  template <class Fn>
  void transaction(Fn&& body);

  std::filesystem::path path_;
  sqlite3* db_ = nullptr;
};

}  // namespace otp::release
