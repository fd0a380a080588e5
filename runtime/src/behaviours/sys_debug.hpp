// sys_debug — the debug options sys sets on a process (sys:trace, sys:log, sys:log_to_file,
// sys:statistics) and what they collect: the last N events, the message counts, the trace lines.
//
// A behaviour holds one only while some option is on and a null pointer otherwise, so a process
// nobody debugs pays one pointer test per message. The behaviour reports each event (gen_server's
// {in, Msg}, {out, Reply, From, State}, {noreply, State}...) with record(); `print` turns an event
// into the behaviour's trace line (gen_server's "*DBG* ..." format).
// Owned by the process it debugs and used only from it; not thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <fstream>
#include <memory>
#include <optional>
#include <string>

#include "otp/term.hpp"

namespace otp::detail {

class debug_options {
 public:
  // The behaviour's trace line for `event` of the process called `name` (no trailing newline).
  using event_printer = std::string (*)(const term& name, const term& event);

  explicit debug_options(event_printer print) : print_(print) {}

  // Runs sys's {debug, Command} and returns the reply sys:trace/log/statistics... expect: ok,
  // {ok, [Event]}, {ok, Statistics}, {error, open_file} or unknown_debug.
  term command(const term& command, const term& name);
  void record(const term& event, const term& name);
  // True when no option is on any more (the behaviour then drops this object).
  bool empty() const { return !trace_ && !log_ && !file_ && !statistics_; }
  // The Dbg element of sys:get_status: [{trace, true}, {log, {N, [Event]}}, {log_to_file, File},
  // {statistics, {StartTime, {reductions, R}, In, Out}}] for the options that are on.
  term status() const;
  // The logged events, oldest first ([] when sys:log is off).
  term logged_events() const;

 private:
  struct log_ring {
    std::size_t capacity;
    std::deque<term> events;
  };
  struct counts {
    term start_time;
    std::int64_t in = 0;
    std::int64_t out = 0;
  };
  struct log_file {
    std::string name;
    std::ofstream stream;
  };

  term log_command(const term& flag, const term& name);
  term statistics_command(const term& flag);
  term log_to_file_command(const term& flag);
  void turn_log_on(std::size_t capacity);  // turns the log on, keeping `capacity` events

  event_printer print_;
  bool trace_ = false;
  std::optional<log_ring> log_;
  std::unique_ptr<log_file> file_;
  std::optional<counts> statistics_;
};

// sys:get_status's Dbg element for a process with no options on ([]), or the options' own.
inline term debug_status(const std::unique_ptr<debug_options>& debug) { return debug ? debug->status() : term(); }

}  // namespace otp::detail
