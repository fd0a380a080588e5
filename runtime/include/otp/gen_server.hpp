// otp::gen_server — Erlang's gen_server behaviour in C++.
//
// The user's part is a `gen_server::behaviour`: stateless callbacks that receive the state as a
// term and return the next one. The generic part (this header's functions and the process loop
// behind them) does everything else exactly as OTP does: the '$gen_call' / '$gen_cast' / system
// message shapes, deferred replies, timeout / hibernate / continue actions, sys messages
// (suspend, resume, get_state, replace_state, get_status, change_code, terminate), terminate
// rules and call outcomes ({timeout, {gen_server, call, Args}}, noproc, calling_self, ...).
//
// Ownership: the process shares ownership of its behaviour object, which must be safe to call
// from any scheduler thread (one call at a time per process). Calls are dispatched through
// `behaviour` at every message, so a behaviour that forwards to "the current version of a module"
// gives Erlang's Mod:handle_call semantics.
//
// Thread-safety: the free functions may be called from any thread; outside a process they run in
// a temporary process (runtime::run).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "otp/process.hpp"
#include "otp/term.hpp"

namespace otp::gen_server {

// What the loop does after a callback: nothing, wait at most `timeout` for a message (then
// handle_info(timeout)), hibernate, or call handle_continue(term) before the next message.
struct action {
  enum class kind { none, timeout, hibernate, continue_with } tag = kind::none;
  milliseconds time{0};
  term argument;

  static action timeout(milliseconds t) { return {kind::timeout, t, term()}; }
  static action hibernate() { return {kind::hibernate, milliseconds(0), term()}; }
  static action continue_with(term c) { return {kind::continue_with, milliseconds(0), std::move(c)}; }
};

// The result of handle_call, handle_cast, handle_info and handle_continue:
// `return result::reply(Reply, State)`, `result::noreply(State, action::timeout(1000ms))`, ...
struct result {
  enum class kind { reply, noreply, stop, stop_reply } tag = kind::noreply;
  term reply_value;
  term state;
  term reason;
  action next;

  // {reply, Reply, State[, Action]} — handle_call only.
  static result reply(term reply_value, term state, action next = {}) {
    return {kind::reply, std::move(reply_value), std::move(state), term(), std::move(next)};
  }
  // {noreply, State[, Action]}
  static result noreply(term state, action next = {}) {
    return {kind::noreply, term(), std::move(state), term(), std::move(next)};
  }
  // {stop, Reason, State}
  static result stop(term reason, term state) { return {kind::stop, term(), std::move(state), std::move(reason), {}}; }
  // {stop, Reason, Reply, State} — handle_call only; terminate runs before the reply is sent.
  static result stop(term reason, term reply_value, term state) {
    return {kind::stop_reply, std::move(reply_value), std::move(state), std::move(reason), {}};
  }
};

struct init_result {
  enum class kind { ok, stop, ignore } tag = kind::ok;
  term state;
  term reason;
  action next;

  static init_result ok(term state, action next = {}) { return {kind::ok, std::move(state), term(), std::move(next)}; }
  static init_result stop(term reason) { return {kind::stop, term(), std::move(reason), {}}; }
  static init_result ignore() { return {kind::ignore, term(), term(), {}}; }
};

// code_change's answer: {ok, NewState}, or an error that sys:change_code reports as {error, Error}.
struct code_change_result {
  bool ok = true;
  term value;  // the new state, or the error
  static code_change_result success(term state) { return {true, std::move(state)}; }
  static code_change_result failure(term error) { return {false, std::move(error)}; }
};

// The callbacks. Every one but init has OTP's default behaviour when not overridden.
class behaviour {
 public:
  virtual ~behaviour() = default;
  virtual init_result init(const term& args) = 0;
  // Default: stop with {bad_call, Request}.
  virtual result handle_call(const term& request, const term& from, const term& state);
  // Default: stop with {bad_cast, Request}.
  virtual result handle_cast(const term& request, const term& state);
  // Default: log {gen_server, no_handle_info} and keep the state, as OTP does for a missing handle_info.
  virtual result handle_info(const term& info, const term& state);
  // Default: stop with {bad_continue, Continue}.
  virtual result handle_continue(const term& continuation, const term& state);
  virtual void terminate(const term& reason, const term& state);
  // Default: keep the state.
  virtual code_change_result code_change(const term& old_vsn, const term& state, const term& extra);
  // For process_info and sys:get_status.
  virtual std::string module_name() const;
  virtual std::string module_vsn() const { return {}; }
};

struct start_options {
  std::optional<atom> name;         // register locally as this name ({local, Name})
  milliseconds timeout = infinity;  // how long init may take; then the server is killed, {error, timeout}
  bool link = false;                // start_link
};

// gen_server:start/start_link. Returns {ok, Pid}, ignore, or {error, Reason}
// ({error, {already_started, Pid}} when the name is taken). Must be called from a process for a
// link; otherwise from any thread.
term start(std::shared_ptr<behaviour> callbacks, term args, start_options options = {});
term start_link(std::shared_ptr<behaviour> callbacks, term args, start_options options = {});

inline constexpr milliseconds default_call_timeout{5000};

// gen_server:call/2 (5 s) and call/3. Throws exit_exception with OTP's reason on failure:
// {timeout, {gen_server, call, Args}}, {noproc, ...}, {Reason, ...} when the server dies,
// {calling_self, ...}. `server` is a pid, a registered name or {Name, Node}.
term call(const term& server, term request);
term call(const term& server, term request, milliseconds timeout);
// gen_server:cast — never fails.
void cast(const term& server, term request);
// gen_server:reply(From, Reply): answers a call whose handler returned noreply.
void reply(const term& from, term reply_value);
// gen_server:stop(Server, Reason, Timeout): terminate is called whatever trap_exit says.
void stop(const term& server, term reason = term(atoms::normal), milliseconds timeout = infinity);

}  // namespace otp::gen_server
