// Small shared pieces for the gen_server and sys tests: a gen_server behaviour whose callbacks are
// std::functions set by each test, and waiting helpers (every wait has an upper bound, none sleeps).
//
// Helpers that receive must run inside a process (rt.run or a spawned process).
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "otp/atom.hpp"
#include "otp/gen_server.hpp"
#include "otp/process.hpp"
#include "otp/runtime.hpp"
#include "otp/term.hpp"
#include "otp/term_text.hpp"

namespace otp_test {

using namespace std::chrono_literals;
using namespace otp::literals;
using otp::atom;
using otp::milliseconds;
using otp::term;
namespace atoms = otp::atoms;
namespace gs = otp::gen_server;

// Upper bound for something that must happen; how long we watch for something that must not.
inline constexpr milliseconds must_happen_within{3000};
inline constexpr milliseconds must_not_happen_within{100};

// A gen_server behaviour scripted by the test. An unset callback keeps OTP's default, except
// handle_call, which answers the request `get` with the state when on_call is not set.
class scripted_server : public gs::behaviour {
 public:
  std::function<gs::init_result(const term& args)> on_init;
  std::function<gs::result(const term& request, const term& from, const term& state)> on_call;
  std::function<gs::result(const term& request, const term& state)> on_cast;
  std::function<gs::result(const term& info, const term& state)> on_info;
  std::function<gs::result(const term& continuation, const term& state)> on_continue;
  std::function<void(const term& reason, const term& state)> on_terminate;
  std::function<gs::code_change_result(const term& old_vsn, const term& state, const term& extra)> on_code_change;

