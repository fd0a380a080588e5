// sys: the caller's side (otp/sys.hpp) and the process's side (system_functions.hpp).
#include "otp/sys.hpp"

#include <chrono>
#include <functional>
#include <memory>

#include "behaviours/gen_call.hpp"
#include "behaviours/system_functions.hpp"
#include "otp/detail/side_table.hpp"
#include "otp/runtime.hpp"
#include "processes/process_control_block.hpp"

namespace otp {
namespace detail {
namespace {

// replace_state's function cannot travel inside a term: it waits here under the request's ref.
side_table<term, std::function<term(const term&)>, term_hash>& replacements() {
  static side_table<term, std::function<term(const term&)>, term_hash> functions;
  return functions;
}

// The calling process's state is an old version's again: during a rolling upgrade it runs the
// held version (module_version.hpp).
void hold_on_old_code() {
  if (process_control_block* self = current_process()) self->code_seq().store(0, std::memory_order_relaxed);
}

// The handler's code_change(OldVsn, Extra), as sys answers it: ok, or {error, {'EXIT', Reason}}
// when it throws (an exit signal that ends the process is not caught).
term code_change_outcome(system_request_handler& handler, const term& old_vsn, const term& extra) {
  try {
    return handler.code_change(old_vsn, extra);
  } catch (const forced_exit&) {
    throw;
  } catch (const exit_exception& e) {
    return tuple(atoms::error, tuple(atoms::exit_, e.reason()));
  } catch (const std::exception& e) {
    return tuple(atoms::error, tuple(atoms::exit_, tuple(atoms::exception, binary(e.what()))));
  }
}

term unknown(const term& request) { return tuple(atoms::error, tuple(atoms::unknown_system_msg, request)); }

}  // namespace

system_outcome handle_system_request(system_request_handler& handler, const term& from, const term& request) {
  auto answer = [&](term value) { gen_reply(from, std::move(value)); };
  if (request.is_atom(atoms::suspend)) {
    handler.suspended = true;
    answer(atoms::ok);
  } else if (request.is_atom(atoms::resume)) {
    handler.suspended = false;
    answer(atoms::ok);
  } else if (request.is_atom(atoms::get_state)) {
    answer(handler.get_state());
  } else if (request.is_tuple(2) && request[0].is_atom(atoms::replace_state)) {
    const auto fn = replacements().take(request[1]);
    if (!fn) {
      answer(tuple(atoms::error, atom("replace_state_expired")));
      return {};
    }
    try {
      handler.set_state((*fn)(handler.get_state()));
      answer(handler.get_state());
    } catch (const forced_exit&) {
      throw;
    } catch (const std::exception& e) {
      answer(tuple(atoms::error, tuple(atom("callback_failed"), binary(e.what()))));
    }
  } else if (request.is_atom(atoms::get_status)) {
    answer(tuple(atoms::status, self(), tuple(atoms::module, handler.module),
                 list(term(), handler.suspended ? atoms::suspended : atoms::running, handler.parent,
                      debug_status(handler.debug), handler.status())));
  } else if (request.is_tuple(4) && request[0].is_atom(atoms::change_code)) {
    if (!handler.suspended) {
      answer(unknown(request));
      return {};
    }
    const term outcome = code_change_outcome(handler, request[2], request[3]);
    answer(outcome);
  } else if (request.is_tuple(4) && request[0].is_atom(atom("rolling_change_code"))) {
    // One process of a rolling upgrade (otp/rolling_upgrade.hpp): this message is its whole
    // suspension, so it is taken whether or not the process is suspended.
    const auto began = std::chrono::steady_clock::now();
    const term before = handler.get_state();
    const term outcome = code_change_outcome(handler, request[2], request[3]);
    const auto paused =
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - began).count();
    answer(outcome.is_atom(atoms::ok) ? tuple(atoms::ok, before, static_cast<std::int64_t>(paused), handler.get_state())
                                      : outcome);
  } else if (request.is_tuple(5) && request[0].is_atom(atom("rolling_revert"))) {
    // {rolling_revert, Before, After, OldVsn, Extra}: back to the state before the migration if
    // nothing changed it since; else what it became, turned back by code_change(OldVsn, _, Extra)
    // (in the version the code server names for it), so that no message handled since is lost.
    term outcome = atoms::ok;
    if (handler.get_state() == request[2]) {
      handler.set_state(request[1]);
    } else {
      outcome = code_change_outcome(handler, request[3], request[4]);
    }
    if (outcome.is_atom(atoms::ok)) hold_on_old_code();
    answer(outcome);
  } else if (request.is_tuple(2) && request[0].is_atom(atom("debug"))) {
    if (!handler.debug) handler.debug = std::make_unique<debug_options>(handler.print_event);
    answer(handler.debug->command(request[1], handler.name));
    if (handler.debug->empty()) handler.debug.reset();
  } else if (request.is_tuple(2) && request[0].is_atom(atoms::terminate)) {
    answer(atoms::ok);
    return {true, request[1]};
  } else {
    answer(unknown(request));
  }
  return {};
}

term status_misc(const term& name, bool suspended, const term& parent, const term& logged, const term& state) {
  auto pair = [](std::string_view key, term value) { return tuple(charlist(key), std::move(value)); };
  return list(tuple(atoms::header, charlist("Status for generic server " + name.to_string())),
              tuple(atoms::data, list(pair("Status", suspended ? atoms::suspended : atoms::running),
                                      pair("Parent", parent), pair("Logged events", logged))),
              tuple(atoms::data, list(pair("State", state))));
}

void stop_process(const term& server, term reason, milliseconds timeout) {
  const term pid = server.is_pid() ? server : whereis(server.is_atom() ? server.as_atom() : server[0].as_atom());
  if (!pid.is_pid()) throw exit_exception(atoms::noproc);
  const term ref = monitor(pid);
  send(pid, tuple(atoms::system, tuple(self(), ref), tuple(atoms::terminate, reason)));
  auto down =
      receive([&](const term& m) { return m.is_tuple(5) && m[0].is_atom(atoms::down) && m[1] == ref; }, timeout);
  // The ok reply may be queued too; it is of no use any more.
  while (receive([&](const term& m) { return m.is_tuple(2) && m[0] == ref; }, milliseconds(0))) {
  }
  if (!down) {
    demonitor(ref, true);
    throw exit_exception(atoms::timeout);
  }
  const term& actual = (*down)[4];
  if (!(actual == reason)) throw exit_exception(actual);
}

}  // namespace detail

