// Processes: what code running inside an otp-cpp process can do.
//
// A process is a mailbox plus a body, run by the runtime's scheduler threads one message at a
// time; it never owns an OS thread. These functions follow the Erlang BIFs of the same names:
// spawn, self, send (`!`), receive with a pattern and a timeout, register/whereis, link, monitor,
// exit/1 and exit/2 with trap_exit, send_after/cancel_timer, and process_info.
//
// Functions that act *as* a process (self, receive, link, monitor, exit/1, trap_exit) must be
// called from inside one and throw `not_in_process` otherwise; the rest may be called from any
// thread. Use `runtime::run` to do process work from a plain thread such as main().
//
// Exit signals follow OTP: `kill` is untrappable and becomes `killed`; `normal` is ignored unless
// the target traps exits; a trapping process receives {'EXIT', From, Reason}. A C++ exception that
// escapes a process body ends that process only, with reason
// {exception, <<"type">>, <<"what()">>}; `throw exit_exception(R)` (or otp::exit(R)) ends it with R.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "otp/term.hpp"

namespace otp {

using milliseconds = std::chrono::milliseconds;
// A receive or call that waits forever.
inline constexpr milliseconds infinity = milliseconds::max();

// exit(Reason) as a C++ exception: thrown by otp::exit/1 and by failed calls
// (e.g. {timeout, {gen_server, call, [...]}}). Catching it is Erlang's `catch exit:R`.
class exit_exception : public std::exception {
 public:
  explicit exit_exception(term reason);
  const term& reason() const noexcept { return reason_; }
  // "exit: <reason in Erlang syntax>", made on first use: most exits are caught without it.
  const char* what() const noexcept override;

 private:
  term reason_;
  mutable std::string text_;
};

namespace detail {
// Unwinds a process that an exit signal ended while it was inside user code (blocked in receive or
// a call). Deliberately not a std::exception: user code must let it pass (rethrow from catch(...)).
struct forced_exit {
  term reason;
};
}  // namespace detail

// The exit reason of a C++ exception that escapes a process: {exception, <<"Type">>, <<"what()">>}
// (the type's name demangled), as a process dying of it would have.
term exit_reason_of(const std::exception& e);

// A process-only function was called from a thread that is not running a process.
class not_in_process : public std::logic_error {
 public:
  not_in_process();
};

// Erlang's badarg: an argument of the wrong shape (a negative timeout, a taken name, ...).
class badarg : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

struct spawn_options {
  bool link = false;       // link to the spawning process (spawn_link)
  bool trap_exit = false;  // start with trap_exit set
};

// The current process's pid.
term self();
bool in_process() noexcept;

// Starts a process running `body`; it ends, with reason normal, when body returns.
term spawn(std::function<void()> body, spawn_options options = {});
term spawn_link(std::function<void()> body);
// spawn_monitor: returns {Pid, MonitorRef}.
term spawn_monitor(std::function<void()> body);

// Sends `message` to a pid, a registered name (atom) or {Name, Node}. Sending to a dead pid does
// nothing; sending to a name nobody registered throws badarg, as `!` does.
void send(const term& destination, term message);

// Takes the first message in the mailbox; waits as long as needed.
term receive();
// The first message for which `matches` is true, in arrival order; others stay queued in order.
// Returns nullopt after `timeout` (0 polls; `infinity` waits forever; negative throws badarg).
std::optional<term> receive(const std::function<bool(const term&)>& matches, milliseconds timeout = infinity);
std::optional<term> receive_for(milliseconds timeout);

term make_ref();

void link(const term& pid);
void unlink(const term& pid);
// monitor(process, PidOrName). A dead or unknown target gives an immediate {'DOWN', Ref, process,
// Target, noproc}.
term monitor(const term& pid_or_name);
// Removes the monitor; with `flush`, also removes a {'DOWN', Ref, ...} already received.
// Returns true when the monitor was still active.
bool demonitor(const term& ref, bool flush = false);

// exit/1: ends the current process with `reason` (throws exit_exception).
[[noreturn]] void exit(term reason);
// exit/2: sends an exit signal to `pid`.
void exit(const term& pid, term reason);
// process_flag(trap_exit, On); returns the previous value.
bool trap_exit(bool on);

// register/2, unregister/1, whereis/1. register throws badarg when the name is taken, the pid
// is dead or already has a name; `undefined` cannot be registered.
void register_name(atom name, const term& pid);
void unregister_name(atom name);
// The pid registered as `name`, or the atom undefined.
term whereis(atom name);

// erlang:send_after(Time, Dest, Msg) and start_timer (which sends {timeout, TimerRef, Msg}).
term send_after(milliseconds time, const term& destination, term message);
term start_timer(milliseconds time, const term& destination, term message);
// Remaining time, or nullopt when the timer already fired or never existed.
std::optional<milliseconds> cancel_timer(const term& timer_ref);

bool is_process_alive(const term& pid);
// erlang:processes/0: the pids of the local processes alive now (a snapshot).
std::vector<term> processes();

struct process_info_result {
  atom status = atoms::waiting;  // waiting, runnable, running, suspended (by sys)
  std::size_t message_queue_len = 0;
  std::uint64_t messages_received = 0;  // messages that entered its queue since it started
  std::string module;                   // the behaviour module it runs, empty for a plain function
  std::string vsn;                      // that module's version
  std::size_t memory = 0;               // bytes held by the process (structure, queue, state estimate)
  term registered_name;                 // atom, or nil when none
  std::vector<term> links;
  std::size_t monitors = 0;  // monitors this process holds
  std::size_t monitored_by = 0;
  bool trap_exit = false;
};
// Information about a local process, or nullopt when it is not alive.
std::optional<process_info_result> process_info(const term& pid);

}  // namespace otp
