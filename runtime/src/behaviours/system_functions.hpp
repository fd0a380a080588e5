// system_functions — how a process answers sys's system messages (sys.erl's handle_system_msg).
//
// A behaviour's loop hands each {system, From, Request} to handle_system_request with access to
// its state; the request is answered here and the caller learns whether the process must now
// terminate. Also proc_lib:stop (gen_server:stop), which is built on sys:terminate.
// Runs inside the process that owns the state; not thread-safe beyond that.
#pragma once

#include <functional>
#include <memory>

#include "behaviours/sys_debug.hpp"
#include "otp/process.hpp"
#include "otp/term.hpp"

namespace otp::detail {

struct system_request_handler {
  bool& suspended;
  std::function<term()> get_state;
  std::function<void(term)> set_state;
  // code_change(OldVsn, Extra) with the state inside; returns ok or {error, Reason}.
  std::function<term(const term& old_vsn, const term& extra)> code_change;
  // The Misc part of get_status.
  std::function<term()> status;
  atom module;
  term parent;
  // The process's debug options (null while none is on) for {debug, Command}: created on the
  // first command, dropped when the last option goes off. `name` and `print_event` as in trace.
  std::unique_ptr<debug_options>& debug;
  debug_options::event_printer print_event;
  term name;
};

struct system_outcome {
  bool terminate = false;
  term reason;
};

system_outcome handle_system_request(system_request_handler& handler, const term& from, const term& request);

// gen_server's format_status Misc: [{header, ...}, {data, [...]}, {data, [{"State", State}]}].
// `logged` is the list of logged events ([] when sys:log is off).
term status_misc(const term& name, bool suspended, const term& parent, const term& logged, const term& state);

// proc_lib:stop: sys:terminate, then wait for the process to go. Throws exit_exception(noproc),
// (timeout) or (OtherReason) when it did not exit with `reason`.
void stop_process(const term& server, term reason, milliseconds timeout);

}  // namespace otp::detail
