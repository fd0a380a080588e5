// The one place where a child's start function is found (see start_registry.hpp): the spec's own
// callable, the function registered for {M, F}, or — for {M, start_link, [Arg]} naming a module the
// code server can load — the module's gen_server or process (otp::code::start_link).
#pragma once

#include "otp/child_spec.hpp"

namespace otp::supervisor::detail {

// Calls the child's start function with `args` (A, or A ++ ExtraArgs): spec.start_fn when set,
// else the function registered for {M, F}, else a hot-loadable module M. Returns the raw start
// result; an unresolvable {M, F}
// gives {error, {'EXIT', {undef, [{M, F, Args, []}]}}}. With spec.name set, the started process is
// registered under it, and a name another process holds gives {error, {already_started, Holder}}
// (child_spec.hpp). Exceptions propagate to the caller.
term call_start_function(const child_spec& spec, const term& args);

}  // namespace otp::supervisor::detail
