// Waiting helpers shared by the process-level tests: bounded receives for replies and 'DOWN'
// messages, never sleeps. Call them from inside a process.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>

#include "otp/process.hpp"
#include "otp/term.hpp"
#include "otp/term_text.hpp"

namespace otp::test {

// Upper bound on waiting for something that must happen.
inline constexpr milliseconds must_happen_within{3000};
// How long to look for something that must not happen.
inline constexpr milliseconds must_not_happen_within{80};

inline bool is_down_of(const term& m, const term& ref) {
  return m.is_tuple(5) && m[0].is_atom(atoms::down) && m[1] == ref;
}

// The whole {'DOWN', Ref, process, Object, Reason}; throws when it does not come in time.
inline term await_down(const term& ref) {
  auto m = receive([&](const term& x) { return is_down_of(x, ref); }, must_happen_within);
  if (!m) throw std::runtime_error("no 'DOWN' for " + ref.to_string());
  return *m;
}

inline term await_down_reason(const term& ref) { return await_down(ref)[4]; }

// The first message equal to `expected`, or nullopt after `limit`.
inline std::optional<term> receive_exactly(const term& expected, milliseconds limit = must_happen_within) {
  return receive([&](const term& m) { return m == expected; }, limit);
}

// The second element of the first {Tag, X} message; throws when none comes in time.
inline term await_tagged(atom tag) {
  auto m = receive([&](const term& x) { return x.is_tuple(2) && x[0].is_atom(tag); }, must_happen_within);
  if (!m) throw std::runtime_error("no {" + std::string(tag.text()) + ", _} message");
  return (*m)[1];
}

// A process that waits for one message, then runs `then` (holds a process alive until the test
// releases it).
inline term spawn_gated(std::function<void()> then = [] {}) {
  return spawn([then = std::move(then)] {
    receive();
    then();
  });
}

}  // namespace otp::test
