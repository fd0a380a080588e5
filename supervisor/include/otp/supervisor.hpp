// otp::supervisor — Erlang's supervisor behaviour in C++ (docs/supervisor.md).
//
// The user's part is a `supervisor::behaviour` whose init returns the flags and child specs (typed,
// or as terms validated as OTP validates them). The generic part is a gen_server (the runtime's)
// that traps exits, starts the children in order, restarts them by strategy and intensity, shuts
// them down with OTP's protocol and answers the API calls below with OTP's result terms. Every API
// function is a gen_server::call(Sup, Request, infinity), as in OTP; `sup` is a pid, a registered
// name or {Name, Node}.
//
// Ownership: each started supervisor process shares ownership of its behaviour object and keeps
// the original init args (for code_change). A behaviour may serve several supervisor processes;
// init may then be called from several scheduler threads (once per start or code_change).
//
// Reports go to otp::log: progress (info), supervisor_report with errorContext start_error,
// child_terminated, shutdown_error or shutdown (error).
//
// Thread-safety: the free functions may be called from any thread (outside a process they run in
// a temporary one), except start_link, which links to the calling process and needs one.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "otp/child_spec.hpp"
#include "otp/gen_server.hpp"
#include "otp/restart_intensity.hpp"
#include "otp/start_registry.hpp"
#include "otp/term.hpp"

namespace otp::supervisor {

enum class strategy { one_for_one, one_for_all, rest_for_one, simple_one_for_one };

struct flags {
  strategy restart_strategy = strategy::one_for_one;
  std::int64_t intensity = 1;
  std::int64_t period = 5;  // seconds
  supervisor::auto_shutdown auto_shutdown = supervisor::auto_shutdown::never;

  // From the flags map or the legacy {Strategy, Intensity, Period}; throws spec_error with
  // {invalid_strategy,X}, {invalid_intensity,X}, {invalid_period,X}, {invalid_auto_shutdown,X}, {invalid_type,X}.
  static flags from_term(const term& t);
  void validate() const;  // the same checks for typed flags
  term to_term() const;
};

term to_term(strategy s);

// What init returns: {ok, {Flags, Specs}} (typed or as terms), ignore, or any other value X
// (start_link then returns {error, {bad_return, {Mod, init, X}}}).
struct init_result {
  enum class kind { ok, ok_terms, ignore, bad_return } tag = kind::ok;
  flags sup_flags;
  std::vector<child_spec> children;
  term flags_term;  // kind::ok_terms: checked at start
  term specs_term;  // kind::ok_terms: a list of spec terms, checked at start
  term bad_value;   // kind::bad_return

  static init_result ok(flags f, std::vector<child_spec> specs) {
    init_result r;
    r.sup_flags = f;
    r.children = std::move(specs);
    return r;
  }
  static init_result ok(term flags_value, term specs) {
    init_result r;
    r.tag = kind::ok_terms;
    r.flags_term = std::move(flags_value);
    r.specs_term = std::move(specs);
    return r;
  }
  static init_result ignore() {
    init_result r;
    r.tag = kind::ignore;
    return r;
  }
  static init_result bad_return(term value) {
    init_result r;
    r.tag = kind::bad_return;
    r.bad_value = std::move(value);
    return r;
  }
};

class behaviour {
 public:
  virtual ~behaviour() = default;
  virtual init_result init(const term& args) = 0;
  // The module name in {Pid, Mod} supervisor names, bad_return errors and process_info.
  virtual std::string module_name() const;
};

// supervisor:start_link/2,3 (start: the same without a link). Returns {ok, Pid} | ignore |
// {error, {already_started, P}} | {error, {shutdown, {failed_to_start_child, Id, R}}} |
// {error, {bad_return, {Mod, init, X}}} | {error, {start_spec, E}} | {error, {bad_start_spec, X}} |
// {error, {supervisor_data, E}}.
term start_link(std::shared_ptr<behaviour> callbacks, term args, std::optional<atom> name = std::nullopt);
term start(std::shared_ptr<behaviour> callbacks, term args, std::optional<atom> name = std::nullopt);

// A start function that start_links a supervisor running `callbacks` with the child's argument
// list as init args (for a child spec of type supervisor).
start_function supervisor_starter(std::shared_ptr<behaviour> callbacks, std::optional<atom> name = std::nullopt);

// start_child(Sup, Spec): the spec as a C++ value or as a term (map or 6-tuple).
term start_child(const term& sup, const child_spec& spec);
// start_child(Sup, SpecTerm) — or, for simple_one_for_one, start_child(Sup, ExtraArgs).
term start_child(const term& sup, const term& spec_or_extra_args);
term terminate_child(const term& sup, const term& id_or_pid);
term restart_child(const term& sup, const term& id);
term delete_child(const term& sup, const term& id);
term which_children(const term& sup);
term count_children(const term& sup);
// otp-cpp's addition (for otpctl status): [{Id, Restarts}] in start order, how many times each
// child was restarted after it exited; [] for simple_one_for_one.
term restart_counts(const term& sup);
// otp-cpp's addition (for the observer's metrics): how many supervisors of this OS process reached
// their maximum restart intensity and shut down since it started. Any thread.
std::uint64_t intensity_exhaustions();
term get_childspec(const term& sup, const term& id_or_pid);
// check_childspecs(Specs [, AutoShutdown]): ok | {error, E}. Needs no supervisor.
term check_childspecs(const term& specs, auto_shutdown mode = auto_shutdown::never);

}  // namespace otp::supervisor