namespace sys {
namespace {

term sys_call(const term& process, const term& request, milliseconds timeout, atom function, term args) {
  if (!in_process()) return runtime::current().run([&] { return sys_call(process, request, timeout, function, args); });
  return detail::gen_call(
      process, [&](const term& from) { return tuple(atoms::system, from, request); }, timeout,
      [&] { return tuple(atoms::sys, function, args); });
}

}  // namespace

void suspend(const term& process, milliseconds timeout) {
  sys_call(process, atoms::suspend, timeout, atoms::suspend, list(process));
}

void resume(const term& process, milliseconds timeout) {
  sys_call(process, atoms::resume, timeout, atoms::resume, list(process));
}

term get_state(const term& process, milliseconds timeout) {
  return sys_call(process, atoms::get_state, timeout, atoms::get_state, list(process));
}

term replace_state(const term& process, std::function<term(const term&)> replace, milliseconds timeout) {
  const term ref = make_ref();
  detail::replacements().put(ref, std::move(replace));
  term result;
  try {
    result = sys_call(process, tuple(atoms::replace_state, ref), timeout, atoms::replace_state, list(process));
  } catch (...) {
    detail::replacements().erase(ref);
    throw;
  }
  if (result.is_tuple(2) && result[0].is_atom(atoms::error) && result[1].is_tuple(2) &&
      result[1][0].is_atom(atom("callback_failed")))
    throw exit_exception(tuple(result[1], tuple(atoms::sys, atoms::replace_state, list(process))));
  return result;
}

term get_status(const term& process, milliseconds timeout) {
  return sys_call(process, atoms::get_status, timeout, atoms::get_status, list(process));
}

term change_code(const term& process, atom module, term old_vsn, term extra, milliseconds timeout) {
  const term request = tuple(atoms::change_code, module, old_vsn, extra);
  return sys_call(process, request, timeout, atoms::change_code, list(process, module, old_vsn, extra));
}

namespace {
batch system_call_all(const std::vector<term>& processes, const term& request, milliseconds timeout) {
  if (!in_process()) return runtime::current().run([&] { return system_call_all(processes, request, timeout); });
  detail::call_batch calls = detail::gen_call_many(
      processes, [&](const term& from) { return tuple(atoms::system, from, request); }, timeout);
  for (term& r : calls.results)
    if (r[0].is_atom(atoms::ok)) r = r[1];
  return batch{std::move(calls.results), std::move(calls.sent_at), std::move(calls.answered_at)};
}
}  // namespace

bool batch::all_ok() const {
  for (const term& r : results)
    if (!r.is_atom(atoms::ok)) return false;
  return true;
}

batch suspend_all(const std::vector<term>& processes, milliseconds timeout) {
  return system_call_all(processes, atoms::suspend, timeout);
}

batch resume_all(const std::vector<term>& processes, milliseconds timeout) {
  return system_call_all(processes, atoms::resume, timeout);
}

batch change_code_all(const std::vector<term>& processes, atom module, const term& old_vsn, const term& extra,
                      milliseconds timeout) {
  return system_call_all(processes, tuple(atoms::change_code, module, old_vsn, extra), timeout);
}

namespace {
term debug_call(const term& process, atom option, const term& flag, milliseconds timeout) {
  return sys_call(process, tuple(atom("debug"), tuple(option, flag)), timeout, option, list(process, flag));
}
}  // namespace

void trace(const term& process, bool on, milliseconds timeout) {
  debug_call(process, atom("trace"), on ? atoms::true_ : atoms::false_, timeout);
}

term log(const term& process, const term& flag, milliseconds timeout) {
  return debug_call(process, atom("log"), flag, timeout);
}

term statistics(const term& process, const term& flag, milliseconds timeout) {
  return debug_call(process, atom("statistics"), flag, timeout);
}

void no_debug(const term& process, milliseconds timeout) {
  sys_call(process, tuple(atom("debug"), atom("no_debug")), timeout, atom("no_debug"), list(process));
}

void terminate(const term& process, term reason, milliseconds timeout) {
  sys_call(process, tuple(atoms::terminate, reason), timeout, atoms::terminate, list(process, reason));
}

}  // namespace sys
}  // namespace otp
