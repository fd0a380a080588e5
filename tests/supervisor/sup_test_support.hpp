// Shared pieces of the supervisor tests: a worker gen_server that tells the test process when it
// starts and stops, start functions built from it, a supervisor behaviour scripted by each test,
// and bounded waits (no sleeps). Helpers that receive must run inside a process (in_sup_test).
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "../runtime/process_waits.hpp"
#include "otp/gen_server.hpp"
#include "otp/process.hpp"
#include "otp/runtime.hpp"
#include "otp/supervisor.hpp"
#include "otp/term.hpp"
#include "otp/term_text.hpp"

namespace sup_test {

using namespace std::chrono_literals;
using namespace otp::literals;
using otp::atom;
using otp::list;
using otp::milliseconds;
using otp::term;
using otp::tuple;
namespace atoms = otp::atoms;
namespace gs = otp::gen_server;
namespace sup = otp::supervisor;
using otp::test::must_happen_within;
using otp::test::must_not_happen_within;

struct worker_options {
  bool trap_exit = true;          // so terminate runs on exit(shutdown) and reports {stopped, Id, R}
  std::optional<term> stop_with;  // stop with this reason when the supervisor asks us to shut down
};

// A gen_server: init sends {started, Id, self()} to the observer, terminate sends {stopped, Id, Reason}.
// Calls: ping -> pong; crash -> throws; {stop, R} -> stops with R. Casts: {exit, R} -> exit(R).
class test_worker final : public gs::behaviour {
 public:
  test_worker(term id, term observer, worker_options options)
      : id_(std::move(id)), observer_(std::move(observer)), options_(std::move(options)) {}

  gs::init_result init(const term& args) override {
    if (options_.trap_exit) otp::trap_exit(true);
    otp::send(observer_, tuple("started"_a, id_, otp::self()));
    return gs::init_result::ok(args);
  }
  gs::result handle_call(const term& request, const term&, const term& state) override {
    if (request.is_atom(atom("ping"))) return gs::result::reply("pong"_a, state);
    if (request.is_atom(atom("crash"))) throw std::runtime_error("crash requested");
    if (request.is_atom(atom("args"))) return gs::result::reply(state, state);
    if (request.is_tuple(2) && request[0].is_atom(atom("stop"))) return gs::result::stop(request[1], "ok"_a, state);
    return gs::result::reply("unknown"_a, state);
  }
  gs::result handle_cast(const term& request, const term& state) override {
    if (request.is_tuple(2) && request[0].is_atom(atom("exit"))) otp::exit(request[1]);
    return gs::result::noreply(state);
  }
  void terminate(const term& reason, const term&) override {
    otp::send(observer_, tuple("stopped"_a, id_, reason));
    if (options_.stop_with) otp::exit(*options_.stop_with);
  }
  std::string module_name() const override { return "test_worker"; }

