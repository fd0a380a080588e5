// otp::sys — the system messages every gen_server understands.
//
// Each function sends {system, {Pid, Tag}, Request} and waits for the reply, like sys.erl. A
// suspended process handles only system messages (and its parent's EXIT); everything else stays
// queued, in order, until resume. change_code is only accepted while suspended.
//
// Failures throw exit_exception({Reason, {sys, Function, Args}}), as sys does.
// Thread-safety: callable from any thread (outside a process they run in a temporary one).
#pragma once

#include <chrono>
#include <functional>
#include <vector>

#include "otp/process.hpp"
#include "otp/term.hpp"

namespace otp::sys {

inline constexpr milliseconds default_timeout{5000};

void suspend(const term& process, milliseconds timeout = default_timeout);
void resume(const term& process, milliseconds timeout = default_timeout);
term get_state(const term& process, milliseconds timeout = default_timeout);
// The process applies `replace` to its state and keeps (and returns) the result.
term replace_state(const term& process, std::function<term(const term&)> replace,
                   milliseconds timeout = default_timeout);
// {status, Pid, {module, Mod}, [PDict, running | suspended, Parent, Dbg, Misc]}
term get_status(const term& process, milliseconds timeout = default_timeout);
// Calls the behaviour's code_change(OldVsn, State, Extra) while the process is suspended.
// Returns ok, or {error, Reason} (the state is then unchanged).
term change_code(const term& process, atom module, term old_vsn, term extra, milliseconds timeout = default_timeout);
// The same request to many processes at once, as a release handler needs: every request is sent
// before any reply is awaited, so N processes cost about one round trip each in parallel rather
// than N in sequence. One result per process, in order: ok (change_code: ok or {error, Reason} as
// above), or {error, Reason} when it gave no answer in time (timeout), was not there (noproc) or
// died (its exit reason). `timeout` bounds the whole batch. Each process's request send time and
// answer time are kept too (answered_at is time_point::max() when no answer came), so a caller can
// bound how long each process stayed suspended.
struct batch {
  std::vector<term> results;
  std::vector<std::chrono::steady_clock::time_point> sent_at;
  std::vector<std::chrono::steady_clock::time_point> answered_at;
  bool all_ok() const;
};
batch suspend_all(const std::vector<term>& processes, milliseconds timeout = default_timeout);
batch resume_all(const std::vector<term>& processes, milliseconds timeout = default_timeout);
batch change_code_all(const std::vector<term>& processes, atom module, const term& old_vsn, const term& extra,
                      milliseconds timeout = default_timeout);

// Debug options, as sys sets them (docs/runtime.md). Each event the process handles ({in, Msg},
// {out, Reply, From, State}, {noreply, State}...) is then traced, logged or counted.
// trace: each event as a "*DBG* ..." line in the node's log (level notice), on or off.
void trace(const term& process, bool on, milliseconds timeout = default_timeout);
// log: `flag` is true (keep the last 10 events), {true, N}, false, get or print (write them to the
// node's log). Returns ok, or for get {ok, [Event]} oldest first.
term log(const term& process, const term& flag, milliseconds timeout = default_timeout);
// statistics: `flag` is true, false or get. Returns ok, or for get {ok, [{start_time, DateTime},
// {current_time, DateTime}, {reductions, N}, {messages_in, N}, {messages_out, N}]} ({ok,
// no_statistics} when off). One reduction is counted per message handled.
term statistics(const term& process, const term& flag, milliseconds timeout = default_timeout);
// no_debug: every option off, the log dropped.
void no_debug(const term& process, milliseconds timeout = default_timeout);

// sys:terminate: the process replies ok, calls terminate(Reason, State) and exits with Reason.
void terminate(const term& process, term reason, milliseconds timeout = infinity);

}  // namespace otp::sys
