// gen_call — the request/reply protocol under gen_server:call and every sys function (gen.erl).
//
// Monitors the server, sends the message built from From = {self(), Tag}, and waits for
// {Tag, Reply} or the monitor's DOWN. Tag is the monitor reference when the server is local and
// the wait infinite, else [alias | Ref], so a reply that comes after a timeout is dropped.
// Failures throw exit_exception({Reason, Location}), Location being e.g. {gen_server, call, Args}.
// Must run inside a process.
#pragma once

#include <chrono>
#include <functional>
#include <vector>

#include "otp/process.hpp"
#include "otp/term.hpp"

namespace otp::detail {

// `location` builds the {Module, Function, Args} of a failure; it only runs when the call fails.
term gen_call(const term& server, const std::function<term(const term& from)>& make_message, milliseconds timeout,
              const std::function<term()>& location);

// The same protocol to many local servers at once: every request is sent before any reply is
// awaited. One result per server, in order: {ok, Reply}, or {error, Reason} (noproc, timeout, or
// the reason the server died with), with when its request left and its answer came (max() when
// none came). `timeout` bounds the whole batch.
struct call_batch {
  std::vector<term> results;
  std::vector<std::chrono::steady_clock::time_point> sent_at;
  std::vector<std::chrono::steady_clock::time_point> answered_at;
};
call_batch gen_call_many(const std::vector<term>& servers, const std::function<term(const term& from)>& make_message,
                         milliseconds timeout);

// gen:reply(From, Reply).
void gen_reply(const term& from, term reply_value);

}  // namespace otp::detail
