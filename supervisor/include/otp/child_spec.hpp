// otp::supervisor::child_spec — one child of a supervisor, as OTP's child_spec().
//
// A spec is a plain value: id, start ({M,F,A} plus, optionally, the C++ callable that really starts
// the child), restart, significant, shutdown, type and modules. It is built either as a C++ struct
// (unset optional fields take OTP's defaults) or from a term (the 7-key map or the legacy 6-tuple),
// which is validated with OTP's error reasons ({invalid_mfa,X}, missing_id, {bad_combination,...}).
//
// How a child starts: `start_fn` when set (an in-process C++ child or an OS process), otherwise the
// function registered for {M,F} with register_start_function (start_registry.hpp), otherwise, for
// {M, start_link, [Arg]}, the hot-loadable module M through the code server; resolved when the
// child starts. Either is called with the argument list A (for simple_one_for_one, A ++ ExtraArgs) inside
// the supervisor process, must link the new process to the caller, and returns {ok,Pid} |
// {ok,Pid,Info} | ignore | {error,E}; anything else X counts as {error,X}.
//
// A registered name (`name`, OTP's {local, Name} given to gen_server:start_link): the supervisor
// registers the child's process under it once the start function returned {ok, Pid}, before the next
// child starts, so a module never registers itself. A name already held by another process fails
// the start with {error, {already_started, Pid}} (the child is not started, as OTP); a child that
// registered itself under the same name is accepted. The name is freed when the process ends and
// taken again by the restarted child.
//
// Ownership and thread-safety: a spec owns copies of its terms and its std::function; it is copied
// into the supervisor. Values are immutable once handed over; reading from several threads is safe.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>

#include "otp/os_process.hpp"
#include "otp/process.hpp"
#include "otp/term.hpp"

namespace otp::supervisor {

// Starts a child: called with the argument list, returns {ok,Pid} | {ok,Pid,Info} | ignore | {error,E}.
using start_function = std::function<term(const term& args)>;

enum class restart_type { permanent, transient, temporary };
enum class child_type { worker, supervisor };
enum class auto_shutdown { never, any_significant, all_significant };

// brutal_kill, a timeout in milliseconds (exit(shutdown), then kill), or infinity.
struct shutdown_spec {
  enum class kind { brutal_kill, timeout, infinity } tag = kind::timeout;
  std::int64_t ms = 5000;

  static shutdown_spec brutal_kill() { return {kind::brutal_kill, 0}; }
  static shutdown_spec after(std::int64_t milliseconds) { return {kind::timeout, milliseconds}; }
  static shutdown_spec infinity() { return {kind::infinity, 0}; }
  term to_term() const;
  friend bool operator==(const shutdown_spec&, const shutdown_spec&) = default;
};

// A spec or flags term that OTP would reject; `reason` is OTP's error term, e.g. {invalid_mfa, X}.
class spec_error : public std::runtime_error {
 public:
  explicit spec_error(term reason);
  const term& reason() const noexcept { return reason_; }

 private:
  term reason_;
};

struct child_spec {
  term id;
  // {M, F, A}: shown in reports and get_childspec, and used to find the start function when
  // start_fn is empty. With start_fn set and `start` left nil, {'c++', start_link, []} is shown.
  term start;
  start_function start_fn;
  restart_type restart = restart_type::permanent;
  bool significant = false;
  std::optional<shutdown_spec> shutdown;  // default: 5000 for a worker, infinity for a supervisor
  child_type type = child_type::worker;
  std::optional<term> modules;  // [atom] or the atom dynamic; default [M]
  std::optional<atom> name;     // the child's registered name ({local, Name}); none: unregistered

  // An in-process child started by `fn` (called with `args`).
  static child_spec worker(term id, start_function fn, term args = term());
  static child_spec supervisor(term id, start_function fn, term args = term());
  // A child started by the function registered for {M, F}, as {M, F, A}.
  static child_spec mfa(term id, atom m, atom f, term args = term());
  // A hot-loadable module's gen_server or process, {M, start_link, [Arg]}: started by the code
  // server on the module's current version (otp/code.hpp), loaded from the code path if needed.
  static child_spec module(term id, atom m, term arg = term());
  // An OS process (otp/os_process.hpp): {os_process, start_link, [Executable]}; SIGTERM at
  // shutdown, SIGKILL when the shutdown time runs out.
  static child_spec executable(term id, os_process::spec process);

  // From the 7-key map or the legacy 6-tuple, checked as supervisor:check_childspec does against the
  // supervisor's auto_shutdown. Throws spec_error with OTP's reason.
  static child_spec from_term(const term& spec, auto_shutdown mode = auto_shutdown::never);

  // The effective values (defaults applied).
  term start_mfa() const;
  shutdown_spec effective_shutdown() const;
  term effective_modules() const;
  // Checks the fields as OTP does (for specs built in C++); throws spec_error.
  void validate(auto_shutdown mode = auto_shutdown::never) const;
  // The full map with all 7 keys, as get_childspec returns it.
  term to_term() const;
};

term to_term(restart_type r);
term to_term(child_type t);
term to_term(auto_shutdown a);

}  // namespace otp::supervisor