 private:
  term id_;
  term observer_;
  worker_options options_;
};

inline sup::start_function worker_fn(term id, term observer, worker_options options = {}) {
  return [id = std::move(id), observer = std::move(observer), options](const term& args) {
    return gs::start_link(std::make_shared<test_worker>(id, observer, options), args);
  };
}

inline sup::child_spec worker_spec(term id, term observer, sup::restart_type restart = sup::restart_type::permanent,
                                   worker_options options = {}) {
  sup::child_spec spec = sup::child_spec::worker(id, worker_fn(id, observer, options));
  spec.restart = restart;
  return spec;
}

// A child that traps exits and ignores everything: only kill stops it.
inline sup::start_function stubborn_fn(term observer, term id) {
  return [observer = std::move(observer), id = std::move(id)](const term&) {
    const term pid = otp::spawn(
        [observer, id] {
          otp::send(observer, tuple("started"_a, id, otp::self()));
          for (;;) otp::receive();
        },
        otp::spawn_options{.link = true, .trap_exit = true});
    return tuple(atoms::ok, pid);
  };
}

// A start function that answers `answer` (for ignore / {error, E} / bad values) without starting anything.
inline sup::start_function answering_fn(term answer) {
  return [answer = std::move(answer)](const term&) { return answer; };
}

// Fails (with {error, start_failed}) `failures` times, then behaves as `inner`.
inline sup::start_function failing_fn(int failures, sup::start_function inner) {
  auto left = std::make_shared<std::atomic<int>>(failures);
  return [left, inner = std::move(inner)](const term& args) {
    if (left->fetch_sub(1) > 0) return tuple(atoms::error, "start_failed"_a);
    return inner(args);
  };
}

class test_sup final : public sup::behaviour {
 public:
  explicit test_sup(std::function<sup::init_result(const term&)> on_init) : on_init_(std::move(on_init)) {}
  sup::init_result init(const term& args) override { return on_init_(args); }
  std::string module_name() const override { return "test_sup"; }
  std::function<sup::init_result(const term&)> on_init_;
};

inline std::shared_ptr<test_sup> make_sup(std::function<sup::init_result(const term&)> on_init) {
  return std::make_shared<test_sup>(std::move(on_init));
}
inline std::shared_ptr<test_sup> make_sup(sup::flags flags, std::vector<sup::child_spec> children) {
  return make_sup([flags, children](const term&) { return sup::init_result::ok(flags, children); });
}
inline sup::flags flags_of(sup::strategy s, std::int64_t intensity = 1, std::int64_t period = 5) {
  sup::flags f;
  f.restart_strategy = s;
  f.intensity = intensity;
  f.period = period;
  return f;
}

// Runs `body` in a process that traps exits (so a supervisor dying does not take the test down).
template <class Fn>
void in_sup_test(Fn&& body) {
  otp::runtime rt;
  rt.run([&] {
    otp::trap_exit(true);
    body();
  });
}

// The pid of {ok, Pid}; fails the test otherwise.
inline term pid_of(const term& r) {
  if (r.is_tuple() && r.size() >= 2 && r[0].is_atom(atoms::ok) && r[1].is_pid()) return r[1];
  ADD_FAILURE() << "expected {ok, Pid}, got " << r;
  return term();
}

// {started, Id, Pid} -> Pid; throws when it does not come in time.
inline term await_started(const term& id, milliseconds limit = must_happen_within) {
  auto m =
      otp::receive([&](const term& x) { return x.is_tuple(3) && x[0].is_atom(atom("started")) && x[1] == id; }, limit);
  if (!m) throw std::runtime_error("no {started, " + id.to_string() + ", _}");
  return (*m)[2];
}
inline bool started_again(const term& id, milliseconds limit = must_not_happen_within) {
  return otp::receive([&](const term& x) { return x.is_tuple(3) && x[0].is_atom(atom("started")) && x[1] == id; },
                      limit)
      .has_value();
}
// The next {stopped, Id, Reason} for any id, as {Id, Reason}.
inline term await_stopped_any(milliseconds limit = must_happen_within) {
  auto m = otp::receive([](const term& x) { return x.is_tuple(3) && x[0].is_atom(atom("stopped")); }, limit);
  if (!m) throw std::runtime_error("no {stopped, _, _}");
  return tuple((*m)[1], (*m)[2]);
}
// {'EXIT', Pid, Reason} -> Reason, or the atom no_exit.
inline term await_exit(const term& pid, milliseconds limit = must_happen_within) {
  auto m =
      otp::receive([&](const term& x) { return x.is_tuple(3) && x[0].is_atom(atoms::exit_) && x[1] == pid; }, limit);
  return m ? (*m)[2] : term(atom("no_exit"));
}
// Kills `pid` and waits until it is dead.
inline void kill_and_wait(const term& pid, term reason = atoms::kill) {
  const term ref = otp::monitor(pid);
  otp::exit(pid, std::move(reason));
  otp::test::await_down(ref);
}
// Reason of the DOWN of `pid` after monitoring it now.
inline term await_death(const term& pid) { return otp::test::await_down_reason(otp::monitor(pid)); }

inline term child_pid(const term& sup_ref, const term& id) {
  for (const term which_now = sup::which_children(sup_ref); const term& c : which_now.elements())
    if (c[0] == id) return c[1];
  return atoms::undefined;
}

}  // namespace sup_test
