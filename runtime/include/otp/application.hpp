// otp::application — the application environment (OTP's application:get_env/set_env), as module
// code reads it. Every application of the booted release has an environment: key -> term, made by
// the application controller from the application's YAML (`env:`), the release's `config:` and the
// node's config file (docs/applications.md says which wins). Module code links only the runtime,
// so the environment lives here; the controller fills it with load_env and empties it with
// unload_env.
//
//   if (auto port = otp::application::get_env(atom("kv"), atom("port"))) listen(port->as_int());
//
// The table is one per OS process (like the atom table), not per runtime: a controller that boots
// a release replaces the environments of its applications.
//
// Thread-safety: every function may be called from any thread or process at any time.
#pragma once

#include <optional>
#include <utility>
#include <vector>

#include "otp/term.hpp"

namespace otp::application {

// An application's environment, in the order its keys were first given.
using environment = std::vector<std::pair<atom, term>>;

// The value of `key` in `app`'s environment; nothing when the application has no such key (or is
// not loaded).
std::optional<term> get_env(atom app, atom key);
// The value, or `fallback` (application:get_env/3).
term get_env(atom app, atom key, term fallback);
// The whole environment of `app`; empty when it is not loaded.
environment get_all_env(atom app);
// Sets `key` in `app`'s environment until the application is loaded again (a restart of the node
// or an upgrade recomputes it from the files, as OTP does).
void set_env(atom app, atom key, term value);
void unset_env(atom app, atom key);

// The application controller's side: `app`'s environment replaced as a whole / removed.
void load_env(atom app, environment env);
void unload_env(atom app);

}  // namespace otp::application
