// otp::supervisor start registry — {M, F} names for child start functions.
//
// A child spec given as a term names its start function as {M, F, A}. The supervisor resolves
// {M, F} when the child starts (not when the spec is checked, as OTP's apply/3 does), through the
// functions registered here. An {M, F} nobody registered gives the start result
// {error, {'EXIT', {undef, [{M, F, A, []}]}}}, the shape supervisor's `catch apply(M, F, A)` gives
// for a missing function (the stack holds only the call itself).
//
// Thread-safety: registration and lookup may happen from any thread; a lookup copies the function.
#pragma once

#include <optional>

#include "otp/child_spec.hpp"
#include "otp/term.hpp"

namespace otp::supervisor {

// Registers (or replaces) the start function for {M, F}.
void register_start_function(atom m, atom f, start_function fn);
// Removes it; returns false when none was registered.
bool unregister_start_function(atom m, atom f);
// The registered function, if any.
std::optional<start_function> registered_start_function(atom m, atom f);

}  // namespace otp::supervisor
