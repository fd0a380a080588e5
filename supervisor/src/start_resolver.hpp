// The one place where a child's start function is found (see start_registry.hpp). The code server
// may later add a fallback here that starts hot-loadable modules.
#pragma once

#include "otp/child_spec.hpp"

namespace otp::supervisor::detail {

// Calls the child's start function with `args` (A, or A ++ ExtraArgs): spec.start_fn when set,
// else the function registered for {M, F}. Returns the raw start result; an unresolvable {M, F}
// gives {error, {'EXIT', {undef, [{M, F, Args, []}]}}}. Exceptions propagate to the caller.
term call_start_function(const child_spec& spec, const term& args);

}  // namespace otp::supervisor::detail