  gs::init_result init(const term& args) override { return on_init ? on_init(args) : gs::init_result::ok(args); }
  gs::result handle_call(const term& request, const term& from, const term& state) override {
    if (on_call) return on_call(request, from, state);
    if (request.is_atom(atom("get"))) return gs::result::reply(state, state);
    return behaviour::handle_call(request, from, state);
  }
  gs::result handle_cast(const term& request, const term& state) override {
    return on_cast ? on_cast(request, state) : behaviour::handle_cast(request, state);
  }
  gs::result handle_info(const term& info, const term& state) override {
    return on_info ? on_info(info, state) : behaviour::handle_info(info, state);
  }
  gs::result handle_continue(const term& continuation, const term& state) override {
    return on_continue ? on_continue(continuation, state) : behaviour::handle_continue(continuation, state);
  }
  void terminate(const term& reason, const term& state) override {
    if (on_terminate) on_terminate(reason, state);
  }
  gs::code_change_result code_change(const term& old_vsn, const term& state, const term& extra) override {
    return on_code_change ? on_code_change(old_vsn, state, extra) : behaviour::code_change(old_vsn, state, extra);
  }
  std::string module_name() const override { return "scripted_server"; }
};

inline std::shared_ptr<scripted_server> make_server() { return std::make_shared<scripted_server>(); }

// A terminate callback that reports {terminated, Reason, State} to `observer`.
inline std::function<void(const term&, const term&)> report_terminate_to(const term& observer) {
  return [observer](const term& reason, const term& state) {
    otp::send(observer, otp::tuple(atom("terminated"), reason, state));
  };
}

// The first message that `matches`, waiting at most `timeout`.
inline std::optional<term> await(const std::function<bool(const term&)>& matches,
                                 milliseconds timeout = must_happen_within) {
  return otp::receive(matches, timeout);
}

// The first tuple whose first element is the atom `tag`.
inline std::optional<term> await_tagged(atom tag, milliseconds timeout = must_happen_within) {
  return otp::receive([tag](const term& m) { return m.is_tuple() && m.size() >= 1 && m[0].is_atom(tag); }, timeout);
}

// Exactly the message `expected`.
inline bool await_exactly(const term& expected, milliseconds timeout = must_happen_within) {
  return otp::receive([&expected](const term& m) { return m == expected; }, timeout).has_value();
}

// The reason of the DOWN for monitor `ref`; the atom 'no_down_received' when none came in time.
inline term await_down(const term& ref, milliseconds timeout = must_happen_within) {
  auto down = otp::receive([&ref](const term& m) { return m.is_tuple(5) && m[0].is_atom(atoms::down) && m[1] == ref; },
                           timeout);
  return down ? (*down)[4] : term(atom("no_down_received"));
}

// The reason of the exit_exception `fn` throws; the atom 'no_exit_exception' when it returns, and
// {other_exception, <<what()>>} when it throws something else (so a wrong exception reads well in a failure).
template <class Fn>
term caught_exit(Fn&& fn) {
  try {
    std::forward<Fn>(fn)();
  } catch (const otp::exit_exception& e) {
    return e.reason();
  } catch (const std::exception& e) {
    return otp::tuple(atom("other_exception"), otp::binary(e.what()));
  }
  return atom("no_exit_exception");
}

// The Pid of {ok, Pid}; records a failure (and returns nil) for any other start result.
inline term pid_of(const term& start_result) {
  if (start_result.is_tuple(2) && start_result[0].is_atom(atoms::ok) && start_result[1].is_pid())
    return start_result[1];
  ADD_FAILURE() << "expected {ok, Pid}, got " << start_result;
  return term();
}

// Called inside a process (e.g. from init): makes a helper monitor it and report
// {watched_down, Pid, Reason} to `observer` when it ends. Returns once the monitor is in place,
// so even a process that dies right afterwards is reported with its real exit reason.
inline void watch_me(const term& observer) {
  const term me = otp::self();
  otp::spawn([me, observer] {
    const term ref = otp::monitor(me);
    otp::send(me, atom("watching"));
    auto down = otp::receive(
        [&ref](const term& m) { return m.is_tuple(5) && m[0].is_atom(atoms::down) && m[1] == ref; }, otp::infinity);
    otp::send(observer, otp::tuple(atom("watched_down"), me, (*down)[4]));
  });
  otp::receive([](const term& m) { return m.is_atom(atom("watching")); }, otp::infinity);
}

// The exit reason reported by watch_me for `pid`; 'no_down_received' when none came in time.
inline term await_watched_down(const term& pid, milliseconds timeout = must_happen_within) {
  auto down = otp::receive(
      [&pid](const term& m) { return m.is_tuple(3) && m[0].is_atom(atom("watched_down")) && m[1] == pid; }, timeout);
  return down ? (*down)[2] : term(atom("no_down_received"));
}

// `list` with `item` appended.
inline term appended(const term& list, term item) {
  std::vector<term> items(list.elements().begin(), list.elements().end());
  items.push_back(std::move(item));
  return term::make_list(std::move(items));
}

// Inside a process: spawns a parent process that start_links `server` (args nil), and returns
// {Parent, StartResult}. The parent then waits for the atom `die` and exits with `parent_reason`.
inline term start_under_parent(const std::shared_ptr<scripted_server>& server, const term& parent_reason) {
  const term observer = otp::self();
  const term parent = otp::spawn([observer, server, parent_reason] {
    otp::send(observer, otp::tuple(atom("started_by_parent"), otp::self(), gs::start_link(server, term())));
    otp::receive([](const term& m) { return m.is_atom(atom("die")); }, otp::infinity);
    otp::exit(parent_reason);
  });
  auto started = otp::receive(
      [&parent](const term& m) { return m.is_tuple(3) && m[0].is_atom(atom("started_by_parent")) && m[1] == parent; },
      must_happen_within);
  return otp::tuple(parent, started ? (*started)[2] : term(atom("parent_never_reported")));
}

// Inside a process: a plain process (not a gen_server) registered as `name`. It forwards every message
// to `observer` as {raw_got, Msg}, and answers a request {Label, {CallerPid, Tag}, Request} (a '$gen_call'
// or a system message) by sending {Tag, {raw_reply, Request}} to CallerPid, as a hand-written server would.
inline term spawn_raw_server(atom name, const term& observer) {
  const term pid = otp::spawn([observer] {
    for (;;) {
      const term m = otp::receive();
      otp::send(observer, otp::tuple(atom("raw_got"), m));
      if (m.is_tuple(3) && m[1].is_tuple(2) && m[1][0].is_pid())
        otp::send(m[1][0], otp::tuple(m[1][1], otp::tuple(atom("raw_reply"), m[2])));
    }
  });
  otp::register_name(name, pid);
  return pid;
}

// Milliseconds on the steady clock.
inline std::int64_t now_ms() {
  return std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace otp_test
