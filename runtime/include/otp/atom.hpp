// otp::atom — an interned name, as Erlang's atoms.
//
// The atom table is global to the OS process (one per runtime library), append-only and never
// shrinks, like Erlang's. Interning takes a lock; reading an atom's text takes none. An atom is
// at most 255 characters (UTF-8 bytes are counted as Erlang counts code points) and the table
// holds at most `atom_table_limit` atoms; going over either throws `bad_atom`.
//
// The atoms the runtime itself uses are predefined with fixed indices (`otp::atoms::ok`, ...), so
// comparing against them costs one integer comparison.
//
// Thread-safety: every function here may be called from any thread.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string_view>

namespace otp {

class bad_atom : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline constexpr std::size_t atom_table_limit = 1u << 20;

class atom {
 public:
  // Interns `text` (thread-safe). Throws bad_atom when too long, invalid UTF-8, or the table is full.
  explicit atom(std::string_view text);
  // Looks up an existing atom without creating one (for decoding untrusted input cheaply).
  static bool exists(std::string_view text) noexcept;

  constexpr std::uint32_t index() const noexcept { return index_; }
  std::string_view text() const noexcept;

  friend constexpr bool operator==(atom a, atom b) noexcept { return a.index_ == b.index_; }
  // Atoms order alphabetically by their text, as Erlang orders them.
  friend bool operator<(atom a, atom b) noexcept { return a.text() < b.text(); }

  static constexpr atom from_index(std::uint32_t index) noexcept { return atom(index, 0); }

 private:
  constexpr atom(std::uint32_t index, int) noexcept : index_(index) {}
  std::uint32_t index_;
};

// The predefined atoms, in table order. X(identifier, "text").
#define OTP_PREDEFINED_ATOMS(X)               \
  X(false_, "false")                          \
  X(true_, "true")                            \
  X(ok, "ok")                                 \
  X(error, "error")                           \
  X(undefined, "undefined")                   \
  X(normal, "normal")                         \
  X(shutdown, "shutdown")                     \
  X(kill, "kill")                             \
  X(killed, "killed")                         \
  X(noproc, "noproc")                         \
  X(noconnection, "noconnection")             \
  X(timeout, "timeout")                       \
  X(infinity, "infinity")                     \
  X(exit_, "EXIT")                            \
  X(down, "DOWN")                             \
  X(process, "process")                       \
  X(gen_call, "$gen_call")                    \
  X(gen_cast, "$gen_cast")                    \
  X(system, "system")                         \
  X(alias, "alias")                           \
  X(gen_server, "gen_server")                 \
  X(call, "call")                             \
  X(calling_self, "calling_self")             \
  X(stop, "stop")                             \
  X(ignore, "ignore")                         \
  X(bad_return_value, "bad_return_value")     \
  X(suspend, "suspend")                       \
  X(resume, "resume")                         \
  X(get_state, "get_state")                   \
  X(replace_state, "replace_state")           \
  X(get_status, "get_status")                 \
  X(change_code, "change_code")               \
  X(terminate, "terminate")                   \
  X(status, "status")                         \
  X(module, "module")                         \
  X(running, "running")                       \
  X(suspended, "suspended")                   \
  X(unknown_system_msg, "unknown_system_msg") \
  X(sys, "sys")                               \
  X(exception, "exception")                   \
  X(nonode_nohost, "nonode@nohost")           \
  X(down_, "down")                            \
  X(badarg, "badarg")                         \
  X(already_started, "already_started")       \
  X(waiting, "waiting")                       \
  X(runnable, "runnable")                     \
  X(exiting, "exiting")                       \
  X(header, "header")                         \
  X(data, "data")                             \
  X(state, "state")                           \
  X(nodedown, "nodedown")                     \
  X(proc_lib, "proc_lib")                     \
  X(stop_, "$stop")                           \
  X(no_handle_info, "no_handle_info")

namespace atoms {
enum class index_of : std::uint32_t {
#define OTP_ATOM_ENUM(id, text) id,
  OTP_PREDEFINED_ATOMS(OTP_ATOM_ENUM)
#undef OTP_ATOM_ENUM
      count_
};
#define OTP_ATOM_CONST(id, text) inline constexpr atom id = atom::from_index(static_cast<std::uint32_t>(index_of::id));
OTP_PREDEFINED_ATOMS(OTP_ATOM_CONST)
#undef OTP_ATOM_CONST
}  // namespace atoms

inline namespace literals {
// "ok"_a
inline atom operator""_a(const char* text, std::size_t size) { return atom(std::string_view(text, size)); }
}  // namespace literals

}  // namespace otp
