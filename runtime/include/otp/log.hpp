// otp::log — the runtime's logger: plain lines and OTP-style structured reports, on stderr.
//
// Levels order as declared (debug < ... < critical); a record below the current level is dropped
// before it is rendered. The level starts as OTP_LOG_LEVEL (debug, info, notice, warning, error,
// critical; anything else means info) when the logger is first used, and `set_level` changes it.
//
// Every record is one line on stderr with a timestamp and its level, except that a report keeps
// OTP's legacy multi-line layout:
//   =SUPERVISOR REPORT==== context: child_terminated
//       supervisor: {local,sup}
//       reason: killed
// With OTP_LOG_FORMAT=json (read at first use) every record is instead one JSON object per line:
//   {"time":"...","level":"error","category":"supervisor_report","context":"child_terminated",...}
//
// A `capture` also receives every record that passes the level, as (level, text) with the text in
// the layout above whatever OTP_LOG_FORMAT says, so tests can assert on what was logged.
//
// Thread-safety: every function here may be called from any thread; a record is written whole.
// The logger lives until the OS process exits, so logging from static destructors is safe.
// This header stays light on purpose (modules include it): spdlog and fmt stay in log.cpp.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace otp::log {

enum class level { debug, info, notice, warning, error, critical };

std::string_view to_string(level l) noexcept;

void set_level(level l) noexcept;
level get_level() noexcept;
// True when a record at `l` would be written; check it before building costly report fields.
bool enabled(level l) noexcept;

void write(level l, std::string_view message);

// One key/value line of a report; fields are rendered in the order given.
struct field {
  std::string_view key;
  std::string value;
};

// An OTP-style report: `category` is e.g. "supervisor_report", "crash_report" or "progress" (the
// header reads "=PROGRESS REPORT===="); the first field shares the header line, the others follow
// indented by four spaces, and a multi-line value is indented further.
void report(level l, std::string_view category, std::initializer_list<field> fields);

struct record {
  level severity;
  std::string text;
};

// Collects every record written while it lives (from any thread), in addition to stderr.
class capture {
 public:
  capture();
  ~capture();
  capture(const capture&) = delete;
  capture& operator=(const capture&) = delete;

  std::vector<record> records() const;
  // The text of each record, in order (a report is one entry, possibly multi-line).
  std::vector<std::string> lines() const;
  // True when some record's text contains `needle`.
  bool contains(std::string_view needle) const;
  void clear();

 private:
  std::vector<record> records_;  // guarded by the logger's lock; registered by address, hence not movable
};

}  // namespace otp::log
