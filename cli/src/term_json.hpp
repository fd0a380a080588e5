// Erlang terms as JSON for otpctl's --json output: the mapping is the observer library's
// (otp/term_json.hpp), so that otpctl and the web observer print the same documents.
#pragma once

#include "otp/term_json.hpp"

namespace otpctl {

using otp::observer::to_json;

}  // namespace otpctl
