// otp::observer::to_json — Erlang terms as JSON: every otpctl subcommand's --json output
// (docs/otpctl.md, "JSON") and the web observer's endpoints (docs/observer.md).
//
//   map        -> object; a key that is an atom or a UTF-8 binary is its text, any other key its
//                 Erlang syntax (#{1 => a} gives {"1": "a"})
//   list       -> array (a string such as "hi", a list of integers, is [104,105]); an improper
//                 list's tail becomes its last element
//   tuple      -> array
//   atom       -> string, except true and false (booleans)
//   binary     -> string when it is valid UTF-8, else its Erlang syntax ("<<1,255>>")
//   integer    -> number;  float -> number
//   pid, reference -> their Erlang syntax ("<0.85.0>", "#Ref<0.3.2.1>")
//
// Thread-safety: pure functions of their arguments.
#pragma once

#include <boost/json.hpp>

#include "otp/term.hpp"

namespace otp::observer {

boost::json::value to_json(const otp::term& t);

}  // namespace otp::observer
